/*
 * postgres_sync.sql on a database made by an earlier version of it (syncspec_applied_ops
 * keyed by op_id alone and without "digest" or "client_id", syncspec_rejected_uploads
 * without "client_id" and its "transaction" as jsonb): it upgrades both tables in place, keeping
 * their rows, a second run changes nothing, and uploads then work, on the real PostgreSQL 15 that
 * tests/run.sh starts. Once for the public schema and once for a schema of the spec's own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "sync/fixture.h"

typedef struct upgrade_case {
    const char *spec;
    const char *schema; /* the spec's PostgreSQL schema */
    const char *table;  /* a table the spec syncs, and the data of a valid PUT on it */
    const char *data;
    sync_sql g;
} upgrade_case;

/* The two tables as the file created them before op_ids were per user (commit 7ca19f2). */
static const char old_tables[] =
    "DROP TABLE {{schema_q}}.\"syncspec_applied_ops\", "
    "{{schema_q}}.\"syncspec_rejected_uploads\";\n"
    "CREATE TABLE IF NOT EXISTS {{schema_q}}.\"syncspec_applied_ops\" (\n"
    "  \"op_id\" text PRIMARY KEY,\n"
    "  \"user_id\" text NOT NULL,\n"
    "  \"status\" text NOT NULL CHECK (\"status\" IN ('applied', 'rejected')),\n"
    "  \"applied_at\" timestamp(3) with time zone NOT NULL DEFAULT now()\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS {{schema_q}}.\"syncspec_rejected_uploads\" (\n"
    "  \"id\" bigserial PRIMARY KEY,\n"
    "  \"op_id\" text NOT NULL,\n"
    "  \"user_id\" text NOT NULL,\n"
    "  \"transaction\" jsonb NOT NULL,\n"
    "  \"errors\" jsonb NOT NULL,\n"
    "  \"rejected_at\" timestamp(3) with time zone NOT NULL DEFAULT now()\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS \"idx_syncspec_rejected_uploads_user_id\"\n"
    "  ON {{schema_q}}.\"syncspec_rejected_uploads\" (\"user_id\");\n"
    /* An applied and a rejected transaction, as that version recorded them. */
    "INSERT INTO {{schema_q}}.\"syncspec_applied_ops\"\n"
    "  (\"op_id\", \"user_id\", \"status\")\n"
    "  VALUES ('old:1', 'alice', 'applied'), ('old:2', 'alice', 'rejected');\n"
    "INSERT INTO {{schema_q}}.\"syncspec_rejected_uploads\"\n"
    "  (\"op_id\", \"user_id\", \"transaction\", \"errors\")\n"
    "  VALUES ('old:2', 'alice', '{\"op_id\": \"old:2\", \"ops\": []}', '[]');\n";

/* `text` with every {{schema_q}} replaced by `schema` quoted, as the template does it. */
static char *with_schema(const char *text, const char *schema) {
    static const char var[] = "{{schema_q}}";
    size_t n = strlen(text) + 1;
    for (const char *p = text; (p = strstr(p, var)); p++) n += strlen(schema) + 2;
    char *out = malloc(n), *o = out;
    assert_non_null(out);
    for (const char *p = text, *next; *p; p = next + strlen(var)) {
        if (!(next = strstr(p, var))) {
            strcpy(o, p);
            return out;
        }
        o += sprintf(o, "%.*s\"%s\"", (int)(next - p), p, schema);
    }
    *o = 0;
    return out;
}

/* A table's columns (by name: an added column comes last) and constraints, as one line. */
static char *shape(PGconn *c, const char *schema, const char *table) {
    char *columns =
        pg_value(c,
                 "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || "
                 "CASE WHEN attnotnull THEN ' not null' ELSE '' END || "
                 "coalesce(' default ' || pg_get_expr(adbin, adrelid), ''), ', ' ORDER BY attname) "
                 "FROM pg_attribute LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum "
                 "WHERE attrelid = '\"%s\".\"%s\"'::regclass AND attnum > 0 AND NOT attisdropped",
                 schema, table);
    char *constraints = pg_value(c,
                                 "SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), "
                                 "', ' ORDER BY conname) FROM pg_constraint "
                                 "WHERE conrelid = '\"%s\".\"%s\"'::regclass",
                                 schema, table);
    assert_non_null(columns);
    assert_non_null(constraints);
    size_t n = strlen(columns) + strlen(constraints) + 4;
    char *out = malloc(n);
    snprintf(out, n, "%s | %s", columns, constraints);
    free(columns);
    free(constraints);
    return out;
}

/* What a rewrite or a new key would change: the tables' and their indexes' files. */
static char *files(PGconn *c, const char *schema) {
    char *v = pg_value(c,
                       "SELECT string_agg(relname || '=' || relfilenode, ' ' ORDER BY relname) "
                       "FROM pg_class WHERE relnamespace = '\"%s\"'::regnamespace AND "
                       "relname ~ '^(idx_)?syncspec_(applied_ops|rejected_uploads)'",
                       schema);
    assert_non_null(v);
    return v;
}

static void assert_same(char *got, char *expected, const char *what) {
    if (strcmp(got, expected) != 0)
        fail_msg("%s\n  got      %s\n  expected %s", what, got, expected);
    free(got);
    free(expected);
}

static void assert_value(PGconn *c, const char *expected, const char *fmt, const char *schema) {
    char *v = pg_value(c, fmt, schema);
    assert_non_null(v);
    if (strcmp(v, expected) != 0) fail_msg("%s\n  got      %s\n  expected %s", fmt, v, expected);
    free(v);
}

/* Uploads one transaction of one PUT as `user` from `client` (NULL: none); returns its
 * status (static storage). */
static const char *upload(syncspec_server *server, PGconn *api, const upgrade_case *c,
                          const char *user, const char *client, const char *op_id, const char *id) {
    char body[1024];
    snprintf(body, sizeof body,
             "{\"client_id\":%s%s%s,\"transactions\":[{\"op_id\":\"%s\",\"ops\":[{\"op\":\"PUT\","
             "\"table\":\"%s\",\"id\":\"%s\",\"data\":%s}]}]}",
             client ? "\"" : "", client ? client : "null", client ? "\"" : "", op_id, c->table, id,
             c->data);
    char *response = NULL;
    syncspec_error err;
    if (syncspec_server_upload(server, &response, api, user, body, &err) != 0)
        fail_msg("upload failed: %s", err.message);
    json_t *root = json_loads(response, 0, NULL);
    assert_non_null(root);
    const char *status = json_string_value(
        json_object_get(json_array_get(json_object_get(root, "transactions"), 0), "status"));
    static char out[32];
    snprintf(out, sizeof out, "%s", status ? status : response);
    json_decref(root);
    free(response);
    return out;
}

static void test_upgrade(void **state) {
    upgrade_case *c = *state;
    const char *s = c->schema;
    pg_fixture fresh, pg;
    if (pg_fresh(&fresh, &c->g) != 0 || pg_fresh(&pg, &c->g) != 0)
        fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    char *applied_shape = shape(fresh.conn, s, "syncspec_applied_ops");
    char *rejected_shape = shape(fresh.conn, s, "syncspec_rejected_uploads");
    pg_drop(&fresh);

    char *old = with_schema(old_tables, s);
    assert_true(pg_ok(pg.conn, old));
    free(old);
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));

    /* The new shapes, the same as a fresh database's. */
    assert_value(pg.conn, "text not null",
                 "SELECT format_type(atttypid, atttypmod) || CASE WHEN attnotnull THEN ' not null' "
                 "END FROM pg_attribute WHERE attrelid = '\"%s\".syncspec_applied_ops'::regclass "
                 "AND attname = 'digest'",
                 s);
    assert_value(pg.conn, "PRIMARY KEY (user_id, client_id, op_id)",
                 "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                 "'\"%s\".syncspec_applied_ops'::regclass AND contype = 'p'",
                 s);
    assert_value(pg.conn, "text",
                 "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                 "'\"%s\".syncspec_rejected_uploads'::regclass AND attname = 'transaction'",
                 s);
    assert_same(shape(pg.conn, s, "syncspec_applied_ops"), applied_shape, "syncspec_applied_ops");
    assert_same(shape(pg.conn, s, "syncspec_rejected_uploads"), rejected_shape,
                "syncspec_rejected_uploads");
    /* The old rows, kept: recorded before digests, the transaction as jsonb wrote it. */
    assert_value(
        pg.conn, "old:1 alice <> applied <>, old:2 alice <> rejected <>",
        "SELECT string_agg(concat_ws(' ', op_id, user_id, '<' || client_id || '>', status, "
        "'<' || digest || '>'), "
        "', ' ORDER BY op_id) FROM \"%s\".syncspec_applied_ops",
        s);
    assert_value(pg.conn, "old:2 alice {\"ops\": [], \"op_id\": \"old:2\"} []",
                 "SELECT string_agg(concat_ws(' ', op_id, user_id, \"transaction\", errors), ', ') "
                 "FROM \"%s\".syncspec_rejected_uploads",
                 s);

    /* A third run changes nothing and rewrites nothing. */
    char *before = files(pg.conn, s);
    applied_shape = shape(pg.conn, s, "syncspec_applied_ops");
    rejected_shape = shape(pg.conn, s, "syncspec_rejected_uploads");
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));
    assert_same(files(pg.conn, s), before, "relfilenodes");
    assert_same(shape(pg.conn, s, "syncspec_applied_ops"), applied_shape, "syncspec_applied_ops");
    assert_same(shape(pg.conn, s, "syncspec_rejected_uploads"), rejected_shape,
                "syncspec_rejected_uploads");

    /* Uploads: an old op_id re-sent without a client id applies (nothing is recorded for a
     * client that names none), as does another user's; a named client's op_ids are its own. */
    syncspec_server *server = NULL;
    syncspec_error err;
    assert_int_equal(syncspec_server_new(&server, c->g.schema, &err), 0);
    PGconn *api = pg_connect_db(pg.dbname);
    assert_non_null(api);
    const char *id1 = "00000000-0000-4000-8000-000000000001";
    const char *id2 = "00000000-0000-4000-8000-000000000002";
    const char *id3 = "00000000-0000-4000-8000-000000000003";
    assert_string_equal(upload(server, api, c, "alice", NULL, "old:1", id1), "applied");
    assert_string_equal(upload(server, api, c, "alice", "dev", "old:1", id2), "applied");
    assert_string_equal(upload(server, api, c, "bob", NULL, "old:1", id3), "applied");
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".\"%s\"", s, c->table);
    assert_int_equal(pg_long(pg.conn, "%s", sql), 3);
    assert_value(pg.conn, "alice dev old:1 applied 32",
                 "SELECT string_agg(concat_ws(' ', user_id, client_id, op_id, status, "
                 "length(digest)), ', ' ORDER BY user_id, op_id) FROM \"%s\".syncspec_applied_ops "
                 "WHERE digest <> ''",
                 s);
    /* The same op_id again, from the same client: a retry is a duplicate, other text a
     * conflict. */
    assert_string_equal(upload(server, api, c, "alice", "dev", "old:1", id2), "duplicate");
    assert_string_equal(upload(server, api, c, "alice", "dev", "old:1", id1), "conflict");
    assert_int_equal(pg_long(pg.conn, "%s", sql), 3);
    syncspec_server_free(server);
    PQfinish(api);
    pg_drop(&pg);
}

/* The two tables as the file created them before client ids (op_ids per user, digests,
 * refused transactions as text), with a row each. */
static const char per_user_tables[] =
    "DROP TABLE {{schema_q}}.\"syncspec_applied_ops\", "
    "{{schema_q}}.\"syncspec_rejected_uploads\";\n"
    "CREATE TABLE {{schema_q}}.\"syncspec_applied_ops\" (\n"
    "  \"user_id\" text NOT NULL,\n"
    "  \"op_id\" text NOT NULL,\n"
    "  \"digest\" text NOT NULL,\n"
    "  \"status\" text NOT NULL CHECK (\"status\" IN ('applied', 'rejected')),\n"
    "  \"applied_at\" timestamp(3) with time zone NOT NULL DEFAULT now(),\n"
    "  PRIMARY KEY (\"user_id\", \"op_id\")\n"
    ");\n"
    "CREATE TABLE {{schema_q}}.\"syncspec_rejected_uploads\" (\n"
    "  \"id\" bigserial PRIMARY KEY,\n"
    "  \"op_id\" text NOT NULL,\n"
    "  \"user_id\" text NOT NULL,\n"
    "  \"transaction\" text NOT NULL,\n"
    "  \"errors\" jsonb NOT NULL,\n"
    "  \"rejected_at\" timestamp(3) with time zone NOT NULL DEFAULT now()\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS \"idx_syncspec_rejected_uploads_user_id\"\n"
    "  ON {{schema_q}}.\"syncspec_rejected_uploads\" (\"user_id\");\n"
    "INSERT INTO {{schema_q}}.\"syncspec_applied_ops\" (\"user_id\", \"op_id\", \"digest\", "
    "\"status\") VALUES ('alice', 'd:1', 'abc', 'applied');\n"
    "INSERT INTO {{schema_q}}.\"syncspec_rejected_uploads\" (\"op_id\", \"user_id\", "
    "\"transaction\", \"errors\") VALUES ('d:2', 'alice', '{}', '[]');\n";

/* From the version before client ids: both tables gain client_id ('' for the rows they had)
 * and the key takes it; a second run changes nothing. */
static void test_upgrade_to_client_ids(void **state) {
    upgrade_case *c = *state;
    const char *s = c->schema;
    pg_fixture fresh, pg;
    if (pg_fresh(&fresh, &c->g) != 0 || pg_fresh(&pg, &c->g) != 0)
        fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    char *applied_shape = shape(fresh.conn, s, "syncspec_applied_ops");
    char *rejected_shape = shape(fresh.conn, s, "syncspec_rejected_uploads");
    pg_drop(&fresh);
    char *old = with_schema(per_user_tables, s);
    assert_true(pg_ok(pg.conn, old));
    free(old);
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));
    assert_value(pg.conn, "PRIMARY KEY (user_id, client_id, op_id)",
                 "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                 "'\"%s\".syncspec_applied_ops'::regclass AND contype = 'p'",
                 s);
    assert_same(shape(pg.conn, s, "syncspec_applied_ops"), applied_shape, "syncspec_applied_ops");
    assert_same(shape(pg.conn, s, "syncspec_rejected_uploads"), rejected_shape,
                "syncspec_rejected_uploads");
    assert_value(
        pg.conn, "alice <> d:1 abc applied | alice <> d:2",
        "SELECT (SELECT concat_ws(' ', user_id, '<' || client_id || '>', op_id, digest, "
        "status) FROM \"%1$s\".syncspec_applied_ops) || ' | ' || (SELECT concat_ws(' ', "
        "user_id, '<' || client_id || '>', op_id) FROM \"%1$s\".syncspec_rejected_uploads)",
        s);
    char *before = files(pg.conn, s);
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));
    assert_same(files(pg.conn, s), before, "relfilenodes");
    pg_drop(&pg);
}

static int load(void **state) {
    upgrade_case *c = *state;
    if (fixture_load(&c->g, c->spec) != 0) fail_msg("cannot load %s (run from the root)", c->spec);
    return 0;
}

static int unload(void **state) {
    upgrade_case *c = *state;
    fixture_unload(&c->g);
    return 0;
}

int main(void) {
    static upgrade_case app = {"schemas/app.yaml", "public", "projects", "{\"name\":\"p\"}", {0}};
    static upgrade_case custom = {"tests/golden/custom/spec.yaml",
                                  "sync_data",
                                  "notes",
                                  "{\"body\":\"b\",\"yes_id\":null}",
                                  {0}};
    const struct CMUnitTest tests[] = {
        {"test_upgrade_public_schema", test_upgrade, load, unload, &app},
        {"test_upgrade_own_schema", test_upgrade, load, unload, &custom},
        {"test_upgrade_to_client_ids_public_schema", test_upgrade_to_client_ids, load, unload,
         &app},
        {"test_upgrade_to_client_ids_own_schema", test_upgrade_to_client_ids, load, unload,
         &custom},
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

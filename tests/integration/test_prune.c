/*
 * Pruning the change log (syncspec_sync_prune_changes) on the real PostgreSQL 15 that
 * tests/run.sh starts, a fresh database per test: a store that synced before entries were
 * pruned, which the sequencer had not read, still ends with exactly PostgreSQL's rows (a
 * hard delete it never saw included), and so does one whose changes the prune kept; the
 * count and the horizon are right (old entries only, the horizon never lowered), the
 * interval is a parameter, and postgres_sync.sql upgrades a database made before pruning
 * in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sync/fixture.h"

static sync_sql g;

#define D(n) "00000000-0000-4000-8000-0000000000" n  /* a document */
#define G(n) "22222222-0000-4000-8000-0000000000" n  /* a group */
#define DG(n) "33333333-0000-4000-8000-0000000000" n /* a document's membership of a group */
#define P1 "11111111-0000-4000-8000-000000000001"

typedef sync_env env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    *state = e;
    if (sync_env_open(e, &g) != 0) fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    return 0;
}

static int teardown(void **state) {
    sync_env_close(*state);
    free(*state);
    return 0;
}

static syncspec_store *open_store(env *e, const char *name, const char *user) {
    syncspec_store *s = sync_env_store(e, &g, name, user);
    if (!s) fail_msg("cannot open store %s", name);
    return s;
}

static void sql(env *e, const char *text) {
    if (!pg_ok(e->pg.conn, text)) fail_msg("SQL failed: %s", text);
}

/* One round of syncspec_store_sync for `user`, which applies the server's checkpoint. */
static void sync_store(env *e, syncspec_store *s, const char *user) {
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = user};
    syncspec_transport tr = fake_transport_of(&t);
    syncspec_sync_result r;
    syncspec_error err = {0};
    if (syncspec_store_sync(s, &tr, 0, &r, &err) != 0) fail_msg("sync: %s", err.message);
    assert_true(r.applied);
}

static long store_count(syncspec_store *s, const char *query) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), query, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static int64_t prune(env *e, const char *older_than) {
    int64_t n = -1;
    syncspec_error err = {0};
    if (syncspec_sync_prune_changes(e->server, e->api, older_than, &n, &err))
        fail_msg("prune: %s", err.message);
    return n;
}

static void bputs(syncspec_buffer *b, const char *s) { syncspec_buffer_append(b, s, strlen(s)); }

/* One table's rows as "table|value|value...\n" lines in id order, "<null>" for NULL. */
static void store_table(syncspec_buffer *b, syncspec_store *s, const syncspec_table *t) {
    syncspec_buffer q = {0};
    bputs(&q, "SELECT ");
    for (size_t i = 0; i < t->column_count; i++) {
        bputs(&q, i ? ", \"" : "\"");
        bputs(&q, t->columns[i].name);
        bputs(&q, "\"");
    }
    bputs(&q, " FROM \"");
    bputs(&q, t->name);
    bputs(&q, "\" ORDER BY \"id\"");
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), q.data, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        bputs(b, t->name);
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            bputs(b, "|");
            const unsigned char *v = sqlite3_column_text(st, c);
            bputs(b, v ? (const char *)v : "<null>");
        }
        bputs(b, "\n");
    }
    sqlite3_finalize(st);
    syncspec_buffer_free(&q);
}

/* Every synced row of a store, as one text. */
static char *store_rows(syncspec_store *s) {
    syncspec_buffer b = {0};
    bputs(&b, "");
    for (size_t i = 0; i < g.schema->table_count; i++)
        if (!g.schema->tables[i].local_only) store_table(&b, s, &g.schema->tables[i]);
    return b.data;
}

/* A column as a client stores it: booleans 0/1, timestamps as ISO 8601 UTC text. */
static void pg_column(syncspec_buffer *q, const syncspec_column *c) {
    char col[160];
    snprintf(col, sizeof col, "\"%s\"", c->name);
    char expr[512];
    if (c->type == SYNCSPEC_TYPE_BOOLEAN)
        snprintf(expr, sizeof expr, "CASE WHEN %s THEN '1' ELSE '0' END", col);
    else if (c->type == SYNCSPEC_TYPE_TIMESTAMP)
        snprintf(expr, sizeof expr,
                 "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", col);
    else
        snprintf(expr, sizeof expr, "%s::text", col);
    char part[700];
    snprintf(part, sizeof part, " || '|' || coalesce(%s, '<null>')", expr);
    bputs(q, part);
}

/* The same text for one user's rows in PostgreSQL. */
static char *pg_rows(env *e, const char *user) {
    syncspec_buffer b = {0};
    bputs(&b, "");
    for (size_t i = 0; i < g.schema->table_count; i++) {
        const syncspec_table *t = &g.schema->tables[i];
        if (t->local_only) continue;
        syncspec_buffer q = {0};
        bputs(&q, "SELECT '");
        bputs(&q, t->name);
        bputs(&q, "'");
        for (size_t k = 0; k < t->column_count; k++) pg_column(&q, &t->columns[k]);
        bputs(&q, " || chr(10) FROM \"");
        bputs(&q, t->name);
        bputs(&q, "\" WHERE \"owner_id\" = $1 ORDER BY \"id\" COLLATE \"C\"");
        const char *values[1] = {user};
        PGresult *r = PQexecParams(e->pg.conn, q.data, 1, NULL, values, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s", PQresultErrorMessage(r));
        for (int row = 0; row < PQntuples(r); row++) bputs(&b, PQgetvalue(r, row, 0));
        PQclear(r);
        syncspec_buffer_free(&q);
    }
    return b.data;
}

static void assert_same_rows(env *e, syncspec_store *s, const char *user) {
    char *local = store_rows(s), *server = pg_rows(e, user);
    if (strcmp(local, server) != 0)
        fail_msg("the store differs from PostgreSQL\n--- store\n%s--- PostgreSQL\n%s", local,
                 server);
    free(local);
    free(server);
}

static void assert_value(env *e, const char *expected, const char *query) {
    char *v = pg_value(e->pg.conn, "%s", query);
    assert_non_null(v);
    if (strcmp(v, expected) != 0) fail_msg("%s\n  got      %s\n  expected %s", query, v, expected);
    free(v);
}

#define TS "'2025-01-01T00:00:00.000Z'"

/* A project, three documents, two groups and memberships for alice; a document for bob. */
static void seed(env *e) {
    sql(e, "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES "
           "('" P1 "', 'P', 'alice', " TS ", " TS ")");
    sql(e,
        "INSERT INTO documents (id, title, content, project_id, device_id, owner_id, "
        "created_at, updated_at) VALUES "
        "('" D("01") "', 'one', 'c1', '" P1 "', 'psql', 'alice', " TS ", " TS "), "
                     "('" D("02") "', 'two', 'c2', NULL, 'psql', 'alice', " TS ", " TS "), "
                                  "('" D("03") "', NULL, 'c3', NULL, 'psql', 'alice', " TS ", " TS
                                               "), "
                                               "('" D(
                                                   "09") "', 'bobs', 'c9', NULL, 'psql', 'bob', " TS
                                                         ", " TS ")");
    sql(e, "INSERT INTO groups (id, name, owner_id, created_at, updated_at) VALUES "
           "('" G("01") "', 'g1', 'alice', " TS ", " TS "), "
                        "('" G("02") "', 'g2', 'alice', " TS ", " TS ")");
    sql(e, "INSERT INTO document_groups (id, document_id, group_id, owner_id, created_at, "
           "updated_at) VALUES "
           "('" DG("01") "', '" D("01") "', '" G(
               "01") "', 'alice', " TS ", " TS "), "
                     "('" DG("02") "', '" D("02") "', '" G(
                         "01") "', 'alice', " TS ", " TS "), "
                               "('" DG("03") "', '" D("01") "', '" G("02") "', 'alice', " TS ", " TS
                                                                           ")");
}

/* Changes a client with an earlier checkpoint must receive; some of them only as entries. */
static void change(env *e) {
    sql(e, "DELETE FROM document_groups WHERE id = '" DG("01") "'"); /* hard: no row left */
    sql(e, "UPDATE documents SET title = 'renamed', updated_at = now() WHERE id = '" D("03") "'");
    sql(e, "UPDATE documents SET deleted_at = now() WHERE id = '" D("02") "'");
    sql(e, "UPDATE document_groups SET group_id = '" G("02") "' WHERE id = '" DG("02") "'");
    sql(e, "UPDATE groups SET owner_id = 'bob' WHERE id = '" G("01") "'"); /* gone for alice */
    sql(e, "INSERT INTO documents (id, content, device_id, owner_id, created_at, updated_at) "
           "VALUES ('" D("04") "', 'c4', 'psql', 'alice', now(), now())");
}

static void age_all(env *e) {
    sql(e, "UPDATE syncspec_changes SET written_at = now() - interval '30 days'");
}

/* ---- clients ---- */

/* A store that synced before entries the sequencer had not read were pruned: the
 * sequencer reads every row instead, and the store ends with PostgreSQL's rows, the
 * hard-deleted membership gone; local-only rows stay. */
static void test_stale_client_converges(void **state) {
    env *e = *state;
    syncspec_store *a = open_store(e, "a", "alice");
    seed(e);
    sync_store(e, a, "alice");
    assert_same_rows(e, a, "alice");
    assert_int_equal(store_count(a, "SELECT count(*) FROM documents"), 3);
    assert_int_equal(sqlite3_exec(syncspec_store_db(a),
                                  "INSERT INTO preferences (id, key, value, created_at, "
                                  "updated_at) VALUES ('p1', 'theme', '\"dark\"', " TS ", " TS ")",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    change(e);
    long entries = pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes");
    age_all(e);
    assert_int_equal(prune(e, "7 days"), entries);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), 0);
    /* Without the horizon the sequencer would see nothing, and the deletion be lost. */
    sync_store(e, a, "alice");
    assert_same_rows(e, a, "alice");
    assert_int_equal(
        store_count(a, "SELECT count(*) FROM document_groups WHERE id = '" DG("01") "'"), 0);
    assert_int_equal(store_count(a, "SELECT count(*) FROM preferences"), 1);
    /* Incremental again: one change, one op. */
    long ops = pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_ops");
    sql(e, "UPDATE documents SET content = 'after' WHERE id = '" D("01") "'");
    sync_store(e, a, "alice");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_ops"), ops + 1);
    assert_same_rows(e, a, "alice");
    /* Bob, who never synced, is unaffected. */
    syncspec_store *b = open_store(e, "b", "bob");
    sync_store(e, b, "bob");
    assert_same_rows(e, b, "bob");
    syncspec_store_free(a);
    syncspec_store_free(b);
}

/* Entries the sequencer had read, pruned, change nothing for a store; those the prune kept
 * (newer than the cut-off) still reach it. */
static void test_read_entries_pruned(void **state) {
    env *e = *state;
    syncspec_store *a = open_store(e, "a", "alice");
    seed(e);
    sync_store(e, a, "alice");
    long seeded = pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes");
    long last = pg_long(e->pg.conn, "SELECT max(version) FROM syncspec_changes");
    change(e); /* after the sync, and kept: written now */
    char age_seed[160];
    snprintf(age_seed, sizeof age_seed,
             "UPDATE syncspec_changes SET written_at = now() - interval '30 days' "
             "WHERE version <= %ld",
             last);
    sql(e, age_seed);
    assert_int_equal(prune(e, "7 days"), seeded);
    assert_int_equal(pg_long(e->pg.conn, "SELECT min(version) FROM syncspec_changes"), last + 1);
    sync_store(e, a, "alice");
    assert_same_rows(e, a, "alice");
    /* And once all of that is pruned too, the next change still arrives. */
    age_all(e);
    assert_true(prune(e, "7 days") > 0);
    sql(e, "UPDATE projects SET name = 'Q' WHERE id = '" P1 "'");
    sync_store(e, a, "alice");
    assert_same_rows(e, a, "alice");
    syncspec_store_free(a);
}

/* ---- the prune itself ---- */

/* The xid of the transaction that wrote a row's entries. */
static char *xid_of(env *e, const char *row_id) {
    char *v = pg_value(e->pg.conn,
                       "SELECT max(xid::text::bigint)::text FROM syncspec_changes "
                       "WHERE row_id = '%s'",
                       row_id);
    assert_non_null(v);
    return v;
}

static void assert_horizon(env *e, const char *expected) {
    assert_value(e, expected,
                 "SELECT coalesce(pruned_xid::text, 'null') FROM syncspec_feed_horizon");
}

/* Only old entries go, the count is theirs, and the horizon only ever rises. */
static void test_prune_count_and_horizon(void **state) {
    env *e = *state;
    assert_horizon(e, "null");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_feed_horizon"), 1);
    /* Three transactions, in this xid order: 3 entries, 2 entries, 1 entry. */
    sql(e, "INSERT INTO groups (id, name, owner_id, created_at, updated_at) VALUES "
           "('" G("01") "', 'a', 'alice', now(), now()), ('" G(
               "02") "', 'b', 'alice', now(), "
                     "now()), ('" G("03") "', 'c', 'bob', now(), now())");
    sql(e,
        "INSERT INTO groups (id, name, owner_id, created_at, updated_at) VALUES "
        "('" G("04") "', 'd', 'alice', now(), now()), ('" G("05") "', 'e', 'bob', now(), now())");
    sql(e, "INSERT INTO groups (id, name, owner_id, created_at, updated_at) VALUES "
           "('" G("06") "', 'f', 'alice', now(), now())");
    char *first = xid_of(e, G("01")), *second = xid_of(e, G("04")), *third = xid_of(e, G("06"));
    assert_true(atoll(first) < atoll(second) && atoll(second) < atoll(third));
    assert_int_equal(prune(e, "7 days"), 0); /* nothing old yet */
    assert_horizon(e, "null");
    /* The first and third old, the second a day old: 4 entries go, the horizon is the third. */
    sql(e, "UPDATE syncspec_changes SET written_at = now() - CASE WHEN row_id IN ('" G(
               "04") "', '" G("05") "') THEN interval '1 day' ELSE interval '30 days' END");
    assert_int_equal(prune(e, "7 days"), 4);
    assert_value(e, "04 05",
                 "SELECT string_agg(right(row_id, 2), ' ' ORDER BY row_id) FROM syncspec_changes");
    assert_horizon(e, third);
    assert_int_equal(prune(e, "7 days"), 0);
    assert_horizon(e, third);
    /* The second, pruned later, has a lower xid: the horizon stays where it is. */
    assert_int_equal(prune(e, "12 hours"), 2);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), 0);
    assert_horizon(e, third);
    /* A later transaction, pruned, raises it. */
    sql(e, "UPDATE groups SET name = 'g' WHERE id = '" G("06") "'");
    char *fourth = xid_of(e, G("06"));
    sql(e, "UPDATE syncspec_changes SET written_at = now() - interval '1 hour'");
    assert_int_equal(prune(e, "30 minutes"), 1);
    assert_horizon(e, fourth);
    free(first);
    free(second);
    free(third);
    free(fourth);
}

/* older_than is a parameter: text that is not an interval is refused, never run. */
static void test_prune_interval_is_a_parameter(void **state) {
    env *e = *state;
    sql(e, "CREATE TABLE x (id int)");
    sql(e, "INSERT INTO groups (id, name, owner_id, created_at, updated_at) VALUES "
           "('" G("01") "', 'a', 'alice', now(), now())");
    age_all(e);
    /* Text that is no interval, and intervals that would prune the whole log. */
    const char *bad[] = {
        "1 day'; DROP TABLE x; --", "1 day; DROP TABLE x", "", "forever", NULL, "-1 day", "0"};
    for (int i = 0; i < 7; i++) {
        int64_t n = -1;
        syncspec_error err = {0};
        int rc = syncspec_sync_prune_changes(e->server, e->api, bad[i], &n, &err);
        if (rc != SYNCSPEC_EINVALID)
            fail_msg("prune \"%s\": %d, expected SYNCSPEC_EINVALID", bad[i] ? bad[i] : "(null)",
                     rc);
        assert_int_equal(n, 0);
        assert_non_null(strstr(err.message, "prune"));
    }
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM x"), 0); /* still there */
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), 1);
    assert_horizon(e, "null");
    /* The connection is still usable, and a valid interval prunes. */
    assert_int_equal(prune(e, "1 day"), 1);
}

/* ---- upgrading a database made before pruning ---- */

typedef struct upgrade_case {
    const char *spec;
    const char *schema;
    const char *insert; /* two rows of a synced table, through its triggers */
    sync_sql g;
} upgrade_case;

/* The change log as postgres_sync.sql created it before pruning (no "written_at", no
 * horizon). The triggers name the table at run time, so they write to this one. */
static const char old_log[] =
    "DROP TABLE \"%s\".\"syncspec_changes\", \"%s\".\"syncspec_feed_horizon\";\n"
    "CREATE TABLE IF NOT EXISTS \"%s\".\"syncspec_changes\" (\n"
    "  \"version\" bigserial PRIMARY KEY,\n"
    "  \"xid\" xid8 NOT NULL DEFAULT pg_current_xact_id(),\n"
    "  \"table_name\" text NOT NULL,\n"
    "  \"row_id\" text NOT NULL,\n"
    "  \"owner_id\" text NOT NULL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS \"idx_syncspec_changes_owner_id_xid\"\n"
    "  ON \"%s\".\"syncspec_changes\" (\"owner_id\", \"xid\");\n";

/* A table's columns (by name), constraints and indexes, as one line. */
static char *shape(PGconn *c, const char *schema, const char *table) {
    char *v = pg_value(
        c,
        "SELECT (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || CASE "
        "WHEN attnotnull THEN ' not null' ELSE '' END || coalesce(' default ' || "
        "pg_get_expr(adbin, adrelid), ''), ', ' ORDER BY attname) FROM pg_attribute LEFT JOIN "
        "pg_attrdef ON adrelid = attrelid AND adnum = attnum WHERE attrelid = r AND attnum > 0 "
        "AND NOT attisdropped) || ' | ' || (SELECT coalesce(string_agg(conname || ' ' || "
        "pg_get_constraintdef(oid), ', ' ORDER BY conname), '') FROM pg_constraint WHERE "
        "conrelid = r) || ' | ' || (SELECT coalesce(string_agg(indexrelid::regclass::text, ', ' "
        "ORDER BY 1), '') FROM pg_index WHERE indrelid = r) FROM (SELECT "
        "'\"%s\".\"%s\"'::regclass AS r) AS t",
        schema, table);
    assert_non_null(v);
    return v;
}

/* What a rewrite would change: the files of the log, the horizon and their indexes. */
static char *files(PGconn *c, const char *schema) {
    char *v = pg_value(c,
                       "SELECT string_agg(relname || '=' || relfilenode, ' ' ORDER BY relname) "
                       "FROM pg_class WHERE relnamespace = '\"%s\"'::regnamespace AND "
                       "relname ~ 'syncspec_(changes|feed_horizon)'",
                       schema);
    assert_non_null(v);
    return v;
}

/* Every entry and the horizon, as text. */
static char *contents(PGconn *c, const char *schema) {
    char *v = pg_value(c,
                       "SELECT (SELECT string_agg(concat_ws(' ', version, xid, table_name, "
                       "row_id, owner_id, written_at), ', ' ORDER BY version) FROM "
                       "\"%s\".syncspec_changes) || ' | ' || (SELECT string_agg(concat_ws(' ', "
                       "one, coalesce(pruned_xid::text, 'null')), ', ') FROM "
                       "\"%s\".syncspec_feed_horizon)",
                       schema, schema);
    assert_non_null(v);
    return v;
}

static void assert_same(char *got, char *expected, const char *what) {
    if (strcmp(got, expected) != 0)
        fail_msg("%s\n  got      %s\n  expected %s", what, got, expected);
    free(got);
    free(expected);
}

static void test_upgrade(void **state) {
    upgrade_case *c = *state;
    const char *s = c->schema;
    pg_fixture fresh, pg;
    if (pg_fresh(&fresh, &c->g) != 0 || pg_fresh(&pg, &c->g) != 0)
        fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    char *log_shape = shape(fresh.conn, s, "syncspec_changes");
    char *horizon_shape = shape(fresh.conn, s, "syncspec_feed_horizon");
    pg_drop(&fresh);

    char old[2048];
    snprintf(old, sizeof old, old_log, s, s, s, s);
    assert_true(pg_ok(pg.conn, old));
    assert_true(pg_ok(pg.conn, c->insert));
    char *before = pg_value(pg.conn,
                            "SELECT string_agg(concat_ws(' ', version, xid, table_name, row_id, "
                            "owner_id), ', ' ORDER BY version) FROM \"%s\".syncspec_changes",
                            s);
    assert_non_null(before);
    assert_non_null(strstr(before, " alice"));
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));

    /* The new column and table, as a fresh database has them; the old entries kept, as
     * written at the upgrade. */
    assert_same(shape(pg.conn, s, "syncspec_changes"), log_shape, "syncspec_changes");
    assert_same(shape(pg.conn, s, "syncspec_feed_horizon"), horizon_shape, "syncspec_feed_horizon");
    assert_same(pg_value(pg.conn,
                         "SELECT string_agg(concat_ws(' ', version, xid, table_name, row_id, "
                         "owner_id), ', ' ORDER BY version) FROM \"%s\".syncspec_changes WHERE "
                         "written_at > now() - interval '1 hour'",
                         s),
                before, "old entries");
    char *horizon = pg_value(pg.conn,
                             "SELECT string_agg(coalesce(pruned_xid::text, 'null'), ',') FROM "
                             "\"%s\".syncspec_feed_horizon",
                             s);
    assert_string_equal(horizon, "null");
    free(horizon);

    /* Pruning works there; another run changes nothing, the horizon included. */
    syncspec_server *server = NULL;
    syncspec_error err;
    assert_int_equal(syncspec_server_new(&server, c->g.schema, &err), 0);
    int64_t n = -1;
    assert_int_equal(syncspec_sync_prune_changes(server, pg.conn, "1 day", &n, &err), 0);
    assert_int_equal(n, 0); /* written at the upgrade, as far as pruning knows */
    char sql_text[256];
    snprintf(sql_text, sizeof sql_text,
             "UPDATE \"%s\".syncspec_changes SET written_at = now() - interval '2 days' WHERE "
             "owner_id = 'bob'",
             s);
    assert_true(pg_ok(pg.conn, sql_text));
    assert_int_equal(syncspec_sync_prune_changes(server, pg.conn, "1 day", &n, &err), 0);
    assert_int_equal(n, 1);
    char *kept = files(pg.conn, s), *rows = contents(pg.conn, s);
    assert_null(strstr(rows, "| t null")); /* the horizon was raised */
    log_shape = shape(pg.conn, s, "syncspec_changes");
    horizon_shape = shape(pg.conn, s, "syncspec_feed_horizon");
    assert_true(pg_ok(pg.conn, c->g.postgres_sync_sql));
    assert_same(files(pg.conn, s), kept, "relfilenodes");
    assert_same(contents(pg.conn, s), rows, "entries and horizon");
    assert_same(shape(pg.conn, s, "syncspec_changes"), log_shape, "syncspec_changes");
    assert_same(shape(pg.conn, s, "syncspec_feed_horizon"), horizon_shape, "syncspec_feed_horizon");
    syncspec_server_free(server);
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
    if (fixture_load(&g, "schemas/app.yaml") != 0) {
        fprintf(stderr, "cannot load schemas/app.yaml (run from the repository root)\n");
        return 1;
    }
    static upgrade_case app = {
        "schemas/app.yaml",
        "public",
        "INSERT INTO \"public\".\"projects\" (id, name, owner_id, created_at, updated_at) VALUES "
        "('" D("01") "', 'a', 'alice', now(), now()), ('" D("02") "', 'b', 'bob', now(), now())",
        {0}};
    static upgrade_case custom = {
        "tests/golden/custom/spec.yaml",
        "sync_data",
        "INSERT INTO \"sync_data\".\"notes\" (id, body, rank, account_id) VALUES "
        "('" D("01") "', 'a', 1, 'alice'), ('" D("02") "', 'b', 2, 'bob')",
        {0}};
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stale_client_converges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_entries_pruned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_count_and_horizon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_interval_is_a_parameter, setup, teardown),
        {"test_upgrade_public_schema", test_upgrade, load, unload, &app},
        {"test_upgrade_own_schema", test_upgrade, load, unload, &custom},
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&g);
    return failed;
}

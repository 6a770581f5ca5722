/*
 * Server upload apply in depth, on the edge-case spec (keyword names, every type, an
 * insert-only table, text ids) and a fresh database of the real PostgreSQL 15 that
 * tests/run.sh starts, per test: PUTs batched into one statement per run, values of every
 * type and awkward text through the parameter arrays, op order kept around batches, errors
 * naming the op that caused them, and bodies refused whole before anything applies.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "sync/fixture.h"

static sync_sql g;

typedef struct env {
    pg_fixture pg;
    syncspec_server *server;
    PGconn *api;
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    *state = e;
    if (pg_fresh(&e->pg, &g) != 0) fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    e->api = pg_connect_db(e->pg.dbname);
    assert_non_null(e->api);
    syncspec_error err;
    assert_int_equal(syncspec_server_new(&e->server, g.schema, &err), 0);
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    syncspec_server_free(e->server);
    PQfinish(e->api);
    pg_drop(&e->pg);
    free(e);
    return 0;
}

/* Uploads `body` as `user`; returns the parsed response (its "transactions" list). */
static json_t *upload(env *e, const char *user, const char *body) {
    char *response = NULL;
    syncspec_error err;
    int rc = syncspec_server_upload(e->server, &response, e->api, user, body, &err);
    if (rc != 0) fail_msg("upload failed: %s", err.message);
    json_t *root = json_loads(response, 0, NULL);
    free(response);
    assert_non_null(root);
    json_t *list = json_incref(json_object_get(root, "transactions"));
    json_decref(root);
    return list;
}

static const char *status(const json_t *results, size_t k) {
    return json_string_value(json_object_get(json_array_get(results, k), "status"));
}

/* Error 0 of transaction k: its "op" (-1 for null) and "code". */
static void first_error(const json_t *results, size_t k, json_int_t *op, const char **code) {
    const json_t *error = json_array_get(json_object_get(json_array_get(results, k), "errors"), 0);
    assert_non_null(error);
    const json_t *o = json_object_get(error, "op");
    *op = json_is_integer(o) ? json_integer_value(o) : -1;
    *code = json_string_value(json_object_get(error, "code"));
}

/* Transaction k was rejected, its first error at `op` (-1: the whole transaction). */
static void assert_rejected(const json_t *results, size_t k, json_int_t op, const char *code) {
    json_int_t at;
    const char *got;
    assert_string_equal(status(results, k), "rejected");
    first_error(results, k, &at, &got);
    assert_int_equal(at, op);
    assert_string_equal(got, code);
}

static char *pg_text(env *e, const char *fmt, const char *id) {
    char *v = pg_value(e->pg.conn, fmt, id);
    assert_non_null(v);
    return v;
}

static void assert_pg(env *e, const char *expected, const char *fmt, const char *id) {
    char *v = pg_text(e, fmt, id);
    if (strcmp(v, expected) != 0) fail_msg("%s\n  got      %s\n  expected %s", fmt, v, expected);
    free(v);
}

/* What a row of "order" holds, nulls spelled out, reals as text, timestamps in UTC. */
#define ORDER_ROW                                                                                  \
    "SELECT concat_ws('|', coalesce(total::text, '<null>'), "                                      \
    "to_char(placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS'), "                      \
    "coalesce(meta::text, '<null>'), coalesce(code, '<null>'), coalesce(note, '<null>'), "         \
    "coalesce(parent, '<null>'), coalesce(priority::text, '<null>'), "                             \
    "coalesce(ratio::text, '<null>'), coalesce(path, '<null>'), user_id) FROM \"order\" "          \
    "WHERE id = '%s'"

static void test_every_type(void **state) {
    env *e = *state;
    /* Ops 0 and 1 share a shape and a statement; op 2 leaves out what has defaults. */
    json_t *r = upload(
        e, "alice",
        "{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":["
        "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-1\",\"data\":{\"total\":-1.5,"
        "\"placed_at\":\"2025-09-22T14:29:30.123Z\",\"meta\":{\"k\":\"v\\\"w\\\\\",\"n\":[1,null],"
        "\"u\":\"\\u00e9\"},\"code\":\"ABC-12\",\"note\":\"a\\\"b\\\\c\",\"parent\":"
        "\"p{1},\\\"x\\\"\",\"priority\":3,\"ratio\":2.25,\"path\":\"NULL\"}},"
        "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-2\",\"data\":{\"total\":null,"
        "\"placed_at\":\"1999-12-31T23:59:59.999Z\",\"meta\":null,\"code\":null,\"note\":null,"
        "\"parent\":null,\"priority\":null,\"ratio\":null,\"path\":\"\"}},"
        "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-3\",\"data\":{\"placed_at\":"
        "\"2000-01-01T00:00:00.000Z\"}},"
        "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g-1\",\"data\":{\"order\":7,\"select\":"
        "\"b'c\",\"user\":\"o-1\",\"from\":false,\"archived\":true}}]}]}");
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    assert_pg(e,
              "-1.5|2025-09-22T14:29:30.123|{\"k\": \"v\\\"w\\\\\", \"n\": [1, null], \"u\": "
              "\"\xc3\xa9\"}|ABC-12|a\"b\\c|p{1},\"x\"|3|2.25|NULL|alice",
              ORDER_ROW, "o-1");
    assert_pg(e, "<null>|1999-12-31T23:59:59.999|<null>|<null>|<null>|<null>|<null>|<null>||alice",
              ORDER_ROW, "o-2");
    assert_pg(
        e,
        "0.25|2000-01-01T00:00:00.000|{\"a\": null, \"b\": [1, 2]}|<null>|h\xc3\xa9llo|none|2|"
        "<null>|C:\\dir\\it's|alice",
        ORDER_ROW, "o-3");
    assert_pg(e, "7|b'c|o-1|f|t|alice|t",
              "SELECT concat_ws('|', \"order\", \"select\", \"user\", \"from\", archived, user_id, "
              "created_at IS NOT NULL AND deleted_at IS NULL) FROM \"group\" WHERE id = '%s'",
              "g-1");
    /* One change-log entry a row, from one statement a table. */
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), 4);
}

static void test_order_around_batches(void **state) {
    env *e = *state;
    json_t *r =
        upload(e, "alice",
               "{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g1\",\"data\":{\"order\":1}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g2\",\"data\":{\"order\":2}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g1\",\"data\":{\"order\":3}},"
               "{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"g2\",\"data\":{\"order\":4}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g3\",\"data\":{\"order\":5}},"
               "{\"op\":\"DELETE\",\"table\":\"group\",\"id\":\"g3\"},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g4\",\"data\":{}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g3\",\"data\":{\"order\":6}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g5\",\"data\":{\"order\":7}},"
               "{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"g5\",\"data\":{\"order\":8}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g6\",\"data\":{\"order\":9}},"
               "{\"op\":\"DELETE\",\"table\":\"group\",\"id\":\"g6\"}]}]}");
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    const char *row = "SELECT concat_ws('|', \"order\", deleted_at IS NOT NULL) FROM \"group\" "
                      "WHERE id = '%s' AND user_id = 'alice'";
    assert_pg(e, "3|f", row, "g1"); /* the later PUT of the same id wins */
    assert_pg(e, "4|f", row, "g2"); /* the PATCH comes after the PUT before it */
    assert_pg(e, "6|f", row, "g3"); /* a PUT after the soft delete replaces the whole row */
    assert_pg(e, "0|f", row, "g4"); /* defaults for what a PUT leaves out */
    assert_pg(e, "8|f", row, "g5"); /* a PATCH of a row its batch has not sent yet */
    assert_pg(e, "9|t", row, "g6"); /* a DELETE likewise */
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\""), 6);
}

/* A PUT batch larger than one statement takes, in one client transaction. */
static void test_large_transaction(void **state) {
    env *e = *state;
    syncspec_buffer b = {0};
    char op[160];
    const char *head = "{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[";
    syncspec_buffer_append(&b, head, strlen(head));
    for (int i = 0; i < 1234; i++) {
        int n = snprintf(op, sizeof op,
                         "%s{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g%d\",\"data\":"
                         "{\"order\":%d,\"select\":\"a\"}}",
                         i ? "," : "", i, i);
        syncspec_buffer_append(&b, op, (size_t)n);
    }
    syncspec_buffer_append(&b, "]}]}", 4);
    json_t *r = upload(e, "alice", b.data);
    syncspec_buffer_free(&b);
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE \"order\" = "
                                         "substr(id, 2)::bigint AND user_id = 'alice'"),
                     1234);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), 1234);
}

static void test_errors_name_the_op(void **state) {
    env *e = *state;
    json_int_t op;
    const char *code;
    json_t *r = upload(e, "bob",
                       "{\"transactions\":[{\"op_id\":\"b:1\",\"ops\":["
                       "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"gb\",\"data\":{}},"
                       "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"ob\",\"data\":{}}]}]}");
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    /* Another user's row in the middle of a batch: forbidden, at its op, nothing applied. */
    r = upload(e, "alice",
               "{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"ga1\",\"data\":{\"order\":1}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"ga2\",\"data\":{\"order\":2}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"gb\",\"data\":{\"order\":3}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"ga3\",\"data\":{\"order\":4}}]},"
               /* A database constraint (unique user + order) at op 2. */
               "{\"op_id\":\"a:2\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"u1\",\"data\":{\"user\":\"x\","
               "\"order\":5}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"u2\",\"data\":{\"user\":\"y\","
               "\"order\":5}},"
               "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"u3\",\"data\":{\"user\":\"x\","
               "\"order\":5}}]},"
               /* Insert-only: another user's row is forbidden, the user's own is left be. */
               "{\"op_id\":\"a:3\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"oa\",\"data\":{}},"
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"ob\",\"data\":{}}]},"
               "{\"op_id\":\"a:4\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"oa\",\"data\":{\"total\":1}}]},"
               "{\"op_id\":\"a:5\",\"ops\":["
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"oa\",\"data\":{\"total\":2}},"
               "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"oa2\",\"data\":{\"total\":3}}]}]}");
    assert_string_equal(status(r, 0), "rejected");
    first_error(r, 0, &op, &code);
    assert_int_equal(op, 2);
    assert_string_equal(code, "forbidden");
    assert_string_equal(status(r, 1), "rejected");
    first_error(r, 1, &op, &code);
    assert_int_equal(op, 2);
    assert_string_equal(code, "constraint");
    assert_string_equal(status(r, 2), "rejected");
    first_error(r, 2, &op, &code);
    assert_int_equal(op, 1);
    assert_string_equal(code, "forbidden");
    assert_string_equal(status(r, 3), "applied");
    assert_string_equal(status(r, 4), "applied");
    json_decref(r);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE user_id = 'alice'"),
                     0);
    assert_pg(e, "1|alice", "SELECT concat_ws('|', total, user_id) FROM \"order\" WHERE id = '%s'",
              "oa"); /* insert-only: the first write stays */
    assert_pg(e, "3", "SELECT total::text FROM \"order\" WHERE id = '%s'", "oa2");
    assert_pg(e, "bob", "SELECT user_id FROM \"group\" WHERE id = '%s'", "gb");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "user_id = 'alice'"),
                     3);
}

/* A unique key holds per owner: another user's row with the same key, written first,
 * neither blocks this user's row nor takes its place; within one user it still holds. */
static void test_unique_keys_per_owner(void **state) {
    env *e = *state;
    const char *put = "{\"transactions\":[{\"op_id\":\"%s\",\"ops\":[{\"op\":\"PUT\","
                      "\"table\":\"group\",\"id\":\"%s\",\"data\":{\"user\":\"x\","
                      "\"order\":5}}]}]}";
    const char *ids[][3] = {{"bob", "b:1", "gb"}, {"alice", "a:1", "ga"}, {"alice", "a:2", "ga2"}};
    const char *want[] = {"applied", "applied", "rejected"};
    for (size_t k = 0; k < 3; k++) {
        char body[256];
        snprintf(body, sizeof body, put, ids[k][1], ids[k][2]);
        json_t *r = upload(e, ids[k][0], body);
        assert_string_equal(status(r, 0), want[k]);
        if (k == 2) {
            json_int_t op;
            const char *code;
            first_error(r, 0, &op, &code);
            assert_string_equal(code, "constraint");
        }
        json_decref(r);
    }
    assert_pg(e, "alice", "SELECT user_id FROM \"group\" WHERE id = '%s'", "ga");
    assert_pg(e, "bob", "SELECT user_id FROM \"group\" WHERE id = '%s'", "gb");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\""), 2);
}

/* A PATCH with no column to change still reaches only the user's rows: on another user's
 * row it is forbidden, on the user's own row or an id no row has it changes nothing. */
static void test_empty_patch(void **state) {
    env *e = *state;
    json_t *r = upload(e, "bob",
                       "{\"transactions\":[{\"op_id\":\"b:1\",\"ops\":["
                       "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"gb\",\"data\":{}}]}]}");
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    r = upload(
        e, "alice",
        "{\"transactions\":["
        "{\"op_id\":\"a:1\",\"ops\":[{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"gb\","
        "\"data\":{}}]},"
        "{\"op_id\":\"a:2\",\"ops\":[{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"gb\","
        "\"data\":{\"user_id\":\"alice\"}}]},"
        "{\"op_id\":\"a:3\",\"ops\":[{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"nowhere\","
        "\"data\":{}}]},"
        "{\"op_id\":\"a:4\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"ga\","
        "\"data\":{}},{\"op\":\"PATCH\",\"table\":\"group\",\"id\":\"ga\",\"data\":{}}]}]}");
    for (size_t k = 0; k < 2; k++) assert_rejected(r, k, 0, "forbidden");
    assert_string_equal(status(r, 2), "applied");
    assert_string_equal(status(r, 3), "applied");
    json_decref(r);
    assert_pg(e, "bob", "SELECT user_id FROM \"group\" WHERE id = '%s'", "gb");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\""), 2);
}

/* A key given twice in a transaction ("ops", "op_id") refuses it whole, as one in an op
 * refuses the op: which value was meant cannot be known. */
static void test_repeated_transaction_keys(void **state) {
    env *e = *state;
    json_t *r = upload(e, "alice",
                       "{\"transactions\":["
                       "{\"op_id\":\"a:1\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":"
                       "\"g1\",\"data\":{}}],"
                       "\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g2\",\"data\":{}}]},"
                       "{\"op_id\":\"a:2\",\"op_id\":\"a:3\",\"ops\":[]},"
                       "{\"op_id\":\"a:4\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":"
                       "\"g3\",\"data\":{}}]}]}");
    for (size_t k = 0; k < 2; k++) assert_rejected(r, k, -1, "bad-data");
    assert_string_equal(status(r, 2), "applied");
    json_decref(r);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\""), 1);
}

/* Statuses in order when refusals and applies alternate (each transaction is prepared while
 * the one before it runs). */
static void test_mixed_sequence(void **state) {
    env *e = *state;
    json_t *r = upload(e, "bob",
                       "{\"transactions\":[{\"op_id\":\"b:1\",\"ops\":["
                       "{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"gb\",\"data\":{}}]}]}");
    json_decref(r);
    r = upload(e, "alice",
               "{\"client_id\":\"device-a\",\"transactions\":["
               "{\"op_id\":\"a:1\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g1\","
               "\"data\":{\"order\":1}}]},"
               "{\"op_id\":\"a:2\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g2\","
               "\"data\":{\"order\":-1}}]},"
               "{\"op_id\":\"a:3\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g3\","
               "\"data\":{\"order\":3}}]},"
               "{\"op_id\":\"a:4\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g4\","
               "\"data\":{\"order\":4}},{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"gb\","
               "\"data\":{}}]},"
               "{\"op_id\":\"a:1\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g1\","
               "\"data\":{\"order\":1}}]},"
               "{\"op_id\":\"a:5\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\",\"id\":\"g5\","
               "\"data\":{\"order\":5}}]}]}");
    const char *expected[] = {"applied", "rejected", "applied", "rejected", "duplicate", "applied"};
    assert_int_equal(json_array_size(r), 6);
    for (size_t k = 0; k < 6; k++) assert_string_equal(status(r, k), expected[k]);
    json_int_t op;
    const char *code;
    first_error(r, 1, &op, &code);
    assert_int_equal(op, 0);
    assert_string_equal(code, "min"); /* refused by the sanitizer, never sent */
    json_decref(r);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE user_id = 'alice' "
                                         "AND id IN ('g1', 'g3', 'g5')"),
                     3);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE user_id = 'alice'"),
                     3);
}

/* What jansson cannot hold (a number past a double, a key given twice) is an error of its
 * op's column: the transaction is rejected, the ones around it apply. */
static void test_values_jansson_cannot_hold(void **state) {
    env *e = *state;
    json_t *r = upload(e, "alice",
                       "{\"transactions\":[{\"op_id\":\"h:1\",\"ops\":[{\"op\":\"PUT\",\"table\":"
                       "\"order\",\"id\":\"h1\",\"data\":{\"total\":1e400,\"priority\":"
                       "99999999999999999999,\"code\":\"ABC-1\",\"code\":\"ABC-2\"}}]},"
                       "{\"op_id\":\"h:2\",\"ops\":[{\"op\":\"PUT\",\"table\":\"order\",\"id\":"
                       "\"h2\",\"data\":{\"total\":1}}]}]}");
    assert_string_equal(status(r, 0), "rejected");
    assert_string_equal(status(r, 1), "applied");
    json_t *errors = json_object_get(json_array_get(r, 0), "errors");
    char found[256] = "";
    size_t i;
    json_t *item;
    json_array_foreach(errors, i, item) {
        size_t used = strlen(found);
        snprintf(found + used, sizeof found - used, "%s%s:%s", used ? " " : "",
                 json_string_value(json_object_get(item, "column")),
                 json_string_value(json_object_get(item, "code")));
    }
    assert_string_equal(found, "code:duplicate-key total:type priority:type");
    json_decref(r);
    assert_pg(e, "1", "SELECT total::text FROM \"order\" WHERE id = '%s'", "h2");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"order\" WHERE id = 'h1'"), 0);
}

typedef struct racing_upload {
    const char *dbname, *body;
    char *response;
    int rc;
} racing_upload;

/* An upload by bob on its own connection and server, as another API server process. */
static void *upload_in_thread(void *arg) {
    racing_upload *u = arg;
    PGconn *conn = pg_connect_db(u->dbname);
    syncspec_server *server = NULL;
    syncspec_error err;
    u->rc = -1;
    if (conn && syncspec_server_new(&server, g.schema, &err) == 0)
        u->rc = syncspec_server_upload(server, &u->response, conn, "bob", u->body, &err);
    syncspec_server_free(server);
    PQfinish(conn);
    return NULL;
}

/* An insert-only PUT that meets another user's row committed while it waited is forbidden,
 * though that row is not in the statement's snapshot. */
static void test_insert_only_race(void **state) {
    env *e = *state;
    PGconn *alice = pg_connect_db(e->pg.dbname);
    assert_non_null(alice);
    PQclear(PQexec(alice, "BEGIN"));
    PGresult *r = PQexec(alice, "INSERT INTO \"order\" (id, user_id) VALUES ('race', 'alice')");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    racing_upload u = {e->pg.dbname,
                       "{\"transactions\":[{\"op_id\":\"b:1\",\"ops\":[{\"op\":\"PUT\",\"table\":"
                       "\"order\",\"id\":\"race\",\"data\":{\"total\":2}}]}]}",
                       NULL, 0};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, upload_in_thread, &u), 0);
    /* Bob's insert waits for Alice's transaction to end. */
    long waiting = 0;
    for (int i = 0; i < 500 && waiting == 0; i++) {
        waiting = pg_long(e->pg.conn, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                      "current_database() AND wait_event_type = 'Lock'");
        if (waiting == 0) usleep(10000);
    }
    assert_int_equal(waiting, 1);
    PQclear(PQexec(alice, "COMMIT"));
    PQfinish(alice);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(u.rc, 0);
    json_t *root = json_loads(u.response, 0, NULL);
    json_t *list = json_object_get(root, "transactions");
    assert_string_equal(status(list, 0), "rejected");
    json_int_t op;
    const char *code;
    first_error(list, 0, &op, &code);
    assert_string_equal(code, "forbidden");
    json_decref(root);
    free(u.response);
    assert_pg(e, "0.25|alice",
              "SELECT concat_ws('|', total, user_id) FROM \"order\" WHERE id = '%s'", "race");
}

/* A body that is not a well-formed upload is refused whole: nothing of it applies. */
static void test_bad_bodies(void **state) {
    env *e = *state;
    static const struct {
        const char *body, *message;
    } cases[] = {
        {"{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[]},]}", "malformed JSON at byte 42"},
        {"{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[]}]", "malformed JSON at byte 42"},
        {"", "malformed JSON at byte 0"},
        {"[]", "malformed JSON at byte 0"},
        {"{\"ops\":[]}", "no \"transactions\" or \"batch\" list"},
        {"{\"transactions\":{}}", "no \"transactions\" or \"batch\" list"},
        {"{\"transactions\":[],\"batch\":[]}", "both a \"transactions\" and a \"batch\" list"},
        {"{\"client_id\":7,\"transactions\":[]}", "client_id must be a string"},
        {"{\"client_id\":\"a\\u0000b\",\"transactions\":[]}", "client_id must be a string"},
        {"{\"batch\":[{\"op\":\"PUT\",\"type\":\"group\",\"id\":\"g1\",\"tx_id\":1,"
         "\"data\":{}},{\"op\":\"PUT\",\"type\":\"group\",\"id\":\"g2\",\"data\":{}}]}",
         "batch op 1 is not an op with an integer tx_id"},
        {"{\"batch\":[{\"tx_id\":\"1\"}]}", "batch op 0 is not an op with an integer tx_id"},
        {"{\"batch\":[7]}", "batch op 0 is not an op with an integer tx_id"},
        {"{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\","
         "\"id\":\"g1\",\"data\":{}}]},{\"ops\":[]}]}",
         "transaction 1 has no op_id"},
        {"{\"transactions\":[{\"op_id\":\"\",\"ops\":[]}]}", "transaction 0 has no op_id"},
        {"{\"transactions\":[[]]}", "transaction 0 has no op_id"},
        /* A key given twice at the body's top level: which was meant cannot be known. */
        {"{\"transactions\":[],\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[]}]}",
         "a key is given twice (again at byte 34)"},
        {"{\"x\":1,\"\\u0078\":2,\"transactions\":[]}", "a key is given twice"},
        /* jansson refuses a NUL in a key: refused whole, before the first transaction
         * applies, not when the second is parsed. */
        {"{\"transactions\":[{\"op_id\":\"a:1\",\"ops\":[]},{\"op_id\":\"a:2\",\"ops\":[{"
         "\"op\":\"PUT\",\"k\\u0000\":1}]}]}",
         "a NUL character in a key"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *response = NULL;
        syncspec_error err;
        int rc = syncspec_server_upload(e->server, &response, e->api, "alice", cases[c].body, &err);
        assert_int_equal(rc, SYNCSPEC_EINVALID);
        if (!strstr(err.message, cases[c].message))
            fail_msg("case %zu: %s (expected %s)", c, err.message, cases[c].message);
        json_t *root = json_loads(response, 0, NULL);
        assert_non_null(json_object_get(root, "error"));
        assert_int_equal(json_array_size(json_object_get(root, "transactions")), 0);
        json_decref(root);
        free(response);
    }
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\""), 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_applied_ops"), 0);
    /* At most 64 keys at the top level: finding a repeated one stays cheap. */
    char many[1024] = "{";
    for (int k = 0; k < 65; k++) {
        size_t used = strlen(many);
        snprintf(many + used, sizeof many - used, "\"k%d\":0,", k);
    }
    strcat(many, "\"transactions\":[]}");
    char *answer = NULL;
    syncspec_error err;
    assert_int_equal(syncspec_server_upload(e->server, &answer, e->api, "alice", many, &err),
                     SYNCSPEC_EINVALID);
    assert_non_null(strstr(err.message, "more than 64 keys"));
    free(answer);
    /* Unknown top-level keys are ignored; an empty list answers an empty list. */
    json_t *r = upload(e, "alice", "{\"client\":{\"v\":[1]},\"transactions\":[]}");
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
}

/* The SDK's own op shape, CrudEntry.toJSON(): "type" names the table, and op_id, tx_id, old
 * and metadata are no fields of the op. Within "transactions" and as a {"batch": [...]}
 * grouped into transactions by tx_id. */
#define TOJSON(op, id, tx, data)                                                                   \
    "{\"op_id\":" #tx ",\"op\":\"" op "\",\"type\":\"group\",\"id\":\"" id "\",\"tx_id\":" #tx     \
    ",\"old\":{\"order\":0},\"metadata\":\"m\"" data "}"

static void test_sdk_shapes(void **state) {
    env *e = *state;
    json_t *r = upload(e, "alice",
                       "{\"transactions\":[{\"op_id\":\"1\",\"ops\":[" TOJSON(
                           "PUT", "g1", 1, ",\"data\":{\"order\":1}") "]}]}");
    assert_string_equal(status(r, 0), "applied");
    json_decref(r);
    /* Three transactions: tx 2 (two ops), 3, then 2 again (another run, another transaction). */
    r = upload(
        e, "alice",
        "{\"client_id\":\"dev-1\",\"batch\":[" TOJSON("PUT", "g2", 2, ",\"data\":{\"order\":2}") //
        "," TOJSON("PATCH", "g1", 2, ",\"data\":{\"order\":11}")                                 //
        "," TOJSON("DELETE", "g2", 3, "")                                                        //
        "," TOJSON("PUT", "g3", 2, ",\"data\":{\"order\":3}") "]}");
    assert_int_equal(json_array_size(r), 3);
    const char *op_ids[] = {"2", "3", "2"}, *statuses[] = {"applied", "applied", "conflict"};
    for (size_t k = 0; k < 3; k++) {
        assert_string_equal(json_string_value(json_object_get(json_array_get(r, k), "op_id")),
                            op_ids[k]);
        assert_string_equal(status(r, k), statuses[k]);
    }
    json_decref(r);
    const char *row = "SELECT concat_ws('|', \"order\", deleted_at IS NOT NULL, user_id) FROM "
                      "\"group\" WHERE id = '%s'";
    assert_pg(e, "11|f|alice", row, "g1");
    assert_pg(e, "2|t|alice", row, "g2");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g3'"), 0);
    /* The same batch again is a retry of each: nothing applies twice. */
    r = upload(
        e, "alice",
        "{\"client_id\":\"dev-1\",\"batch\":[" TOJSON("PUT", "g2", 2, ",\"data\":{\"order\":2}") //
        "," TOJSON("PATCH", "g1", 2, ",\"data\":{\"order\":11}") "]}");
    assert_string_equal(status(r, 0), "duplicate");
    json_decref(r);
    assert_pg(e, "2|t|alice", row, "g2");
    /* An empty batch answers an empty list; an op of another user's row is refused whole. */
    r = upload(e, "alice", "{\"batch\":[]}");
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    r = upload(e, "bob",
               "{\"batch\":[" TOJSON("PUT", "g4", 1, ",\"data\":{}") "," //
               TOJSON("PATCH", "g1", 1, ",\"data\":{\"order\":99}") "]}");
    assert_string_equal(status(r, 0), "rejected");
    json_decref(r);
    assert_pg(e, "11|f|alice", row, "g1");
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g4'"), 0);
    assert_pg(e, "bob|1|[{\"op_id\":1,",
              "SELECT concat_ws('|', user_id, op_id, left(\"transaction\", "
              "12)) FROM syncspec_rejected_uploads WHERE client_id = '%s'",
              "");
}
#undef TOJSON

/* Two devices of one user whose transaction ids both start at 1 (PowerSync's): with client
 * ids each is its own; without, each transaction applies, a retry too, never refused. */
static void test_client_ids(void **state) {
    env *e = *state;
    const char *body[] = {
        "{\"client_id\":\"A\",\"transactions\":[{\"op_id\":\"1\",\"ops\":[{\"op\":\"PUT\","
        "\"table\":\"group\",\"id\":\"a1\",\"data\":{\"order\":1}}]}]}",
        "{\"client_id\":\"B\",\"transactions\":[{\"op_id\":\"1\",\"ops\":[{\"op\":\"PUT\","
        "\"table\":\"group\",\"id\":\"b1\",\"data\":{\"order\":2}}]}]}",
        "{\"transactions\":[{\"op_id\":\"1\",\"ops\":[{\"op\":\"PUT\",\"table\":\"group\","
        "\"id\":\"n1\",\"data\":{\"order\":3}}]}]}",
        "{\"client_id\":\"\",\"transactions\":[{\"op_id\":\"1\",\"ops\":[{\"op\":\"PATCH\","
        "\"table\":\"group\",\"id\":\"n1\",\"data\":{\"order\":4}}]}]}",
    };
    const char *first[] = {"applied", "applied", "applied", "applied"};
    const char *again[] = {"duplicate", "duplicate", "applied", "applied"};
    for (int round = 0; round < 2; round++)
        for (size_t k = 0; k < 4; k++) {
            json_t *r = upload(e, "alice", body[k]);
            assert_string_equal(status(r, 0), round ? again[k] : first[k]);
            json_decref(r);
        }
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM \"group\" WHERE user_id = 'alice'"),
                     3);
    assert_pg(e, "4", "SELECT \"order\"::text FROM \"group\" WHERE id = '%s'", "n1");
    assert_pg(e, "A:1 B:1",
              "SELECT string_agg(client_id || ':' || op_id, ' ' ORDER BY client_id) FROM "
              "syncspec_applied_ops WHERE user_id = '%s'",
              "alice");
}

int main(void) {
    if (fixture_load(&g, "tests/golden/edge/spec.yaml") != 0) {
        fprintf(stderr, "cannot load tests/golden/edge/spec.yaml (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_around_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_op, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mixed_sequence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_keys_per_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repeated_transaction_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_patch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_only_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_values_jansson_cannot_hold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sdk_shapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_ids, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&g);
    return failed;
}

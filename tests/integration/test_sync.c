/*
 * libsyncspec's sync core end to end: client stores in real SQLite files syncing with
 * syncspec_store_sync (uploads, then downloads through the PowerSync protocol) against the
 * server on a fresh database of the real PostgreSQL 15 that tests/run.sh starts, per test.
 * Without PostgreSQL the tests fail under CI=true and are skipped otherwise.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "sync/fixture.h"

static sync_sql g;

#define D(n) "00000000-0000-4000-8000-0000000000" n /* a document id */
#define P1 "11111111-0000-4000-8000-000000000001"

typedef sync_env env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    *state = e;
    if (sync_env_open(e, &g) != 0) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) fail_msg("PostgreSQL is unreachable under CI=true");
        syncspec_server_free(e->server);
        e->server = NULL; /* each test skips */
    }
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

static void exec(syncspec_store *s, const char *fmt, ...) {
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(syncspec_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static void fn_zero(sqlite3_context *context, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_int(context, 0);
}

/* Runs SQL on the store `name` through a connection whose capture is off, as while server
 * changes are applied: what it writes is never queued. */
static void exec_uncaptured(env *e, const char *name, const char *sql) {
    sqlite3 *other;
    char path[128];
    snprintf(path, sizeof path, "%s/%s.db", e->dir, name);
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    sqlite3_create_function(other, "syncspec_capture", 0, SQLITE_UTF8, NULL, fn_zero, NULL, NULL);
    sqlite3_create_function(other, "syncspec_tx", 0, SQLITE_UTF8, NULL, fn_zero, NULL, NULL);
    sqlite3_create_function(other, "syncspec_json_value", 1, SQLITE_UTF8, NULL, fn_zero, NULL,
                            NULL);
    char *msg = NULL;
    if (sqlite3_exec(other, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
    sqlite3_close(other);
}

static long count(syncspec_store *s, const char *fmt, ...) {
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *text(syncspec_store *s, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    char *out = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        out = strdup(sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "");
    sqlite3_finalize(st);
    return out;
}

static void bputs(syncspec_buffer *b, const char *s) { syncspec_buffer_append(b, s, strlen(s)); }

/* Every synced row of a store as one text, for comparing devices. */
static char *dump(syncspec_store *s) {
    syncspec_buffer b = {0};
    for (size_t i = 0; i < g.schema->table_count; i++) {
        const syncspec_table *t = &g.schema->tables[i];
        if (t->local_only) continue;
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY \"id\"", t->name);
        sqlite3_stmt *st;
        assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            bputs(&b, t->name);
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                bputs(&b, "|");
                bputs(&b, sqlite3_column_type(st, c) == SQLITE_NULL
                              ? "<null>"
                              : (const char *)sqlite3_column_text(st, c));
            }
            bputs(&b, "\n");
        }
        sqlite3_finalize(st);
    }
    if (!b.data) bputs(&b, "");
    return b.data;
}

static int do_sync(syncspec_store *s, fake_transport *t, syncspec_sync_result *r) {
    syncspec_transport tr = fake_transport_of(t);
    syncspec_error err = {0};
    int rc = syncspec_store_sync(s, &tr, 0, r, &err);
    if (rc) fprintf(stderr, "sync: %d %s\n", rc, err.message);
    return rc;
}

/* What PostgreSQL answers to a query of one row with `id` in it. */
static void assert_pg(env *e, const char *expected, const char *fmt, const char *id) {
    char *v = pg_value(e->pg.conn, fmt, id);
    if (!v || strcmp(v, expected) != 0)
        fail_msg("%s\n  got      %s\n  expected %s", fmt, v ? v : "(no row)", expected);
    free(v);
}

#define NOW "'2025-01-01T00:00:00.000Z'"

static void insert_doc(syncspec_store *s, const char *id, const char *title, const char *content) {
    exec(s,
         "INSERT INTO documents (id, title, content, device_id, created_at, updated_at) "
         "VALUES ('%s', %s%s%s, '%s', 'dev', " NOW ", " NOW ")",
         id, title ? "'" : "", title ? title : "NULL", title ? "'" : "", content);
}

/* ---- the queue ---- */

static void test_queue_shape(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *s = open_store(e, "a", "alice");
    syncspec_error err;
    exec(s, "BEGIN");
    insert_doc(s, D("01"), "Title", "body");
    exec(s, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1 "', 'P', " NOW
            ", " NOW ")");
    insert_doc(s, D("02"), "Gone", "before the commit");
    exec(s, "DELETE FROM documents WHERE id = '" D("02") "'");
    exec(s, "COMMIT");
    exec(s, "UPDATE documents SET title = NULL, content = 'new' WHERE id = '" D("01") "'");
    exec(s, "UPDATE documents SET content = 'new' WHERE id = '" D("01") "'"); /* no change */
    exec(s, "DELETE FROM documents WHERE id = '" D("01") "'");
    exec(s, "INSERT INTO preferences (id, key, value, created_at, updated_at) VALUES ('p1', "
            "'theme', '\"dark\"', " NOW ", " NOW ")");
    char *q = NULL;
    assert_int_equal(syncspec_store_queue_json(s, &q, &err), 0);
    /* A PUT carries its row as its transaction left it, though later ones changed it. */
    assert_non_null(strstr(q, "\"op\":\"PUT\",\"type\":\"documents\",\"id\":\"" D(
                                  "01") "\",\"data\":{\"title\":\"Title\",\"content\":\"body\","));
    /* A PUT of a row its own transaction deleted carries the row as it was; its DELETE
     * follows. */
    assert_non_null(strstr(q, "\"op\":\"PUT\",\"type\":\"documents\",\"id\":\"" D(
                                  "02") "\",\"data\":{\"title\":\"Gone\",\"content\":\"before the "
                                        "commit\","));
    assert_non_null(strstr(q, "\"op\":\"DELETE\",\"type\":\"documents\",\"id\":\"" D("02") "\"}"));
    const char *expected_tail =
        "\"op\":\"PATCH\",\"type\":\"documents\",\"id\":\"" D("01") "\",\"data\":{\"title\":null,"
                                                                    "\"content\":\"new\"}}\n";
    assert_non_null(strstr(q, expected_tail));
    assert_non_null(strstr(q, "\"op\":\"PUT\",\"type\":\"projects\",\"id\":\"" P1
                              "\",\"data\":{\"name\":\"P\",\"is_default\":0,"
                              "\"created_at\":\"2025-01-01T00:00:00.000Z\","
                              "\"updated_at\":\"2025-01-01T00:00:00.000Z\"}}"));
    assert_non_null(strstr(q, "\"op\":\"DELETE\",\"type\":\"documents\",\"id\":\"" D("01") "\"}"));
    assert_null(strstr(q, "preferences"));
    size_t ops, txs;
    assert_int_equal(syncspec_store_pending(s, &ops, &txs, &err), 0);
    assert_int_equal(ops, 6);
    assert_int_equal(txs, 3); /* the inserts share one transaction */
    assert_int_equal(count(s, "SELECT count(DISTINCT tx_id) FROM syncspec_crud WHERE op = 'PUT'"),
                     1);
    free(q);
    /* The upload body: every op of the transaction, in order; op_ids are device:tx. */
    char *body = NULL;
    assert_int_equal(syncspec_store_upload_body(s, &body, 2, &err), 0);
    json_t *root = json_loads(body, 0, NULL);
    json_t *list = json_object_get(root, "transactions");
    assert_int_equal(json_array_size(list), 2);
    const char *op_id = json_string_value(json_object_get(json_array_get(list, 0), "op_id"));
    assert_true(strncmp(op_id, syncspec_store_device_id(s), 36) == 0 && op_id[36] == ':');
    assert_int_equal(json_array_size(json_object_get(json_array_get(list, 0), "ops")), 4);
    json_decref(root);
    free(body);
    syncspec_store_free(s);
}

/* ---- convergence ---- */

static void converge(env *e, int b_first) {
    if (!e->server) skip();
    syncspec_store *a = open_store(e, b_first ? "a2" : "a1", "alice");
    syncspec_store *b = open_store(e, b_first ? "b2" : "b1", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    exec(a, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1 "', 'P', " NOW
            ", " NOW ")");
    insert_doc(a, D("01"), "one", "c1");
    insert_doc(a, D("02"), "two", "c2");
    insert_doc(a, D("03"), "three", "c3");
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 4);
    assert_int_equal(do_sync(b, &t, &r), 0);
    assert_int_equal(count(b, "SELECT count(*) FROM documents"), 3);
    /* Offline on both, overlapping. */
    exec(a, "UPDATE documents SET title = 'A', content = 'from a' WHERE id = '" D("01") "'");
    exec(a, "UPDATE documents SET title = NULL WHERE id = '" D("02") "'"); /* a cleared value */
    exec(a, "DELETE FROM documents WHERE id = '" D("03") "'");             /* hard delete */
    insert_doc(a, D("04"), "four", "c4");
    exec(b, "UPDATE documents SET content = 'from b' WHERE id = '" D("01") "'");
    exec(b, "UPDATE documents SET deleted_at = " NOW " WHERE id = '" D("02") "'"); /* soft */
    exec(b, "UPDATE projects SET name = 'renamed', is_default = 1 WHERE id = '" P1 "'");
    insert_doc(b, D("05"), NULL, "c5");
    syncspec_store *first = b_first ? b : a, *second = b_first ? a : b;
    assert_int_equal(do_sync(first, &t, &r), 0);
    assert_int_equal(do_sync(second, &t, &r), 0);
    assert_false(r.resynced);
    assert_int_equal(do_sync(first, &t, &r), 0);
    assert_false(r.resynced);
    char *da = dump(a), *db = dump(b);
    assert_string_equal(da, db);
    /* And PostgreSQL agrees: every download checked its bucket checksums; spot-check the
     * merge too. */
    char *content = pg_value(e->pg.conn, "SELECT content FROM documents WHERE id = '%s'", D("01"));
    assert_string_equal(content, b_first ? "from a" : "from b"); /* the last write wins */
    free(content);
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT count(*) FROM documents WHERE id = '%s' AND "
                             "title IS NULL AND deleted_at IS NOT NULL",
                             D("02")),
                     1);
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT count(*) FROM documents WHERE id = '%s' AND "
                             "deleted_at IS NOT NULL",
                             D("03")),
                     1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 5);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM projects WHERE name = 'renamed' "
                                         "AND is_default"),
                     1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents WHERE id = '" D(
                                  "03") "' AND deleted_at IS NOT NULL"),
                     1);
    free(da);
    free(db);
    syncspec_store_free(a);
    syncspec_store_free(b);
}

static void test_convergence_a_first(void **state) { converge(*state, 0); }
static void test_convergence_b_first(void **state) { converge(*state, 1); }

/* ---- isolation ---- */

static const char *upload_one(env *e, const char *user, const char *body, char **response) {
    syncspec_error err;
    assert_int_equal(syncspec_server_upload(e->server, response, e->api, user, body, &err), 0);
    json_t *root = json_loads(*response, 0, NULL);
    static char status[32];
    snprintf(status, sizeof status, "%s",
             json_string_value(json_object_get(
                 json_array_get(json_object_get(root, "transactions"), 0), "status")));
    json_decref(root);
    return status;
}

static void test_isolation(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "alice", "alice");
    fake_transport ta = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    insert_doc(a, D("01"), "mine", "secret");
    assert_int_equal(do_sync(a, &ta, &r), 0);
    char *resp;
    const char *put = "{\"transactions\":[{\"op_id\":\"bob:1\",\"ops\":[{\"op\":\"PUT\",\"table\":"
                      "\"documents\",\"id\":\"" D("01") "\",\"data\":{\"content\":\"taken\","
                                                        "\"device_id\":\"x\"}}]}]}";
    assert_string_equal(upload_one(e, "bob", put, &resp), "rejected");
    assert_non_null(strstr(resp, "\"forbidden\""));
    free(resp);
    const char *patch =
        "{\"transactions\":[{\"op_id\":\"bob:2\",\"ops\":[{\"op\":\"PATCH\","
        "\"table\":\"documents\",\"id\":\"" D("01") "\",\"data\":{\"title\":\"x\"}}]}]}";
    assert_string_equal(upload_one(e, "bob", patch, &resp), "rejected");
    assert_non_null(strstr(resp, "\"forbidden\""));
    free(resp);
    const char *del = "{\"transactions\":[{\"op_id\":\"bob:3\",\"ops\":[{\"op\":\"DELETE\","
                      "\"table\":\"documents\",\"id\":\"" D("01") "\"}]}]}";
    assert_string_equal(upload_one(e, "bob", del, &resp), "rejected");
    assert_non_null(strstr(resp, "\"forbidden\""));
    free(resp);
    /* Owner spoofing is refused by the sanitizer. */
    const char *spoof =
        "{\"transactions\":[{\"op_id\":\"bob:4\",\"ops\":[{\"op\":\"PUT\",\"table\":"
        "\"documents\",\"id\":\"" D("02") "\",\"data\":{\"content\":\"c\","
                                          "\"device_id\":\"x\",\"owner_id\":\"alice\"}}]}]}";
    assert_string_equal(upload_one(e, "bob", spoof, &resp), "rejected");
    free(resp);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE owner_id = 'alice' "
                                         "AND title = 'mine' AND content = 'secret' AND "
                                         "deleted_at IS NULL"),
                     1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "user_id = 'bob'"),
                     4);
    /* Bob's own device: his write on Alice's id is dropped, and he never receives her rows. */
    syncspec_store *b = open_store(e, "bob", "bob");
    fake_transport tb = {.server = e->server, .conn = &e->api, .user_id = "bob"};
    insert_doc(b, D("01"), "bobs", "bob");
    insert_doc(b, D("03"), "bobs own", "bob");
    assert_int_equal(do_sync(b, &tb, &r), 0);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(count(b, "SELECT count(*) FROM documents"), 1);
    assert_int_equal(count(b, "SELECT count(*) FROM documents WHERE id = '" D("03") "'"), 1);
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT count(*) FROM syncspec_ops WHERE bucket LIKE '%%bob%%' AND "
                             "(object_id = '%s' OR strpos(line, 'secret') > 0)",
                             D("01")),
                     0);
    syncspec_store_free(a);
    syncspec_store_free(b);
}

/* ---- exactly once ---- */

static void test_exactly_once_lost_response(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    syncspec_error err;
    insert_doc(a, D("01"), "t", "c");
    char *body = NULL, *r1 = NULL, *r2 = NULL;
    assert_int_equal(syncspec_store_upload_body(a, &body, 0, &err), 0);
    assert_int_equal(syncspec_server_upload(e->server, &r1, e->api, "alice", body, &err), 0);
    long changes = pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes");
    /* The response was lost: the client sends the same body again. */
    assert_int_equal(syncspec_server_upload(e->server, &r2, e->api, "alice", body, &err), 0);
    assert_non_null(strstr(r1, "\"applied\""));
    assert_non_null(strstr(r2, "\"duplicate\""));
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_changes"), changes);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_applied_ops"), 1);
    size_t done;
    assert_int_equal(syncspec_store_upload_complete(a, r2, &done, NULL, &err), 0);
    assert_int_equal(done, 1);
    free(body);
    free(r1);
    free(r2);
    /* Through the transport: a lost answer keeps the batch; the retry completes it. */
    insert_doc(a, D("02"), "t", "c");
    fake_transport t = {
        .server = e->server, .conn = &e->api, .user_id = "alice", .lose_upload_responses = 1};
    syncspec_sync_result r;
    assert_int_equal(do_sync(a, &t, &r), SYNCSPEC_ERETRY);
    size_t ops;
    assert_int_equal(syncspec_store_pending(a, &ops, NULL, &err), 0);
    assert_int_equal(ops, 1);
    t.fail_uploads = 1; /* a transport error: never sent */
    assert_int_equal(do_sync(a, &t, &r), SYNCSPEC_ERETRY);
    assert_int_equal(syncspec_store_pending(a, &ops, NULL, &err), 0);
    assert_int_equal(ops, 1);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(syncspec_store_pending(a, &ops, NULL, &err), 0);
    assert_int_equal(ops, 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 2);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_applied_ops"), 2);
    /* A refused transaction whose answer was lost is reported refused when resent. */
    char name[260];
    memset(name, 'n', 250);
    name[250] = '\0';
    exec(a,
         "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1 "', '%s', " NOW
         ", " NOW ")",
         name);
    t.lose_upload_responses = 1;
    assert_int_equal(do_sync(a, &t, &r), SYNCSPEC_ERETRY);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads"), 1);
    syncspec_store_free(a);
}

static void test_exactly_once_terminated(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    exec(a, "BEGIN");
    for (int i = 0; i < 20; i++) {
        char id[64];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-1000000000%02d", i);
        insert_doc(a, id, "t", "c");
    }
    exec(a, "COMMIT");
    int api_pid = PQbackendPID(e->api);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* Holds a lock the upload needs, then kills the upload's backend while it waits. */
        PGconn *c = pg_connect_db(e->pg.dbname);
        int ok =
            c && pg_ok(c, "BEGIN") && pg_ok(c, "LOCK TABLE documents IN ACCESS EXCLUSIVE MODE");
        if (write(ready[1], ok ? "1" : "0", 1) != 1) _exit(3);
        for (int i = 0; ok && i < 500; i++) {
            if (pg_long(c,
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND "
                        "wait_event_type = 'Lock'",
                        api_pid) == 1) {
                pg_long(c, "SELECT pg_terminate_backend(%d)::int", api_pid);
                PQfinish(c);
                _exit(0);
            }
            usleep(10000);
        }
        _exit(2);
    }
    char byte = 0;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    assert_int_equal(byte, '1');
    assert_int_equal(do_sync(a, &t, &r), SYNCSPEC_ERETRY);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    size_t ops;
    syncspec_error err;
    assert_int_equal(syncspec_store_pending(a, &ops, NULL, &err), 0);
    assert_int_equal(ops, 20);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 0);
    /* The API server reconnects; the retry applies exactly once. */
    PQfinish(e->api);
    e->api = pg_connect_db(e->pg.dbname);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 20);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_applied_ops"), 1);
    assert_int_equal(syncspec_store_pending(a, &ops, NULL, &err), 0);
    assert_int_equal(ops, 0);
    close(ready[0]);
    close(ready[1]);
    syncspec_store_free(a);
}

/* An op_id names a transaction of one user and client: another user's or client's same op_id
 * is another transaction; the same client's op_id with other text is a conflict, not a
 * duplicate. Without a client id nothing is a duplicate: every transaction applies. */
static void test_op_id_reuse(void **state) {
    env *e = *state;
    if (!e->server) skip();
    char *resp;
#define ONE_PUT(op_id, id, content)                                                                \
    "{\"op_id\":\"" op_id "\",\"ops\":[{\"op\":\"PUT\",\"table\":\"documents\",\"id\":\"" id       \
    "\",\"data\":{\"content\":\"" content "\",\"device_id\":\"x\"}}]}"
#define CLIENT(id) "{\"client_id\":\"" id "\",\"transactions\":["
    assert_string_equal(
        upload_one(e, "bob", CLIENT("c1") ONE_PUT("d:1", D("01"), "bob") "]}", &resp), "applied");
    free(resp);
    assert_string_equal(
        upload_one(e, "alice", CLIENT("c1") ONE_PUT("d:1", D("02"), "alice") "]}", &resp),
        "applied");
    free(resp);
    /* The same text again is a retry; other text under the op_id holds back what follows. */
    assert_string_equal(
        upload_one(e, "alice", CLIENT("c1") ONE_PUT("d:1", D("02"), "alice") "]}", &resp),
        "duplicate");
    free(resp);
    assert_string_equal(upload_one(e, "alice",
                                   CLIENT("c1") ONE_PUT("d:1", D("03"), "other") "," ONE_PUT(
                                       "d:2", D("04"), "after") "]}",
                                   &resp),
                        "conflict");
    assert_non_null(strstr(resp, "\"op_id\":\"d:2\",\"status\":\"retry\""));
    free(resp);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 2);
    /* Another device of alice's: its d:1 is its own. */
    assert_string_equal(
        upload_one(e, "alice", CLIENT("c2") ONE_PUT("d:1", D("03"), "other") "]}", &resp),
        "applied");
    free(resp);
    /* No client id: applied, again and again, whatever was recorded under the op_id. */
    for (int i = 0; i < 2; i++) {
        assert_string_equal(
            upload_one(e, "alice", "{\"transactions\":[" ONE_PUT("d:1", D("05"), "n") "]}", &resp),
            "applied");
        free(resp);
    }
    assert_string_equal(
        upload_one(e, "alice",
                   "{\"client_id\":null,\"transactions\":[" ONE_PUT("d:1", D("06"), "m") "]}",
                   &resp),
        "applied");
    free(resp);
#undef ONE_PUT
#undef CLIENT
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 5);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_applied_ops WHERE "
                                         "user_id = 'alice' AND op_id = 'd:1'"),
                     2);

    /* A device restored from a backup reuses its op_ids: it takes a new device id. */
    syncspec_store *a = open_store(e, "a", "carol");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "carol"};
    syncspec_sync_result r;
    insert_doc(a, D("11"), "before the backup", "c");
    assert_int_equal(do_sync(a, &t, &r), 0);
    char *device = strdup(syncspec_store_device_id(a));
    syncspec_store_free(a);
    char cmd[320];
    snprintf(cmd, sizeof cmd, "cp %s/a.db %s/backup.db", e->dir, e->dir);
    assert_int_equal(system(cmd), 0);
    a = open_store(e, "a", NULL);
    insert_doc(a, D("12"), "after the backup", "c");
    assert_int_equal(do_sync(a, &t, &r), 0);
    syncspec_store_free(a);
    snprintf(cmd, sizeof cmd, "cp %s/backup.db %s/a.db && rm -f %s/a.db-wal %s/a.db-shm", e->dir,
             e->dir, e->dir, e->dir);
    assert_int_equal(system(cmd), 0);
    a = open_store(e, "a", NULL);
    insert_doc(a, D("13"), "after the restore", "c");
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 1);
    assert_string_not_equal(syncspec_store_device_id(a), device);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE owner_id = 'carol'"),
                     3);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 3);
    free(device);
    syncspec_store_free(a);
}

/* ---- rejection ---- */

static void test_rejection(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    insert_doc(a, D("01"), "first", "c");
    exec(a, "BEGIN");
    insert_doc(a, D("02"), "valid op in a bad transaction", "c");
    char name[260];
    memset(name, 'n', 250);
    name[250] = '\0';
    exec(a,
         "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1 "', '%s', " NOW
         ", " NOW ")",
         name);
    exec(a, "COMMIT");
    insert_doc(a, D("03"), "after", "c");
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 3);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE id IN ('%s', '%s')",
                             D("01"), D("03")),
                     2);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE id = '%s'", D("02")),
                     0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM projects"), 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "jsonb_array_length(transaction::jsonb->'ops') = 2 AND "
                                         "errors @> '[{\"code\": \"max-length\", \"op\": 1}]'"),
                     1);
    /* A transaction is stored exactly as sent, even what jsonb cannot hold. */
    const char *tx = "{\"op_id\":\"n:1\",  \"ops\":[{\"op\":\"PUT\",\"table\":\"documents\",\"id\":"
                     "\"" D("21") "\",\"data\":{\"content\":\"a\\u0000b\",\"device_id\":\"x\"}}]}";
    char body[512], *resp;
    snprintf(body, sizeof body, "{\"transactions\":[%s]}", tx);
    assert_string_equal(upload_one(e, "dave", body, &resp), "rejected");
    free(resp);
    char *stored = pg_value(e->pg.conn, "SELECT \"transaction\" FROM syncspec_rejected_uploads "
                                        "WHERE user_id = 'dave'");
    assert_non_null(stored);
    assert_string_equal(stored, tx);
    free(stored);
    /* The refused rows leave the device too: it now holds what the server holds. */
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 2);
    assert_int_equal(count(a, "SELECT count(*) FROM projects"), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 0);
    syncspec_store_free(a);
}

/* A queued PUT carries its row as its own transaction left it: a later transaction that
 * changes the row, and is then rejected, reaches the server neither through the PUT nor by
 * taking the PUT's transaction down with it. Also for a later delete. */
static void test_put_keeps_its_transaction(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    char name[260];
    memset(name, 'n', 250);
    name[250] = '\0';
    exec(a, "BEGIN");
    exec(a, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1
            "', 'valid', " NOW ", " NOW ")");
    insert_doc(a, D("01"), "first", "as inserted");
    insert_doc(a, D("02"), "second", "to be deleted");
    exec(a, "COMMIT");
    /* The same transaction's own later update travels in its PUT, as PowerSync's would. */
    exec(a, "BEGIN");
    insert_doc(a, D("03"), "third", "draft");
    exec(a, "UPDATE documents SET content = 'final' WHERE id = '%s'", D("03"));
    exec(a, "COMMIT");
    /* A later transaction changes both, then fails validation on another row. */
    exec(a, "BEGIN");
    exec(a, "UPDATE documents SET content = 'from the rejected transaction' WHERE id = '%s'",
         D("01"));
    exec(a, "UPDATE projects SET name = '%s' WHERE id = '" P1 "'", name);
    exec(a, "COMMIT");
    exec(a, "BEGIN");
    exec(a, "DELETE FROM documents WHERE id = '%s'", D("02"));
    exec(a,
         "INSERT INTO projects (id, name, created_at, updated_at) VALUES "
         "('11111111-0000-4000-8000-000000000002', '%s', " NOW ", " NOW ")",
         name);
    exec(a, "COMMIT");
    char *queue = text(a, "SELECT group_concat(\"op\" || ':' || ifnull(\"data\", '-'), ' | ') "
                          "FROM syncspec_crud_entries WHERE \"op\" = 'PUT'");
    assert_non_null(strstr(queue, "\"content\":\"as inserted\""));
    assert_non_null(strstr(queue, "\"content\":\"to be deleted\""));
    assert_non_null(strstr(queue, "\"content\":\"final\""));
    assert_null(strstr(queue, "from the rejected transaction"));
    free(queue);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 4);
    assert_int_equal(r.rejected, 2);
    assert_pg(e, "valid", "SELECT name FROM projects WHERE id = '%s'", P1);
    assert_pg(e, "as inserted", "SELECT content FROM documents WHERE id = '%s'", D("01"));
    assert_pg(e, "to be deleted", "SELECT content FROM documents WHERE id = '%s'", D("02"));
    assert_pg(e, "final", "SELECT content FROM documents WHERE id = '%s'", D("03"));
    /* The device now holds what the server holds. */
    char *content = text(a, "SELECT content FROM documents WHERE id = '" D("01") "'");
    assert_string_equal(content, "as inserted");
    free(content);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 3);
    syncspec_store_free(a);
}

/* INSERT OR REPLACE and a delete followed by an insert under the same id change a row as an
 * update does: an earlier transaction's PUT still sends the row as that transaction left
 * it. syncspec_store_put of an existing row is a PATCH. A REPLACE that removes another row
 * through a unique key queues that row's DELETE first. */
#define P9 "11111111-0000-4000-8000-000000000009"
#define G1 "22222222-0000-4000-8000-000000000001" /* a group */
#define L1 "33333333-0000-4000-8000-000000000001" /* links of a document to a group */
#define L2 "33333333-0000-4000-8000-000000000002"
static void test_put_survives_replace(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    syncspec_error err;
    char name[260];
    memset(name, 'n', 250);
    name[250] = '\0';
    exec(a,
         "INSERT INTO document_groups (id, document_id, group_id, created_at, updated_at) "
         "VALUES ('" L1 "', '%s', '" G1 "', " NOW ", " NOW ")",
         D("01"));
    assert_int_equal(do_sync(a, &t, &r), 0);
    exec(a, "BEGIN");
    exec(a, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1
            "', 'valid', " NOW ", " NOW ")");
    insert_doc(a, D("01"), "t", "as inserted");
    exec(a, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P9
            "', 'short-lived', " NOW ", " NOW ")");
    exec(a, "DELETE FROM projects WHERE id = '" P9 "'");
    exec(a, "COMMIT");
    /* tx 2, valid: a REPLACE by SQL. */
    exec(a,
         "INSERT OR REPLACE INTO documents (id, title, content, device_id, created_at, "
         "updated_at) VALUES ('%s', 't', 'replaced', 'dev', " NOW ", " NOW ")",
         D("01"));
    /* tx 3, invalid (name too long): a typed put of P1, queued as a PATCH. */
    const syncspec_table *projects = syncspec_schema_table(g.layout, "projects");
    void *row = calloc(1, projects->row_size);
    *(syncspec_text_value *)((char *)row + syncspec_table_column(projects, "id")->offset) =
        (syncspec_text_value){SYNCSPEC_SET, P1, 36};
    *(syncspec_text_value *)((char *)row + syncspec_table_column(projects, "name")->offset) =
        (syncspec_text_value){SYNCSPEC_SET, name, 250};
    assert_int_equal(syncspec_store_put(a, projects, row, &err), 0);
    free(row);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud WHERE op = 'PATCH' AND "
                              "row_id = '" P1 "'"),
                     1);
    /* tx 4, invalid: P9 again under its old id. */
    exec(a,
         "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P9 "', '%s', " NOW
         ", " NOW ")",
         name);
    /* tx 5: a REPLACE that removes L1, uploaded before, through the unique (document, group)
     * pair: queued as L1's DELETE, then L2's PUT. */
    exec(a, "INSERT OR REPLACE INTO document_groups (id, document_id, group_id, created_at, "
            "updated_at) VALUES ('" L2 "', '" D("01") "', '" G1 "', " NOW ", " NOW ")");
    char *ops = text(a, "SELECT group_concat(op || ' ' || row_id, ', ') FROM (SELECT op, row_id "
                        "FROM syncspec_crud WHERE type = 'document_groups' ORDER BY id)");
    assert_string_equal(ops, "DELETE " L1 ", PUT " L2);
    free(ops);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 5);
    assert_int_equal(r.rejected, 2);
    assert_pg(e, "valid", "SELECT name FROM projects WHERE id = '%s'", P1);
    assert_pg(e, "replaced", "SELECT content FROM documents WHERE id = '%s' AND deleted_at IS NULL",
              D("01"));
    assert_pg(e, "short-lived",
              "SELECT name FROM projects WHERE id = '%s' AND deleted_at IS NOT NULL", P9);
    assert_pg(e, L2, "SELECT string_agg(id, ',') FROM document_groups WHERE document_id = '%s'",
              D("01"));
    /* The device holds what the server holds: the refused writes are undone. */
    char *kept = text(a, "SELECT name FROM projects WHERE id = '" P1 "'");
    assert_string_equal(kept, "valid");
    free(kept);
    char *links = text(a, "SELECT group_concat(id) FROM document_groups");
    assert_string_equal(links, L2);
    free(links);
    /* A local row the server never had, written uncaptured, holding L2's pair: the
     * download's changed L2 clashes with it, and the local row gives way. */
    exec_uncaptured(e, "a",
                    "DELETE FROM document_groups; INSERT INTO document_groups (id, document_id, "
                    "group_id, created_at, updated_at) VALUES ('" L1
                    "', '" D("01") "', '" G1 "', " NOW ", " NOW ")");
    pg_ok(e->pg.conn, "UPDATE document_groups SET updated_at = now() WHERE id = '" L2 "'");
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_true(r.applied);
    links = text(a, "SELECT group_concat(id) FROM document_groups");
    assert_string_equal(links, L2);
    free(links);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_false(r.resynced);
    syncspec_store_free(a);
}

/* A transaction is the same text every time it is sent, whatever later transactions do to
 * its rows, so a lost response is answered "duplicate", never "conflict". */
static void test_resend_same_text(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    syncspec_error err;
    exec(a, "BEGIN");
    exec(a, "INSERT INTO projects (id, name, created_at, updated_at) VALUES ('" P1
            "', 'valid', " NOW ", " NOW ")");
    insert_doc(a, D("01"), "t", "first");
    insert_doc(a, D("02"), "t", "second");
    exec(a, "COMMIT");
    char *first = NULL, *again = NULL, *response = NULL;
    assert_int_equal(syncspec_store_upload_body(a, &first, 1, &err), 0);
    assert_int_equal(syncspec_server_upload(e->server, &response, e->api, "alice", first, &err), 0);
    free(response); /* lost */
    pg_ok(e->pg.conn, "UPDATE projects SET name = 'renamed elsewhere' WHERE id = '" P1 "'");
    exec(a, "UPDATE projects SET name = 'later' WHERE id = '" P1 "'");
    exec(a, "DELETE FROM documents WHERE id = '%s'", D("01"));
    insert_doc(a, D("01"), "t", "inserted again");
    exec(a,
         "INSERT OR REPLACE INTO documents (id, content, device_id, created_at, updated_at) "
         "VALUES ('%s', 'replaced', 'dev', " NOW ", " NOW ")",
         D("02"));
    assert_int_equal(syncspec_store_upload_body(a, &again, 1, &err), 0);
    assert_string_equal(again, first);
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    char *device = strdup(syncspec_store_device_id(a));
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_string_equal(syncspec_store_device_id(a), device); /* no conflict */
    assert_int_equal(r.rejected, 0);
    /* The first transaction once, then the update, the delete, the insert and the replace. */
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT count(*) FROM syncspec_applied_ops WHERE "
                             "starts_with(op_id, '%s:')",
                             device),
                     5);
    assert_pg(e, "later", "SELECT name FROM projects WHERE id = '%s'", P1);
    assert_pg(e, "inserted again",
              "SELECT content FROM documents WHERE id = '%s' AND deleted_at IS NULL", D("01"));
    assert_pg(e, "replaced", "SELECT content FROM documents WHERE id = '%s'", D("02"));
    free(device);
    free(first);
    free(again);
    syncspec_store_free(a);
}

/* An app's own triggers keep working beside the capture triggers, on local writes and on
 * downloads: a "touch" trigger that updates its own table does not recurse. */
static void test_app_triggers(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice"), *b = open_store(e, "b", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    const char *touch = "CREATE TRIGGER touch AFTER UPDATE OF content ON documents BEGIN "
                        "UPDATE documents SET updated_at = '2030-01-01T00:00:00.000Z' WHERE id = "
                        "NEW.id; END";
    exec(a, "%s", touch);
    exec(b, "%s", touch);
    insert_doc(a, D("01"), "t", "c");
    exec(a, "UPDATE documents SET content = 'edited' WHERE id = '%s'", D("01"));
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_pg(e, "2030-01-01 00:00:00+00", "SELECT updated_at FROM documents WHERE id = '%s'",
              D("01"));
    assert_int_equal(do_sync(b, &t, &r), 0);
    pg_ok(e->pg.conn, "UPDATE documents SET content = 'from the server' WHERE id = '" D("01") "'");
    assert_int_equal(do_sync(b, &t, &r), 0);
    char *content = text(b, "SELECT content FROM documents WHERE id = '" D("01") "'");
    assert_string_equal(content, "from the server");
    free(content);
    syncspec_store_free(a);
    syncspec_store_free(b);
}

/* Opening a store renews its capture triggers: a file made with an earlier sqlite_sync.sql
 * gets the triggers of the one given now, not only the ones it lacked. */
static void test_reopen_renews_triggers(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    const char *triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'";
    /* The app's own triggers stay, whatever their names. */
    exec(a, "CREATE TRIGGER syncspec_queue_notify AFTER INSERT ON syncspec_crud BEGIN SELECT 1; "
            "END; CREATE TRIGGER SyncSpec_Audit AFTER INSERT ON documents BEGIN SELECT 1; END; "
            "CREATE TRIGGER local_writes AFTER INSERT ON documents WHEN syncspec_capture() "
            "BEGIN SELECT 1; END");
    long fresh = count(a, triggers);
    /* An earlier version's trigger: one that queued nothing. */
    exec(a, "DROP TRIGGER syncspec_documents_delete; CREATE TRIGGER syncspec_documents_delete "
            "AFTER DELETE ON documents WHEN syncspec_capture() BEGIN SELECT 1; END");
    syncspec_store_free(a);
    a = open_store(e, "a", NULL);
    insert_doc(a, D("01"), "t", "c");
    exec(a, "DELETE FROM documents WHERE id = '%s'", D("01"));
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud WHERE op = 'DELETE'"), 1);
    assert_int_equal(count(a, triggers), fresh);
    assert_int_equal(count(a, "SELECT count(*) FROM sqlite_master WHERE name IN "
                              "('syncspec_queue_notify', 'SyncSpec_Audit', 'local_writes')"),
                     3);
    syncspec_store_free(a);
}

/* Building an upload while another connection writes is a retry, not an error. */
static void test_upload_while_locked(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    insert_doc(a, D("01"), "t", "c");
    sqlite3 *other;
    char path[128];
    snprintf(path, sizeof path, "%s/a.db", e->dir);
    assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_busy_timeout(syncspec_store_db(a), 10);
    char *body = NULL;
    syncspec_error err;
    assert_int_equal(syncspec_store_upload_body(a, &body, 0, &err), SYNCSPEC_ERETRY);
    assert_null(body);
    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(syncspec_store_upload_body(a, &body, 0, &err), 0);
    assert_non_null(strstr(body, "\"content\":\"c\""));
    free(body);
    sqlite3_close(other);
    syncspec_store_free(a);
}

/* Transactions whose PUTs lost their rows without a capture (as a download apply writes) are
 * never sent, the batch counts only what is sent, and their ids are not used again. */
static void test_vanished_transactions(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    insert_doc(a, D("01"), "t", "one");
    insert_doc(a, D("02"), "t", "two");
    insert_doc(a, D("03"), "t", "three");
    exec_uncaptured(e, "a", "DELETE FROM documents WHERE content IN ('one', 'two', 'three')");
    char *body = NULL;
    syncspec_error err;
    assert_int_equal(syncspec_store_upload_body(a, &body, 1, &err), 0);
    assert_null(body); /* nothing left to send */
    insert_doc(a, D("04"), "t", "four");
    assert_int_equal(syncspec_store_upload_body(a, &body, 1, &err), 0);
    char op_id[64];
    snprintf(op_id, sizeof op_id, "\"op_id\":\"%s:4\"", syncspec_store_device_id(a));
    assert_non_null(strstr(body, op_id));
    assert_null(strstr(body, "\"ops\":[]"));
    free(body);
    syncspec_store_free(a);
}

/* A write that cannot travel as JSON as it is (text that is not UTF-8, an infinite real, a
 * BLOB: SQLite keeps them all) is rejected and recorded like any invalid op, with the value
 * in it; it never fails, and never blocks the transactions around it. */
static void test_unsendable_write(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    insert_doc(a, D("01"), "before", "c");
    exec(a,
         "INSERT INTO documents (id, content, device_id, created_at, updated_at) VALUES ('%s', "
         "CAST(X'41C328' AS TEXT), 'dev', " NOW ", " NOW ")",
         D("02"));
    /* Nor an infinite real, which SQLite keeps in an INTEGER column as it is. */
    exec(a,
         "INSERT INTO document_versions (id, document_id, version, content, device_id, "
         "created_at, updated_at) VALUES ('%s', '%s', 1e999, 'v', 'dev', " NOW ", " NOW ")",
         D("04"), D("01"));
    /* Nor a BLOB, written and then updated (json_object() refuses BLOBs). */
    exec(a,
         "INSERT INTO documents (id, content, device_id, created_at, updated_at) VALUES ('%s', "
         "X'0102', 'dev', " NOW ", " NOW ")",
         D("05"));
    exec(a, "UPDATE documents SET title = X'03' WHERE id = '%s'", D("05"));
    insert_doc(a, D("03"), "after", "c");
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.uploaded, 6);
    assert_int_equal(r.rejected, 4);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents"), 2);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM document_versions"), 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "strpos(\"transaction\", '\"\\u0000blob:0102\"') > 0"),
                     1);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "errors @> '[{\"code\": \"type\", \"column\": "
                                         "\"version\"}]'"),
                     1);
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                             "strpos(\"transaction\", '\"\\u0000text:41c328\"') > 0 AND "
                             "errors @> '[{\"code\": \"type\", \"column\": "
                             "\"content\"}]'"),
                     1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 2);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 0);
    /* Nor text with a NUL in it, which a PATCH would otherwise cut short at the NUL. */
    exec(a, "UPDATE documents SET title = CAST(X'410042' AS TEXT) WHERE id = '%s'", D("01"));
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.rejected, 1);
    assert_pg(e, "before", "SELECT title FROM documents WHERE id = '%s'", D("01"));
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads WHERE "
                                         "strpos(\"transaction\", '\"\\u0000text:410042\"') > 0"),
                     1);
    syncspec_store_free(a);
}

/* ---- downloads ---- */

/* Rows written with SQL in PostgreSQL reach the device, in the store's timestamp form; an
 * owner change is a deletion for the old owner and a row for the new one; a bucket whose
 * checksum is wrong here is downloaded again, which also repairs a row changed behind the
 * queue's back. */
static void test_changes_from_any_writer(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    syncspec_store *b = open_store(e, "b", "bob");
    fake_transport ta = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    fake_transport tb = {.server = e->server, .conn = &e->api, .user_id = "bob"};
    syncspec_sync_result r;
    assert_true(pg_ok(e->pg.conn,
                      "INSERT INTO documents (id, title, content, device_id, owner_id, created_at, "
                      "updated_at) VALUES ('" D("01") "', 'direct', 'sql', 'psql', 'alice', "
                                                      "'2025-03-01 10:00:00.123+02', now())"));
    assert_int_equal(do_sync(a, &ta, &r), 0);
    char *created = text(a, "SELECT created_at FROM documents WHERE id = '" D("01") "'");
    assert_string_equal(created, "2025-03-01T08:00:00.123Z");
    free(created);
    /* Ownership changed in PostgreSQL: a deletion for Alice, a row for Bob. */
    assert_true(
        pg_ok(e->pg.conn, "UPDATE documents SET owner_id = 'bob' WHERE id = '" D("01") "'"));
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 0);
    assert_int_equal(do_sync(b, &tb, &r), 0);
    assert_int_equal(count(b, "SELECT count(*) FROM documents WHERE owner_id = 'bob'"), 1);
    /* Resuming gives what changed since, of this user only, a hard delete included. */
    assert_true(
        pg_ok(e->pg.conn,
              "INSERT INTO documents (id, content, device_id, owner_id, created_at, "
              "updated_at) VALUES ('" D("11") "', 'x', 'p', 'alice', now(), now()), ('" D(
                  "12") "', 'x', 'p', 'alice', now(), now()), ('" D("13") "', 'x', 'p', 'bob', "
                                                                          "now(), now())"));
    assert_true(pg_ok(e->pg.conn, "DELETE FROM documents WHERE id = '" D("11") "'"));
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_true(r.applied);
    char *ids = text(a, "SELECT group_concat(id) FROM documents");
    assert_string_equal(ids, D("12"));
    free(ids);
    /* A corrupted local row (bypassing the queue) and a wrong bucket sum: the bucket is
     * dropped, downloaded whole, and the row is the server's again. */
    exec(a, "BEGIN; UPDATE documents SET content = 'corrupt'; DELETE FROM syncspec_crud; "
            "UPDATE syncspec_buckets SET checksum = checksum + 1; COMMIT");
    int connections = ta.streams;
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_true(r.resynced);
    assert_true(r.applied);
    assert_int_equal(ta.streams, connections + 2);
    assert_int_equal(
        count(a, "SELECT count(*) FROM documents WHERE id = '" D("12") "' AND content = 'x'"), 1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 1);
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_false(r.resynced);
    syncspec_store_free(a);
    syncspec_store_free(b);
}

/* The text of the store's capture triggers on documents, in name order. */
static char *capture_triggers(syncspec_store *s) {
    return text(s, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE "
                   "type = 'trigger' AND tbl_name = 'documents' ORDER BY name)");
}

/* A large download queues nothing, leaves the capture triggers word for word as they were,
 * and they capture again. */
static void test_large_download(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport ta = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    char *before = capture_triggers(a);
    assert_non_null(strstr(before, "syncspec_capture()"));
    assert_true(pg_ok(
        e->pg.conn, "INSERT INTO documents (id, title, content, device_id, owner_id, created_at, "
                    "updated_at) SELECT lpad(to_hex(g), 8, '0') || '-0000-4000-8000-000000000000', "
                    "'t' || g, 'c', 'd', 'alice', now(), now() FROM generate_series(1, 2500) g"));
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_true(r.applied);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 2500);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 0);
    char *after = capture_triggers(a);
    assert_string_equal(after, before);
    free(after);
    free(before);
    exec(a,
         "UPDATE documents SET title = 'local' WHERE id = '00000001-0000-4000-8000-000000000000'");
    insert_doc(a, D("01"), "new", "c");
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 2);
    syncspec_store_free(a);
}

/* A download into a store with queued writes keeps its checkpoint for later; the round
 * that uploads them applies it. */
static int defer_receive(void *context, const char *bytes, size_t len) {
    return syncspec_download_feed(context, bytes, len, NULL) != 0;
}

/* A transport whose write checkpoint also writes on the device, as an app's other thread
 * would during a round; upload and stream are the fake transport's. */
typedef struct writing_transport {
    fake_transport t;
    syncspec_store *device;
} writing_transport;

static int write_during_round(void *context, char **response, const char *client_id) {
    writing_transport *w = context;
    insert_doc(w->device, D("09"), "during the round", "c");
    return fake_write_checkpoint(&w->t, response, client_id);
}

static void test_download_waits_for_queue(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_error err;
    syncspec_sync_result r;
    assert_true(pg_ok(e->pg.conn,
                      "INSERT INTO documents (id, content, device_id, owner_id, "
                      "created_at, updated_at) VALUES ('" D("02") "', 'server', "
                                                                  "'x', 'alice', now(), now())"));
    insert_doc(a, D("01"), "local", "c");
    /* A transport that cannot download is refused before anything is sent. */
    syncspec_transport upload_only = {.upload = fake_upload, .context = &t};
    assert_int_equal(syncspec_store_sync(a, &upload_only, 0, &r, &err), SYNCSPEC_EINVALID);
    assert_int_equal(t.uploads, 0);
    char *body = NULL;
    syncspec_download *d = NULL;
    assert_int_equal(syncspec_store_stream_request(a, &body, &err), 0);
    assert_int_equal(syncspec_download_new(&d, a, &err), 0);
    assert_int_equal(fake_stream(&t, body, defer_receive, d), 0);
    assert_int_equal(syncspec_download_get_status(d).deferred, 1);
    assert_int_equal(syncspec_download_get_status(d).applied, 0);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 1);
    syncspec_download_free(d);
    free(body);
    /* A write queued during the round: the round says so, and applies nothing. */
    writing_transport w = {{.server = e->server, .conn = &e->api, .user_id = "alice"}, a};
    syncspec_transport tr = fake_transport_of(&w.t); /* &w.t is &w: its first member */
    tr.write_checkpoint = write_during_round;
    assert_int_equal(syncspec_store_sync(a, &tr, 0, &r, &err), SYNCSPEC_EPENDING);
    assert_false(r.applied);
    assert_int_equal(r.uploaded, 1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 2);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_true(r.applied);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 3);
    syncspec_store_free(a);
}

/* ---- the concurrency case ---- */

static void test_late_commit(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    PGconn *c1 = pg_connect_db(e->pg.dbname), *c2 = pg_connect_db(e->pg.dbname);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_true(pg_ok(c1, "BEGIN"));
    assert_true(pg_ok(
        c1, "INSERT INTO documents (id, content, device_id, owner_id, created_at, "
            "updated_at) VALUES ('" D("01") "', 'first written', 'x', 'alice', now(), now())"));
    assert_true(pg_ok(c2, "BEGIN"));
    assert_true(pg_ok(
        c2, "INSERT INTO documents (id, content, device_id, owner_id, created_at, "
            "updated_at) VALUES ('" D("02") "', 'second written', 'x', 'alice', now(), now())"));
    assert_true(pg_ok(c2, "COMMIT"));
    assert_int_equal(do_sync(a, &t, &r), 0); /* between the two commits */
    assert_int_equal(count(a, "SELECT count(*) FROM documents WHERE id = '" D("02") "'"), 1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents WHERE id = '" D("01") "'"), 0);
    assert_true(pg_ok(c1, "COMMIT"));
    /* The late one took the lower version: a "since version" read would have skipped it. */
    assert_int_equal(pg_long(e->pg.conn,
                             "SELECT ((SELECT max(version) FROM syncspec_changes WHERE "
                             "row_id = '%s') < (SELECT min(version) FROM syncspec_changes "
                             "WHERE row_id = '%s'))::int",
                             D("01"), D("02")),
                     1);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 2);
    assert_false(r.resynced);
    PQfinish(c1);
    PQfinish(c2);
    syncspec_store_free(a);
}

/* ---- account switch ---- */

static void test_account_switch(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", NULL);
    fake_transport ta = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    fake_transport tb = {.server = e->server, .conn = &e->api, .user_id = "bob"};
    syncspec_sync_result r;
    syncspec_error err;
    insert_doc(a, D("01"), "written before sign-in", "c");
    assert_int_equal(syncspec_store_set_user(a, "alice", &err), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 1); /* kept: hers */
    assert_int_equal(do_sync(a, &ta, &r), 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE owner_id = 'alice'"),
                     1);
    insert_doc(a, D("02"), "queued, not sent", "c");
    exec(a, "INSERT INTO preferences (id, key, value, created_at, updated_at) VALUES ('p1', "
            "'theme', '\"dark\"', " NOW ", " NOW ")");
    exec(a, "INSERT INTO local_metadata (id, key, value, created_at, updated_at) VALUES ('m1', "
            "'k', 'v', " NOW ", " NOW ")");
    assert_true(pg_ok(e->pg.conn,
                      "INSERT INTO documents (id, content, device_id, owner_id, "
                      "created_at, updated_at) VALUES ('" D("03") "', 'bob''s', 'x', "
                                                                  "'bob', now(), now())"));
    assert_int_equal(syncspec_store_set_user(a, "bob", &err), 0);
    assert_string_equal(syncspec_store_user_id(a), "bob");
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_crud"), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM syncspec_buckets"), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM preferences"), 1);
    assert_int_equal(count(a, "SELECT count(*) FROM local_metadata"), 1);
    assert_int_equal(do_sync(a, &tb, &r), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 1);
    assert_int_equal(count(a, "SELECT count(*) FROM documents WHERE id = '" D("03") "'"), 1);
    /* The same user again changes nothing. */
    assert_int_equal(syncspec_store_set_user(a, "bob", &err), 0);
    assert_int_equal(count(a, "SELECT count(*) FROM documents"), 1);
    syncspec_store_free(a);
}

/* ---- typed writes ---- */

static void test_typed_writes(void **state) {
    env *e = *state;
    if (!e->server) skip();
    syncspec_store *a = open_store(e, "a", "alice");
    fake_transport t = {.server = e->server, .conn = &e->api, .user_id = "alice"};
    syncspec_sync_result r;
    syncspec_error err;
    const syncspec_table *docs = syncspec_schema_table(g.layout, "documents");
    void *row = calloc(1, docs->row_size);
#define FIELD(name) ((char *)row + syncspec_table_column(docs, name)->offset)
    *(syncspec_text_value *)FIELD("id") = (syncspec_text_value){SYNCSPEC_SET, D("01"), 36};
    *(syncspec_text_value *)FIELD("content") = (syncspec_text_value){SYNCSPEC_SET, "typed", 5};
    *(syncspec_text_value *)FIELD("device_id") = (syncspec_text_value){SYNCSPEC_SET, "d", 1};
    *(syncspec_text_value *)FIELD("title") = (syncspec_text_value){SYNCSPEC_SET, "T", 1};
    assert_int_equal(syncspec_store_put(a, docs, row, &err), 0);
    memset(row, 0, docs->row_size);
    *(syncspec_text_value *)FIELD("id") = (syncspec_text_value){SYNCSPEC_SET, D("01"), 36};
    *(syncspec_text_value *)FIELD("title") = (syncspec_text_value){SYNCSPEC_NULL, NULL, 0};
    assert_int_equal(syncspec_store_patch(a, docs, row, &err), 0);
    char *q = NULL;
    assert_int_equal(syncspec_store_queue_json(a, &q, &err), 0);
    assert_non_null(strstr(q, "\"op\":\"PATCH\""));
    assert_non_null(strstr(q, "\"title\":null"));
    free(q);
    memset(row, 0, docs->row_size);
    assert_int_equal(syncspec_store_get(a, docs, D("01"), row, &err), 0);
    assert_string_equal(((syncspec_text_value *)FIELD("content"))->value, "typed");
    assert_int_equal(((syncspec_text_value *)FIELD("title"))->state, SYNCSPEC_NULL);
    assert_int_equal(((syncspec_int_value *)FIELD("created_at"))->state, SYNCSPEC_SET);
    assert_int_equal(syncspec_store_get(a, docs, D("02"), row, &err), 1);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE content = 'typed' "
                                         "AND title IS NULL"),
                     1);
    /* The download gave the row its owner; a put that leaves the owner out keeps it. */
    memset(row, 0, docs->row_size);
    *(syncspec_text_value *)FIELD("id") = (syncspec_text_value){SYNCSPEC_SET, D("01"), 36};
    *(syncspec_text_value *)FIELD("content") = (syncspec_text_value){SYNCSPEC_SET, "typed 2", 7};
    *(syncspec_text_value *)FIELD("device_id") = (syncspec_text_value){SYNCSPEC_SET, "d", 1};
    assert_int_equal(syncspec_store_put(a, docs, row, &err), 0);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(r.rejected, 0);
    assert_pg(e, "typed 2", "SELECT content FROM documents WHERE id = '%s'", D("01"));
    assert_int_equal(syncspec_store_delete(a, docs, D("01"), &err), 0);
    assert_int_equal(do_sync(a, &t, &r), 0);
    assert_int_equal(
        pg_long(e->pg.conn, "SELECT count(*) FROM documents WHERE deleted_at IS NOT NULL"), 1);
    free(row);
    /* A row of an insert-only table is put once; putting its id again is an error. */
    const syncspec_table *versions = syncspec_schema_table(g.layout, "document_versions");
    row = calloc(1, versions->row_size);
#define VERSION(name) ((char *)row + syncspec_table_column(versions, name)->offset)
    *(syncspec_text_value *)VERSION("id") = (syncspec_text_value){SYNCSPEC_SET, D("09"), 36};
    *(syncspec_text_value *)VERSION("document_id") =
        (syncspec_text_value){SYNCSPEC_SET, D("01"), 36};
    *(syncspec_int_value *)VERSION("version") = (syncspec_int_value){SYNCSPEC_SET, 1};
    *(syncspec_text_value *)VERSION("content") = (syncspec_text_value){SYNCSPEC_SET, "v1", 2};
    *(syncspec_text_value *)VERSION("device_id") = (syncspec_text_value){SYNCSPEC_SET, "d", 1};
    assert_int_equal(syncspec_store_put(a, versions, row, &err), 0);
    assert_int_equal(syncspec_store_put(a, versions, row, &err), SYNCSPEC_ERROR);
    assert_non_null(strstr(err.message, "UNIQUE"));
    free(row);
    syncspec_store_free(a);
}

/* ---- crash safety ---- */

static void test_crash_safety(void **state) {
    env *e = *state;
    if (!e->server) skip();
    char path[128];
    snprintf(path, sizeof path, "%s/crash.db", e->dir);
    syncspec_store *s = open_store(e, "crash", "alice");
    syncspec_store_free(s);
    for (int round = 0; round < 4; round++) {
        int committed[2]; /* the child says when its first transaction has committed */
        assert_int_equal(pipe(committed), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            close(committed[0]);
            syncspec_store *c = NULL;
            if (syncspec_store_open(&c, path, g.schema, g.sqlite_sql, g.sqlite_sync_sql, NULL))
                _exit(2);
            for (long n = 0;; n++) { /* transactions of 10 writes until killed */
                sqlite3 *db = syncspec_store_db(c);
                sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
                for (int i = 0; i < 10; i++) {
                    char sql[512];
                    snprintf(sql, sizeof sql,
                             "INSERT INTO documents (id, content, device_id, created_at, "
                             "updated_at) VALUES ('r%d-%ld-%d', 'c', 'd', " NOW ", " NOW ")",
                             round, n, i);
                    sqlite3_exec(db, sql, NULL, NULL, NULL);
                    if (i == 5)
                        sqlite3_exec(db, "UPDATE documents SET title = 'x' WHERE rowid % 7 = 0",
                                     NULL, NULL, NULL);
                }
                sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
                if (n == 0 && (write(committed[1], "c", 1) != 1 || close(committed[1]) != 0))
                    _exit(3);
            }
        }
        close(committed[1]);
        char byte;
        assert_int_equal(read(committed[0], &byte, 1), 1);
        close(committed[0]);
        /* Then somewhere in a later transaction, a different point each round. */
        struct timespec ts = {0, (3 + 11 * round) * 1000000L};
        nanosleep(&ts, NULL);
        kill(child, SIGKILL);
        int status;
        waitpid(child, &status, 0);
        assert_true(WIFSIGNALED(status));
        s = open_store(e, "crash", NULL);
        /* Every row has its PUT and every PUT its row; every transaction is whole. */
        assert_int_equal(count(s, "SELECT count(*) FROM documents d WHERE NOT EXISTS (SELECT 1 "
                                  "FROM syncspec_crud c WHERE c.op = 'PUT' AND c.row_id = d.id)"),
                         0);
        assert_int_equal(count(s, "SELECT count(*) FROM syncspec_crud c WHERE c.op = 'PUT' AND "
                                  "NOT EXISTS (SELECT 1 FROM documents d WHERE d.id = c.row_id)"),
                         0);
        assert_int_equal(count(s, "SELECT count(*) FROM (SELECT tx_id FROM syncspec_crud WHERE "
                                  "op = 'PUT' GROUP BY tx_id HAVING count(*) <> 10)"),
                         0);
        assert_int_equal(count(s, "SELECT count(*) FROM documents") % 10, 0);
        assert_true(count(s, "SELECT count(*) FROM documents") >= 10 * (round + 1));
        char *integrity = text(s, "PRAGMA integrity_check");
        assert_string_equal(integrity, "ok");
        free(integrity);
        syncspec_store_free(s);
    }
}

int main(void) {
    if (fixture_load(&g, "schemas/app.yaml") != 0) {
        fprintf(stderr, "cannot load schemas/app.yaml (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_convergence_a_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_convergence_b_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exactly_once_lost_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exactly_once_terminated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_op_id_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_keeps_its_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_survives_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resend_same_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_renews_triggers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upload_while_locked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vanished_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsendable_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_changes_from_any_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_download_waits_for_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&g);
    return failed;
}

/*
 * The client store downloading through the PowerSync protocol (syncspec/download.h): real
 * SQLite stores, and the protocol served by libsyncspec's server on a fresh database of the
 * real PostgreSQL 15 that tests/run.sh starts, through an in-process transport that cuts
 * every line in two so lines span reads. Also lines written in the PowerSync Service's
 * format by hand, for what the server here never sends (several buckets, MOVE, a bucket
 * leaving the checkpoint, a checksum sum that wraps) and for bad lines.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sync/cmocka_env.h"
#include "sync/fixture.h"

static sync_sql app, streams;

#define P(n) "11111111-0000-4000-8000-0000000000" n /* a project */

static int setup(void **state) { return setup_with(state, &app); }
static int setup_streams(void **state) { return setup_with(state, &streams); }

static void local(syncspec_store *s, const char *fmt, ...) {
    char text[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    if (sqlite3_exec(syncspec_store_db(s), text, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", text, msg);
}

/* The first column of the first row of a local query as text ("" for none); malloc'd. */
static char *local_value(syncspec_store *s, const char *query) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(syncspec_store_db(s), query, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", query, sqlite3_errmsg(syncspec_store_db(s)));
    const char *v = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "";
    char *out = strdup(v ? v : "");
    sqlite3_finalize(st);
    return out;
}

static long local_long(syncspec_store *s, const char *query) {
    char *v = local_value(s, query);
    long n = strtol(v, NULL, 10);
    free(v);
    return n;
}

static void add_project(env *e, const char *id, const char *owner, const char *name) {
    sql(e,
        "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('%s', '%s', "
        "'%s', '2025-01-02T03:04:05.678Z', '2025-01-02T03:04:05.6Z')",
        id, name, owner);
}

/* The store holds exactly `owner`'s projects as PostgreSQL has them, every column. */
static void assert_projects_match(env *e, syncspec_store *s, const char *owner) {
    char *remote = pg_value(
        e->pg.conn,
        "SELECT coalesce(string_agg(id::text || '|' || name || '|' || is_default::int || '|' || "
        "owner_id || '|' || to_char(created_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '|' || to_char(updated_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || '|' || coalesce(to_char(deleted_at AT TIME ZONE "
        "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '-'), ';' ORDER BY id), '') FROM projects "
        "WHERE owner_id = '%s'",
        owner);
    char *here = local_value(
        s, "SELECT coalesce(group_concat(x, ';'), '') FROM (SELECT id || '|' || name || '|' || "
           "is_default || '|' || owner_id || '|' || created_at || '|' || updated_at || '|' || "
           "coalesce(deleted_at, '-') AS x FROM projects ORDER BY id)");
    assert_non_null(remote);
    assert_string_equal(here, remote);
    free(remote);
    free(here);
}

/* ---- an in-process transport onto the server's protocol calls ---- */

typedef struct ps_transport {
    env *e;
    const char *user;
    int streams, write_checkpoints;
    int (*receive)(void *, const char *, size_t);
    void *receive_context;
    bool stopped; /* the receiver had enough */
} ps_transport;

/* Hands a line to the receiver in two pieces, so a line spans reads. */
static int forward_line(void *context, const char *line, size_t len) {
    ps_transport *t = context;
    size_t cut = len / 3;
    if (t->receive(t->receive_context, line, cut) ||
        t->receive(t->receive_context, line + cut, len - cut)) {
        t->stopped = true;
        return -1; /* the response is closed */
    }
    return 0;
}

static int64_t sequence(env *e) {
    syncspec_error err = {0};
    int64_t last = -1;
    if (syncspec_sync_sequence(e->server, e->api, &last, &err))
        fail_msg("sequence: %s", err.message);
    return last;
}

static syncspec_sync_stream *connect(env *e, const char *body, const char *user) {
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *s = NULL;
    syncspec_error err = {0};
    if (syncspec_sync_request_parse(&request, body, strlen(body), &err) ||
        syncspec_sync_stream_new(&s, e->server, user, request, &err))
        fail_msg("stream: %s", err.message);
    syncspec_sync_request_free(request);
    return s;
}

static int ps_stream(void *context, const char *body, int (*receive)(void *, const char *, size_t),
                     void *receive_context) {
    ps_transport *t = context;
    t->streams++;
    t->receive = receive;
    t->receive_context = receive_context;
    t->stopped = false;
    sequence(t->e);
    syncspec_sync_stream *s = connect(t->e, body, t->user);
    syncspec_error err = {0};
    int rc = syncspec_sync_stream_next(s, t->e->api, forward_line, t, &err);
    syncspec_sync_stream_free(s);
    return rc < 0 && !t->stopped ? -1 : 0;
}

static int ps_write_checkpoint(void *context, char **response, const char *client_id) {
    ps_transport *t = context;
    t->write_checkpoints++;
    syncspec_error err = {0};
    int64_t n = 0;
    if (syncspec_sync_write_checkpoint(t->e->server, t->e->api, t->user, client_id, &n, &err))
        return -1;
    *response = malloc(64);
    snprintf(*response, 64, "{\"data\":{\"write_checkpoint\":\"%" PRId64 "\"}}", n);
    return 0;
}

static int ps_upload(void *context, char **response, const char *body) {
    ps_transport *t = context;
    syncspec_error err = {0};
    return syncspec_server_upload(t->e->server, response, t->e->api, t->user, body, &err) ? -1 : 0;
}

static syncspec_transport transport_of(ps_transport *t) {
    syncspec_transport tr = {.upload = ps_upload,
                             .context = t,
                             .stream = ps_stream,
                             .write_checkpoint = ps_write_checkpoint};
    return tr;
}

static syncspec_sync_result sync_round(syncspec_store *s, ps_transport *t) {
    syncspec_transport tr = transport_of(t);
    syncspec_sync_result result;
    syncspec_error err = {0};
    int rc = syncspec_store_sync(s, &tr, 0, &result, &err);
    if (rc) fail_msg("sync: %d %s", rc, err.message);
    return result;
}

/* ---- against the server ---- */

static void test_first_sync_then_resume(void **state) {
    env *e = *state;
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    add_project(e, P("03"), "bob", "bob''s");
    syncspec_store *s = sync_env_store(e, &app, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    syncspec_sync_result r = sync_round(s, &t);
    assert_true(r.applied);
    assert_false(r.resynced);
    assert_projects_match(e, s, "alice");
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_oplog"), 0);
    /* Direct SQL writes: an update, a soft delete, a hard delete, a new row, an owner
     * change away (a REMOVE) and one to alice. */
    sql(e, "UPDATE projects SET name = 'ONE', is_default = true WHERE id = '%s'", P("01"));
    sql(e, "UPDATE projects SET deleted_at = '2025-02-03T04:05:06Z' WHERE id = '%s'", P("02"));
    add_project(e, P("04"), "alice", "four");
    sql(e, "UPDATE projects SET owner_id = 'alice' WHERE id = '%s'", P("03"));
    r = sync_round(s, &t);
    assert_true(r.applied);
    assert_projects_match(e, s, "alice");
    assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), 4);
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("04"));
    sql(e, "UPDATE projects SET owner_id = 'bob' WHERE id = '%s'", P("01"));
    r = sync_round(s, &t);
    assert_projects_match(e, s, "alice");
    assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), 2);
    /* Server rows never reach the upload queue; resuming sends the bucket's position. */
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_crud"), 0);
    char *body = NULL;
    syncspec_error err = {0};
    assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
    char *last = pg_value(e->pg.conn, "SELECT max(op_id) FROM syncspec_ops WHERE bucket = "
                                      "'user_data[\"alice\"]'");
    char expect[128];
    snprintf(expect, sizeof expect,
             "{\"buckets\":[{\"name\":\"user_data[\\\"alice\\\"]\",\"after\":\"%s\"}]", last);
    assert_memory_equal(body, expect, strlen(expect));
    assert_non_null(strstr(body, syncspec_store_device_id(s)));
    free(last);
    free(body);
    /* Nothing new: the next round applies an empty checkpoint. */
    int connections = t.streams;
    r = sync_round(s, &t);
    assert_true(r.applied);
    assert_int_equal(t.streams, connections + 1);
    assert_projects_match(e, s, "alice");
    syncspec_store_free(s);
}

/* A download fed by a stream the test drives, as a live connection is. */
typedef struct live {
    syncspec_download *d;
    syncspec_error err;
    int rc;
} live;

static int live_receive(void *context, const char *bytes, size_t len) {
    live *l = context;
    l->rc = syncspec_download_feed(l->d, bytes, len, &l->err);
    return l->rc != 0;
}

/* One `next` of the server's stream into the download; returns what `next` returned. */
static int live_next(env *e, syncspec_sync_stream *s, ps_transport *t, live *l) {
    syncspec_error err = {0};
    t->receive = live_receive;
    t->receive_context = l;
    sequence(e);
    int rc = syncspec_sync_stream_next(s, e->api, forward_line, t, &err);
    if (rc < 0 && !t->stopped) fail_msg("next: %s", err.message);
    return rc;
}

static syncspec_sync_stream *connect_store(env *e, syncspec_store *s, const char *user) {
    char *body = NULL;
    syncspec_error err = {0};
    if (syncspec_store_stream_request(s, &body, &err)) fail_msg("request: %s", err.message);
    syncspec_sync_stream *st = connect(e, body, user);
    free(body);
    return st;
}

static char *project_name(syncspec_store *s, const char *id) {
    char q[160];
    snprintf(q, sizeof q, "SELECT name FROM projects WHERE id = '%s'", id);
    return local_value(s, q);
}

/* A local write is uploaded, the server's write checkpoint awaited, and the download that
 * follows holds it; a checkpoint that arrives while a write is queued, or before the
 * awaited write checkpoint, is kept, not applied. */
static void test_uploads_and_write_checkpoints(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    syncspec_store *s = sync_env_store(e, &app, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    sync_round(s, &t);
    local(s,
          "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('%s', "
          "'mine', 'alice', '2025-03-04T05:06:07.000Z', '2025-03-04T05:06:07.000Z')",
          P("05"));
    sql(e, "UPDATE projects SET name = 'server' WHERE id = '%s'", P("01"));
    live l = {0};
    assert_int_equal(syncspec_download_new(&l.d, s, &err), 0);
    syncspec_sync_stream *st = connect_store(e, s, "alice");
    assert_int_equal(live_next(e, st, &t, &l), 1);
    assert_int_equal(l.rc, 0);
    assert_int_equal(syncspec_download_get_status(l.d).deferred, 1);
    assert_int_equal(syncspec_download_get_status(l.d).applied, 0);
    char *name = project_name(s, P("01"));
    assert_string_equal(name, "one");
    free(name);
    assert_true(local_long(s, "SELECT count(*) FROM syncspec_oplog") > 0);
    syncspec_sync_stream_free(st);
    syncspec_download_free(l.d);
    /* The round uploads, waits for the write checkpoint and applies both changes. */
    syncspec_sync_result r = sync_round(s, &t);
    assert_int_equal(r.uploaded, 1);
    assert_true(r.applied);
    assert_int_equal(t.write_checkpoints, 1);
    assert_projects_match(e, s, "alice");
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_crud"), 0);
    /* A write checkpoint the server has not reached holds every checkpoint back. */
    assert_int_equal(syncspec_store_wait_for_write_checkpoint(
                         s, "{\"data\":{\"write_checkpoint\":\"999999\"}}", &err),
                     0);
    sql(e, "UPDATE projects SET name = 'later' WHERE id = '%s'", P("01"));
    r = sync_round(s, &t);
    assert_false(r.applied);
    name = project_name(s, P("01"));
    assert_string_equal(name, "server");
    free(name);
    assert_int_equal(syncspec_store_wait_for_write_checkpoint(
                         s, "{\"data\":{\"write_checkpoint\":\"0\"}}", &err),
                     0);
    r = sync_round(s, &t);
    assert_true(r.applied);
    assert_projects_match(e, s, "alice");
    assert_int_equal(syncspec_store_wait_for_write_checkpoint(s, "{\"data\":{}}", &err),
                     SYNCSPEC_EINVALID);
    syncspec_store_free(s);
}

/* One connection kept open: each change arrives as a checkpoint_diff and is applied. */
static void test_live_stream(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    syncspec_store *s = sync_env_store(e, &app, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    live l = {0};
    assert_int_equal(syncspec_download_new(&l.d, s, &err), 0);
    syncspec_sync_stream *st = connect_store(e, s, "alice");
    assert_int_equal(live_next(e, st, &t, &l), 1);
    assert_projects_match(e, s, "alice");
    assert_int_equal(live_next(e, st, &t, &l), 0); /* nothing moved */
    for (int i = 2; i <= 4; i++) {
        char id[64], name[16];
        snprintf(id, sizeof id, P("%02d"), i);
        snprintf(name, sizeof name, "n%d", i);
        add_project(e, id, "alice", name);
        sql(e, "UPDATE projects SET name = name || '!' WHERE id = '%s'", P("01"));
        assert_int_equal(live_next(e, st, &t, &l), 1);
        assert_int_equal(l.rc, 0);
        assert_projects_match(e, s, "alice");
    }
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("02"));
    assert_int_equal(live_next(e, st, &t, &l), 1);
    assert_projects_match(e, s, "alice");
    assert_int_equal(syncspec_download_get_status(l.d).applied, 5);
    /* The token runs out: the download says to connect again. */
    assert_int_equal(syncspec_sync_keepalive(30, forward_line, &t, &err), 0);
    assert_int_equal(syncspec_download_get_status(l.d).expires_in, 30);
    assert_int_equal(syncspec_sync_keepalive(0, forward_line, &t, &err), SYNCSPEC_ERETRY);
    assert_int_equal(l.rc, SYNCSPEC_ERETRY);
    syncspec_sync_stream_free(st);
    syncspec_download_free(l.d);
    syncspec_store_free(s);
}

/* A wrong local bucket sum: the bucket is dropped and downloaded whole on the next
 * connection, which also restores rows changed behind the store's back. */
static void test_checksum_failure_resyncs(void **state) {
    env *e = *state;
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    syncspec_store *s = sync_env_store(e, &app, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    sync_round(s, &t);
    local(s, "UPDATE syncspec_buckets SET checksum = checksum + 1");
    add_project(e, P("03"), "alice", "three");
    int connections = t.streams;
    syncspec_sync_result r = sync_round(s, &t);
    assert_true(r.resynced);
    assert_true(r.applied);
    assert_int_equal(t.streams, connections + 2);
    assert_projects_match(e, s, "alice");
    /* A bare failure reported by the download itself. */
    local(s, "UPDATE syncspec_buckets SET checksum = checksum + 7");
    syncspec_download *d = NULL;
    syncspec_error err = {0};
    assert_int_equal(syncspec_download_new(&d, s, &err), 0);
    live l = {d, {0}, 0};
    syncspec_sync_stream *st = connect_store(e, s, "alice");
    live_next(e, st, &t, &l);
    assert_int_equal(l.rc, SYNCSPEC_ECHECKSUM);
    assert_non_null(strstr(l.err.message, "user_data[\"alice\"]"));
    syncspec_sync_stream_free(st);
    syncspec_download_free(d);
    char *body = NULL;
    assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
    assert_non_null(strstr(body, "\"after\":\"0\""));
    free(body);
    r = sync_round(s, &t);
    assert_true(r.applied);
    assert_projects_match(e, s, "alice");
    syncspec_store_free(s);
}

/* A store behind a compacted run gets the CLEAR and the bucket's rows again. */
static void test_compaction(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    syncspec_store *s = sync_env_store(e, &app, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    sync_round(s, &t);
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("01"));
    sequence(e);
    sql(e, "UPDATE projects SET name = 'TWO' WHERE id = '%s'", P("02"));
    sequence(e);
    add_project(e, P("03"), "alice", "three");
    sequence(e);
    int64_t removed = 0;
    assert_int_equal(syncspec_sync_compact(e->server, e->api, &removed, &err), 0);
    assert_true(removed > 0);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_ops WHERE op = 'CLEAR'"),
                     1);
    syncspec_sync_result r = sync_round(s, &t);
    assert_true(r.applied);
    assert_false(r.resynced);
    assert_projects_match(e, s, "alice");
    syncspec_store *fresh = sync_env_store(e, &app, "fresh", "alice");
    r = sync_round(fresh, &t);
    assert_true(r.applied);
    assert_projects_match(e, fresh, "alice");
    syncspec_store_free(fresh);
    syncspec_store_free(s);
}

/* Another user on the same store: the download state goes with the synced rows. */
static void test_account_switch(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "bob", "two");
    syncspec_store *s = sync_env_store(e, &app, "shared", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    sync_round(s, &t);
    assert_int_equal(syncspec_store_set_user(s, "bob", &err), 0);
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_buckets"), 0);
    char *body = NULL;
    assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
    assert_non_null(strstr(body, "{\"buckets\":[],"));
    free(body);
    t.user = "bob";
    sync_round(s, &t);
    assert_projects_match(e, s, "bob");
    syncspec_store_free(s);
}

/* The streams format: a bucket per table, and its value formats. */
static void test_streams_format(void **state) {
    env *e = *state;
    sql(e, "INSERT INTO \"order\" (id, user_id, code) VALUES ('o1', 'alice', 'ABC-1')");
    syncspec_store *s = sync_env_store(e, &streams, "alice", "alice");
    ps_transport t = {e, "alice", 0, 0, NULL, NULL, false};
    syncspec_sync_result r = sync_round(s, &t);
    assert_true(r.applied);
    char *v = local_value(s, "SELECT id || '|' || user_id || '|' || placed_at || '|' || total "
                             "|| '|' || typeof(total) || '|' || meta || '|' || code || '|' || "
                             "priority || '|' || typeof(priority) FROM \"order\"");
    assert_string_equal(v, "o1|alice|2025-01-02T03:04:05.678Z|0.25|real|{\"a\": null, \"b\": [1, "
                           "2]}|ABC-1|2|integer");
    free(v);
    syncspec_error err = {0};
    char *body = NULL;
    assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
    assert_non_null(strstr(body, "|0[\\\"alice\\\"]"));
    free(body);
    syncspec_store_free(s);
}

/* ---- lines in the PowerSync Service's format ---- */

#define ROW(id, name, ts)                                                                          \
    "\"{\\\"id\\\":\\\"" id "\\\",\\\"name\\\":\\\"" name "\\\",\\\"is_default\\\":1,"             \
    "\\\"owner_id\\\":\\\"alice\\\",\\\"created_at\\\":\\\"" ts "\\\",\\\"updated_at\\\":\\\"" ts  \
    "\\\",\\\"deleted_at\\\":null}\""
#define PUT(op, id, sum, name)                                                                     \
    "{\"op_id\":\"" op "\",\"op\":\"PUT\",\"object_type\":\"projects\",\"object_id\":\"" id        \
    "\",\"checksum\":" sum                                                                         \
    ",\"subkey\":null,\"data\":" ROW(id, name, "2025-01-02 03:04:05.6Z") "}"
#define REMOVE(op, id, sum)                                                                        \
    "{\"op_id\":\"" op "\",\"op\":\"REMOVE\",\"object_type\":\"projects\",\"object_id\":\"" id     \
    "\",\"checksum\":" sum "}"

/* Rows in bucket a and b; b leaves while a keeps one of its rows; a REMOVE; a CLEAR; a
 * checksum sum that wraps (4294967295 + 5 + 7 + 4 = 15 as u32); MOVE; lines to ignore. */
static const char transcript[] =
    "{\"checkpoint\":{\"last_op_id\":\"7\",\"write_checkpoint\":null,\"buckets\":["
    "{\"bucket\":\"a\",\"checksum\":15,\"priority\":3,\"count\":4},"
    "{\"bucket\":\"b\",\"checksum\":6,\"priority\":3,\"count\":3}]}}\n"
    "{\"data\":{\"bucket\":\"a\",\"data\":[" PUT("1", P("01"), "4294967295", "one") "," PUT(
        "2", P("02"), "5",
        "two") "," PUT("3", P("01"), "7",
                       "ONE") "]}}\n"
                              "{\"data\":{\"bucket\":\"b\",\"data\":[" PUT(
                                  "4", P("03"), "1",
                                  "three") ",{\"op_id\":\"5\",\"op\":\"MOVE\","
                                           "\"checksum\":2}," PUT(
                                               "6", P("05"), "3",
                                               "five") "]}}\n"
                                                       "{\"data\":{\"bucket\":\"a\",\"data\":[" PUT(
                                                           "7", P("05"), "4",
                                                           "five") "]}}\n"
                                                                   "{\"partial_checkpoint_"
                                                                   "complete\":{\"last_op_id\":"
                                                                   "\"7\",\"priority\":1}}\n"
                                                                   "{\"a_line_from_the_future\":{}}"
                                                                   "\n"
                                                                   "\r\n"
                                                                   "{\"checkpoint_complete\":{"
                                                                   "\"last_op_id\":\"7\"}}\n"
                                                                   "{\"token_expires_in\":60}\n"
                                                                   "{\"checkpoint_diff\":{\"last_"
                                                                   "op_id\":\"9\",\"write_"
                                                                   "checkpoint\":\"1\",\"updated_"
                                                                   "buckets\":["
                                                                   "{\"bucket\":\"a\",\"checksum\":"
                                                                   "25,\"count\":5}],\"removed_"
                                                                   "buckets\":[\"b\"]}}\n"
                                                                   "{\"data\":{\"bucket\":\"a\","
                                                                   "\"data\":[" REMOVE(
                                                                       "8", P("02"),
                                                                       "10") "]}}\n"
                                                                             "{\"checkpoint_"
                                                                             "complete\":{\"last_"
                                                                             "op_id\":\"9\"}}\n"
                                                                             "{\"checkpoint_diff\":"
                                                                             "{\"last_op_id\":"
                                                                             "\"11\",\"write_"
                                                                             "checkpoint\":\"1\","
                                                                             "\"updated_buckets\":["
                                                                             "{\"bucket\":\"a\","
                                                                             "\"checksum\":100,"
                                                                             "\"count\":2}],"
                                                                             "\"removed_buckets\":["
                                                                             "]}}\n"
                                                                             "{\"data\":{"
                                                                             "\"bucket\":\"a\","
                                                                             "\"data\":[{\"op_id\":"
                                                                             "\"10\",\"op\":"
                                                                             "\"CLEAR\","
                                                                             "\"checksum\":90},"
                                                                             "" PUT(
                                                                                 "11", P("04"),
                                                                                 "10",
                                                                                 "four") "]}}\n"
                                                                                         "{\"checkp"
                                                                                         "oint_"
                                                                                         "complete"
                                                                                         "\":{"
                                                                                         "\"last_"
                                                                                         "op_id\":"
                                                                                         "\"11\"}}"
                                                                                         "\n";

static char *project_ids(syncspec_store *s) {
    return local_value(s, "SELECT group_concat(substr(id, 35) || '=' || name, ',') FROM (SELECT "
                          "* FROM projects ORDER BY id)");
}

/* Feeds `text` in pieces of `piece` bytes; returns the first failure, or 0. */
static int feed(syncspec_download *d, const char *text, size_t piece, syncspec_error *err) {
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i += piece) {
        int rc = syncspec_download_feed(d, text + i, i + piece > n ? n - i : piece, err);
        if (rc) return rc;
    }
    return 0;
}

static void test_service_lines(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    size_t pieces[] = {1, 7, sizeof transcript};
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
        char name[16];
        snprintf(name, sizeof name, "lines%zu", k);
        syncspec_store *s = sync_env_store(e, &app, name, "alice");
        syncspec_download *d = NULL;
        assert_int_equal(syncspec_download_new(&d, s, &err), 0);
        /* Up to the first checkpoint_complete. */
        const char *second = strstr(transcript, "{\"token_expires_in\"");
        char *first = strndup(transcript, (size_t)(second - transcript));
        assert_int_equal(feed(d, first, pieces[k], &err), 0);
        free(first);
        char *ids = project_ids(s);
        assert_string_equal(ids, "01=ONE,02=two,03=three,05=five");
        free(ids);
        char *ts = local_value(s, "SELECT created_at || is_default FROM projects LIMIT 1");
        assert_string_equal(ts, "2025-01-02T03:04:05.600Z1");
        free(ts);
        assert_int_equal(feed(d, second, pieces[k], &err), 0);
        ids = project_ids(s);
        assert_string_equal(ids, "04=four");
        free(ids);
        syncspec_download_status st = syncspec_download_get_status(d);
        assert_int_equal(st.applied, 3);
        assert_int_equal(st.ops, 10);
        assert_int_equal(st.expires_in, 60);
        char *body = NULL;
        assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
        assert_non_null(strstr(body, "{\"buckets\":[{\"name\":\"a\",\"after\":\"11\"}],"));
        free(body);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_crud"), 0);
        syncspec_download_free(d);
        syncspec_store_free(s);
    }
}

/* Each bad line fails precisely, and the store keeps what it had. */
static void test_bad_lines(void **state) {
    env *e = *state;
    static const struct {
        const char *lines;
        int rc;
        const char *message;
    } cases[] = {
        {"not json\n", SYNCSPEC_EINVALID, "not a JSON object"},
        {"[1]\n", SYNCSPEC_EINVALID, "not a JSON object"},
        {"{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}\n", SYNCSPEC_EINVALID,
         "before a checkpoint"},
        {"{\"checkpoint_diff\":{\"last_op_id\":\"1\",\"updated_buckets\":[]}}\n", SYNCSPEC_EINVALID,
         "before a checkpoint"},
        {"{\"checkpoint\":{\"last_op_id\":\"x\",\"buckets\":[]}}\n", SYNCSPEC_EINVALID,
         "without last_op_id"},
        {"{\"checkpoint\":{\"last_op_id\":\"1\",\"buckets\":[{\"bucket\":\"a\"}]}}\n",
         SYNCSPEC_EINVALID, "without a name or checksum"},
        {"{\"data\":{\"bucket\":\"a\",\"data\":[{\"op_id\":\"1\",\"op\":\"FOO\",\"checksum\":1}]}}"
         "\n",
         SYNCSPEC_EINVALID, "a known op"},
        {"{\"data\":{\"bucket\":\"a\",\"data\":[{\"op_id\":\"-1\",\"op\":\"MOVE\",\"checksum\":1}"
         "]}}\n",
         SYNCSPEC_EINVALID, "without op_id"},
        {"{\"data\":{\"bucket\":\"a\",\"data\":[{\"op_id\":\"1\",\"op\":\"PUT\",\"checksum\":1,"
         "\"object_type\":\"projects\",\"object_id\":\"x\"}]}}\n",
         SYNCSPEC_EINVALID, "its row"},
        {"{\"checkpoint\":{\"last_op_id\":\"1\",\"buckets\":[{\"bucket\":\"a\",\"checksum\":1}]}}\n"
         "{\"data\":{\"bucket\":\"a\",\"data\":[{\"op_id\":\"1\",\"op\":\"PUT\",\"checksum\":1,"
         "\"object_type\":\"projects\",\"object_id\":\"x\",\"data\":\"[1]\"}]}}\n"
         "{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}\n",
         SYNCSPEC_EINVALID, "is not a JSON object"},
        {"{\"token_expires_in\":\"soon\"}\n", SYNCSPEC_EINVALID, "not an integer"},
        {"{\"token_expires_in\":-5}\n", SYNCSPEC_ERETRY, "token expired"},
        {"{\"checkpoint\":{\"last_op_id\":\"1\",\"buckets\":[{\"bucket\":\"a\",\"checksum\":2}]}}\n"
         "{\"data\":{\"bucket\":\"a\",\"data\":[" PUT(
             "1", P("09"), "1", "nine") "]}}\n"
                                        "{\"checkpoint_complete\":{\"last_op_id\":\"1\"}}\n",
         SYNCSPEC_ECHECKSUM, "checksum of bucket a: 1 here, 2 on the server"},
    };
    syncspec_store *s = sync_env_store(e, &app, "bad", "alice");
    local(s,
          "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('%s', "
          "'kept', 'alice', '2025-03-04T05:06:07.000Z', '2025-03-04T05:06:07.000Z')",
          P("01"));
    local(s, "DELETE FROM syncspec_crud");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        syncspec_download *d = NULL;
        syncspec_error err = {0};
        local(s, "DELETE FROM syncspec_oplog"); /* what an earlier case kept */
        assert_int_equal(syncspec_download_new(&d, s, &err), 0);
        int rc = feed(d, cases[i].lines, 5, &err);
        if (rc != cases[i].rc || !strstr(err.message, cases[i].message))
            fail_msg("case %zu: %d %s", i, rc, err.message);
        syncspec_download_free(d);
        char *ids = project_ids(s);
        assert_string_equal(ids, "01=kept");
        free(ids);
    }
    /* After the checksum failure the bucket is asked for from the start. */
    char *body = NULL;
    syncspec_error err = {0};
    assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
    assert_non_null(strstr(body, "{\"buckets\":[{\"name\":\"a\",\"after\":\"0\"}],"));
    free(body);
    syncspec_store_free(s);
}

/* ---- a download killed at any moment ---- */

enum { KILL_ROWS = 5000 };

static void sync_append(syncspec_buffer *b, const char *s) {
    if (syncspec_buffer_append(b, s, strlen(s))) fail_msg("out of memory");
}

/* One checkpoint of KILL_ROWS projects in bucket a, each op's checksum 1. malloc'd. */
static char *big_checkpoint(void) {
    syncspec_buffer b = {0};
    char line[512];
    snprintf(line, sizeof line,
             "{\"checkpoint\":{\"last_op_id\":\"%d\",\"write_checkpoint\":null,\"buckets\":[{"
             "\"bucket\":\"a\",\"checksum\":%d,\"count\":%d}]}}\n",
             KILL_ROWS, KILL_ROWS, KILL_ROWS);
    syncspec_buffer_append(&b, line, strlen(line));
    for (int i = 1; i <= KILL_ROWS; i++) {
        if (i % 1000 == 1) sync_append(&b, "{\"data\":{\"bucket\":\"a\",\"data\":[");
        snprintf(line, sizeof line,
                 "{\"op_id\":\"%d\",\"op\":\"PUT\",\"object_type\":\"projects\",\"object_id\":"
                 "\"p%06d\",\"checksum\":1,\"data\":\"{\\\"name\\\":\\\"row "
                 "%d\\\",\\\"is_default\\\":0,\\\"owner_id\\\":"
                 "\\\"alice\\\",\\\"created_at\\\":\\\"2025-01-02 03:04:05Z\\\",\\\"updated_at\\\":"
                 "\\\"2025-01-02 03:04:05Z\\\"}\"}%s",
                 i, i, i, i % 1000 == 0 || i == KILL_ROWS ? "]}}\n" : ",");
        syncspec_buffer_append(&b, line, strlen(line));
    }
    snprintf(line, sizeof line, "{\"checkpoint_complete\":{\"last_op_id\":\"%d\"}}\n", KILL_ROWS);
    syncspec_buffer_append(&b, line, strlen(line));
    syncspec_buffer_append(&b, "", 1);
    return b.data;
}

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Feeds the checkpoint into the store `name` in a child process, killed with SIGKILL after
 * `after_ms` (never, when negative), holding received ops in memory or (`keep_lines`)
 * keeping each line in the store as it arrives. Returns the child's run time in ms. */
static double feed_in_child(env *e, const char *name, const char *text, double after_ms,
                            bool keep_lines) {
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        syncspec_store *s = sync_env_store(e, &app, name, "alice");
        syncspec_download *d = NULL;
        syncspec_error err = {0};
        int rc = s ? syncspec_download_new(&d, s, &err) : -1;
        if (rc == 0 && keep_lines) syncspec_download_set_hold_bytes(d, 0);
        if (rc == 0) rc = feed(d, text, 65536, &err);
        if (rc) fprintf(stderr, "download: %s\n", err.message);
        _exit(rc == 0 && syncspec_download_get_status(d).applied == 1 ? 0 : 1);
    }
    int status = 0;
    if (after_ms >= 0) {
        struct timespec pause = {(time_t)(after_ms / 1000),
                                 (long)((after_ms - (long)(after_ms / 1000) * 1000) * 1e6)};
        nanosleep(&pause, NULL);
        kill(pid, SIGKILL);
    }
    waitpid(pid, &status, 0);
    if (after_ms < 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        fail_msg("the download in the child failed (status %d)", status);
    return now_ms() - t0;
}

static void test_killed_download_reopens_consistent(void **state) {
    env *e = *state;
    char *text = big_checkpoint();
    double full = feed_in_child(e, "whole", text, -1, false);
    for (int k = 1; k <= 6; k++) {
        char name[32];
        snprintf(name, sizeof name, "killed%d", k);
        feed_in_child(e, name, text, full * k / 7, k % 2 == 0);
        syncspec_store *s = sync_env_store(e, &app, name, "alice");
        assert_non_null(s);
        long rows = local_long(s, "SELECT count(*) FROM projects");
        long buckets = local_long(s, "SELECT count(*) FROM syncspec_buckets");
        /* All of the checkpoint or none of it, and the state says which. */
        if (!((rows == 0 && buckets == 0) || (rows == KILL_ROWS && buckets == 1)))
            fail_msg("killed at %d/7: %ld rows, %ld buckets", k, rows, buckets);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_crud"), 0);
        /* Connecting again completes it, with every checksum right. */
        syncspec_download *d = NULL;
        syncspec_error err = {0};
        assert_int_equal(syncspec_download_new(&d, s, &err), 0);
        if (feed(d, text, 65536, &err)) fail_msg("after the kill: %s", err.message);
        syncspec_download_free(d);
        assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT checksum FROM syncspec_buckets"), KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_oplog"), 0);
        syncspec_store_free(s);
    }
    free(text);
}

/* ---- rows upserted in batches ---- */

/* A store `name` of alice's, and a download into it that holds `hold` bytes (SIZE_MAX: as
 * many as it holds unless told). */
static syncspec_download *open_download(env *e, const char *name, size_t hold,
                                        syncspec_store **store) {
    syncspec_error err = {0};
    syncspec_download *d = NULL;
    *store = sync_env_store(e, &app, name, "alice");
    assert_non_null(*store);
    if (syncspec_download_new(&d, *store, &err)) fail_msg("download: %s", err.message);
    if (hold != SIZE_MAX) syncspec_download_set_hold_bytes(d, hold);
    return d;
}

/*
 * Rows are upserted in batches. A batch in which one row clashes on a unique key other than
 * id with a local row (here one written around the capture) is undone by SQLite and run
 * again row by row: the local row gives way, every row of the batch arrives, and the
 * batches before and after it are unaffected.
 */
static void test_batch_with_a_clashing_row(void **state) {
    env *e = *state;
    enum { LINKS = 130, CLASHING = 57 };
    syncspec_store *s = NULL;
    syncspec_download *d = open_download(e, "clash", SIZE_MAX, &s);
    local(s, "INSERT INTO document_groups (id, document_id, group_id, created_at, updated_at) "
             "VALUES ('local', 'd%03d', 'g', '2025-01-02T03:04:05.000Z', "
             "'2025-01-02T03:04:05.000Z'); DELETE FROM syncspec_crud",
          CLASHING);
    syncspec_buffer b = {0};
    char line[512];
    snprintf(line, sizeof line,
             "{\"checkpoint\":{\"last_op_id\":\"%d\",\"buckets\":[{\"bucket\":\"a\","
             "\"checksum\":%d}]}}\n{\"data\":{\"bucket\":\"a\",\"data\":[",
             LINKS, LINKS);
    sync_append(&b, line);
    for (int i = 1; i <= LINKS; i++) {
        snprintf(line, sizeof line,
                 "%s{\"op_id\":\"%d\",\"op\":\"PUT\",\"object_type\":\"document_groups\","
                 "\"object_id\":\"l%03d\",\"checksum\":1,\"data\":{\"document_id\":\"d%03d\","
                 "\"group_id\":\"g\",\"owner_id\":\"alice\",\"created_at\":"
                 "\"2025-01-02T03:04:05Z\",\"updated_at\":\"2025-01-02T03:04:05Z\"}}",
                 i > 1 ? "," : "", i, i, i);
        sync_append(&b, line);
    }
    snprintf(line, sizeof line, "]}}\n{\"checkpoint_complete\":{\"last_op_id\":\"%d\"}}\n",
             LINKS);
    sync_append(&b, line);
    syncspec_error err = {0};
    if (feed(d, b.data, 65536, &err)) fail_msg("download: %s", err.message);
    assert_int_equal(syncspec_download_get_status(d).applied, 1);
    assert_int_equal(local_long(s, "SELECT count(*) FROM document_groups"), LINKS);
    assert_int_equal(local_long(s, "SELECT count(*) FROM document_groups WHERE id = 'l' || "
                                   "substr(document_id, 2) AND owner_id = 'alice'"),
                     LINKS);
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_bucket_rows"), LINKS);
    assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_crud"), 0);
    syncspec_download_free(d);
    syncspec_buffer_free(&b);
    syncspec_store_free(s);
}

/* ---- ops held in memory, kept in the store, or both ---- */

/* Names that only escapes spell in a line, as a string row and as an object row. */
static const char escaped_lines[] =
    "{\"checkpoint\":{\"last_op_id\":\"3\",\"buckets\":[{\"bucket\":\"b\\\"q\",\"checksum\":6}]}}\n"
    "{\"data\":{\"bucket\":\"b\\\"q\",\"data\":[{\"op_id\":\"1\",\"op\":\"PUT\",\"object_type\":"
    "\"projects\",\"object_id\":\"" P("01") "\",\"checksum\":1,\"data\":\"{\\\"name\\\":"
    "\\\"q\\\\\\\"b\\\\\\\\s\\\\u00e9\\\\ud83c\\\\udf89\\\",\\\"is_default\\\":0,"
    "\\\"owner_id\\\":\\\"alice\\\",\\\"created_at\\\":"
    "\\\"2025-01-02T03:04:05Z\\\",\\\"updated_at\\\":\\\"2025-01-02T03:04:05Z\\\"}\"}]}}\n"
    "{\"data\":{\"bucket\":\"b\\\"q\",\"data\":[{\"op_id\":\"2\",\"op\":\"PUT\",\"object_type\":"
    "\"proj\\u0065cts\",\"object_id\":\"" P("02") "\",\"checksum\":2,\"data\":{\"name\":"
    "\"tab\\there\",\"is_default\":1,\"owner_id\":\"alice\","
    "\"created_at\":\"2025-01-02T03:04:05Z\",\"updated_at\":\"2025-01-02T03:04:05Z\"}},"
    "{\"op_id\":\"3\",\"op\":\"MOVE\",\"checksum\":3}]}}\n"
    "{\"checkpoint_complete\":{\"last_op_id\":\"3\"}}\n";

/*
 * The same lines applied with their ops held in memory (the default), with each line kept
 * in the store as it arrives (a bound of 0), and with a bound one line passes, so a
 * checkpoint applies lines kept in the store and then lines held: the same rows, every
 * escape decoded once.
 */
static void test_held_and_kept_lines(void **state) {
    env *e = *state;
    char *big = big_checkpoint();
    /* A line of the big checkpoint holds about 150 kB of ops: with a bound of 200 kB, the
     * first four lines are kept in the store in pairs, and the fifth is held. */
    const size_t bounds[] = {SIZE_MAX, 0, 200000};
    const long kept_lines[] = {0, KILL_ROWS / 1000, KILL_ROWS / 1000 - 1};
    char *first = NULL;
    for (size_t i = 0; i < sizeof bounds / sizeof *bounds; i++) {
        char name[32];
        snprintf(name, sizeof name, "held%zu", i);
        syncspec_store *s = NULL;
        syncspec_download *d = open_download(e, name, bounds[i], &s);
        syncspec_error err = {0};
        if (feed(d, escaped_lines, 7, &err)) fail_msg("bound %zu: %s", bounds[i], err.message);
        assert_int_equal(syncspec_download_get_status(d).applied, 1);
        char *ids = project_ids(s);
        if (!first) {
            assert_string_equal(ids, "01=q\"b\\s\xc3\xa9\xf0\x9f\x8e\x89,02=tab\there");
            first = strdup(ids);
        }
        assert_string_equal(ids, first);
        free(ids);
        assert_int_equal(local_long(s, "SELECT checksum FROM syncspec_buckets"), 6);
        syncspec_download_free(d);
        syncspec_store_free(s);
        /* Thousands of ops, in lines of a thousand. */
        snprintf(name, sizeof name, "held_big%zu", i);
        d = open_download(e, name, bounds[i], &s);
        const char *last_line = strstr(big, "{\"checkpoint_complete\"");
        assert_int_equal(syncspec_download_feed(d, big, (size_t)(last_line - big), &err), 0);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_oplog"), kept_lines[i]);
        if (feed(d, last_line, 65536, &err)) fail_msg("bound %zu: %s", bounds[i], err.message);
        assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_bucket_rows WHERE bucket "
                                       "= 'a' AND type = 'projects' AND row_id IN (SELECT id "
                                       "FROM projects)"),
                         KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT checksum FROM syncspec_buckets"), KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT count(*) FROM syncspec_oplog"), 0);
        syncspec_download_free(d);
        syncspec_store_free(s);
    }
    free(first);
    free(big);
}

/*
 * A response that ends halfway through a checkpoint: syncspec_download_keep keeps what was
 * held, the next request asks for what follows it, and the next response completes it.
 * Freed without keeping, the held ops are simply asked for again.
 */
static void test_keep_after_an_incomplete_response(void **state) {
    env *e = *state;
    char *big = big_checkpoint();
    /* The checkpoint line and the first two data lines (ops 1 to 2000). */
    const char *cut = big;
    for (int lines = 0; lines < 3; lines++) cut = strchr(cut, '\n') + 1;
    const char *checkpoint_end = strchr(big, '\n') + 1;
    for (int keep = 1; keep >= 0; keep--) {
        char name[32];
        snprintf(name, sizeof name, "resume%d", keep);
        syncspec_store *s = NULL;
        syncspec_download *d = open_download(e, name, SIZE_MAX, &s);
        syncspec_error err = {0};
        char *body = NULL;
        assert_int_equal(syncspec_download_feed(d, big, (size_t)(cut - big), &err), 0);
        if (keep) assert_int_equal(syncspec_download_keep(d, &err), 0);
        syncspec_download_free(d);
        assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), 0);
        assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
        assert_non_null(strstr(body, keep ? "{\"name\":\"a\",\"after\":\"2000\"}"
                                          : "{\"buckets\":[],"));
        free(body);
        /* The server answers from there: the checkpoint again, then what follows. */
        syncspec_buffer rest = {0};
        syncspec_buffer_append(&rest, big, (size_t)(checkpoint_end - big));
        const char *from = keep ? cut : checkpoint_end;
        syncspec_buffer_append(&rest, from, strlen(from));
        assert_int_equal(syncspec_download_new(&d, s, &err), 0);
        if (feed(d, rest.data, 4096, &err)) fail_msg("resumed: %s", err.message);
        assert_int_equal(syncspec_download_get_status(d).applied, 1);
        assert_int_equal(syncspec_download_get_status(d).ops, keep ? KILL_ROWS - 2000 : KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT count(*) FROM projects"), KILL_ROWS);
        assert_int_equal(local_long(s, "SELECT checksum FROM syncspec_buckets"), KILL_ROWS);
        syncspec_download_free(d);
        syncspec_buffer_free(&rest);
        syncspec_store_free(s);
    }
    free(big);
}

int main(void) {
    if (fixture_load(&app, "schemas/app.yaml") != 0 ||
        fixture_load(&streams, "tests/golden/streams/spec.yaml") != 0) {
        fprintf(stderr, "cannot load the specs (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_sync_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uploads_and_write_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_live_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checksum_failure_resyncs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_switch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_format, setup_streams, teardown),
        cmocka_unit_test_setup_teardown(test_service_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_and_kept_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_with_a_clashing_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_after_an_incomplete_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_download_reopens_consistent, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&app);
    fixture_unload(&streams);
    return failed;
}

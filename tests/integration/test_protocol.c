/*
 * The PowerSync sync protocol served from PostgreSQL (syncspec/protocol.h), on the real
 * PostgreSQL 15 that tests/run.sh starts, a fresh database per test, read by a client that
 * keeps bucket ops and checksums as the protocol defines (powersync_client.h): first sync
 * and resumption with `after`, live changes from direct SQL, REMOVE on delete and owner
 * change, soft-deleted rows kept, a transaction that began first and committed last,
 * write checkpoints (a stale checkpoint never reverts an upload), compaction (checksums
 * kept, a client behind it gets a CLEAR and the rows again), both sync formats and their
 * value formats, and bad requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sync/fixture.h"

/* These two use the fixture's types. */
#include "sync/cmocka_env.h"
#include "sync/powersync_client.h"

static sync_sql app, streams, custom;

#define P(n) "11111111-0000-4000-8000-0000000000" n /* a project */

static int setup(void **state) { return setup_with(state, &app); }
static int setup_streams(void **state) { return setup_with(state, &streams); }
static int setup_custom(void **state) { return setup_with(state, &custom); }

static void add_project(env *e, const char *id, const char *owner, const char *name) {
    sql(e,
        "INSERT INTO projects (id, name, owner_id, created_at, updated_at) VALUES ('%s', '%s', "
        "'%s', '2025-01-02T03:04:05.678Z', '2025-01-02T03:04:05.6Z')",
        id, name, owner);
}

static int64_t sequence(env *e) {
    syncspec_error err = {0};
    int64_t last = -1;
    if (syncspec_sync_sequence(e->server, e->api, &last, &err))
        fail_msg("sequence: %s", err.message);
    return last;
}

/* A stream for `user` resuming from what the client has. */
static syncspec_sync_stream *connect(env *e, const ps_client *c, const char *user) {
    char *body = ps_client_request(c);
    syncspec_sync_request *request = NULL;
    syncspec_sync_stream *s = NULL;
    syncspec_error err = {0};
    if (syncspec_sync_request_parse(&request, body, strlen(body), &err) ||
        syncspec_sync_stream_new(&s, e->server, user, request, &err))
        fail_msg("stream: %s", err.message);
    syncspec_sync_request_free(request);
    free(body);
    return s;
}

/* One `next` call; returns what it returned (1: a checkpoint was written). */
static int next(env *e, syncspec_sync_stream *s, ps_client *c) {
    syncspec_error err = {0};
    int rc = syncspec_sync_stream_next(s, e->api, ps_client_line, c, &err);
    if (rc < 0) fail_msg("next: %s", err.message);
    return rc;
}

/* Connects, takes one checkpoint and disconnects. */
static void sync_once(env *e, ps_client *c, const char *user) {
    syncspec_sync_stream *s = connect(e, c, user);
    next(e, s, c);
    syncspec_sync_stream_free(s);
}

static const char *row_text(const ps_client *c, const char *type, const char *id, const char *col,
                            char *out, size_t size) {
    json_t *row = ps_client_row(c, type, id);
    json_t *v = json_object_get(row, col);
    if (!row)
        snprintf(out, size, "<absent>");
    else if (json_is_string(v))
        snprintf(out, size, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_null(v))
        snprintf(out, size, "null");
    else
        snprintf(out, size, "<other>");
    json_decref(row);
    return out;
}
#define ROW(c, type, id, col) row_text(c, type, id, col, (char[256]){0}, 256)

/* The client sees exactly `owner`'s projects, as PostgreSQL has them now. */
static void assert_projects_match(env *e, const ps_client *c, const char *owner) {
    char query[256];
    snprintf(query, sizeof query, "SELECT id, name FROM projects WHERE owner_id = '%s' ORDER BY id",
             owner);
    PGresult *r = PQexec(e->pg.conn, query);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    size_t seen = 0;
    const char *key;
    json_t *v;
    json_object_foreach(c->visible, key, v) seen += strncmp(key, "projects/", 9) == 0;
    assert_int_equal(seen, (size_t)PQntuples(r));
    for (int i = 0; i < PQntuples(r); i++)
        assert_string_equal(ROW(c, "projects", PQgetvalue(r, i, 0), "name"), PQgetvalue(r, i, 1));
    PQclear(r);
}

static void test_first_sync_then_resume(void **state) {
    env *e = *state;
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    add_project(e, P("03"), "bob", "bob''s \\ \"quote\" \u00e9");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    syncspec_sync_stream *s = connect(e, &c, "alice");
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(c.applied, 1);
    assert_int_equal(c.checksum_failures, 0);
    assert_projects_match(e, &c, "alice");
    /* The row as the PowerSync Service sends it for bucket_definitions. */
    assert_string_equal(ROW(&c, "projects", P("01"), "is_default"), "0");
    assert_string_equal(ROW(&c, "projects", P("01"), "created_at"), "2025-01-02 03:04:05.678Z");
    assert_string_equal(ROW(&c, "projects", P("01"), "updated_at"), "2025-01-02 03:04:05.6Z");
    assert_string_equal(ROW(&c, "projects", P("01"), "deleted_at"), "null");
    assert_non_null(json_object_get(c.buckets, "user_data[\"alice\"]"));
    assert_int_equal(next(e, s, &c), 0); /* nothing moved: nothing written */
    int lines = c.lines;
    assert_int_equal(next(e, s, &c), 0);
    assert_int_equal(c.lines, lines);
    /* Live: a direct SQL write, sequenced, reaches the open stream as a diff. */
    sql(e, "UPDATE projects SET name = 'ONE' WHERE id = '%s'", P("01"));
    sequence(e);
    int ops = c.ops;
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(c.ops - ops, 1);
    assert_string_equal(ROW(&c, "projects", P("01"), "name"), "ONE");
    syncspec_sync_stream_free(s);
    /* A reconnect with `after` receives only the newer ops. */
    sql(e, "UPDATE projects SET name = 'TWO' WHERE id = '%s'", P("02"));
    add_project(e, P("04"), "alice", "four");
    sql(e, "UPDATE projects SET name = 'bob2' WHERE id = '%s'", P("03"));
    sequence(e);
    ops = c.ops;
    sync_once(e, &c, "alice");
    assert_int_equal(c.ops - ops, 2);
    assert_int_equal(c.applied, 3);
    assert_int_equal(c.checksum_failures, 0);
    assert_projects_match(e, &c, "alice");
    /* A new client gets the same rows; bob gets his and nothing of alice's. */
    ps_client fresh, bob;
    ps_client_init(&fresh);
    ps_client_init(&bob);
    sync_once(e, &fresh, "alice");
    assert_true(json_equal(fresh.visible, c.visible));
    sync_once(e, &bob, "bob");
    assert_projects_match(e, &bob, "bob");
    assert_int_equal(json_object_size(bob.visible), 1);
    ps_client_free(&fresh);
    ps_client_free(&bob);
    ps_client_free(&c);
}

static void test_remove_owner_change_soft_delete(void **state) {
    env *e = *state;
    add_project(e, P("01"), "alice", "gone");
    add_project(e, P("02"), "alice", "given");
    add_project(e, P("03"), "alice", "soft");
    sequence(e);
    ps_client a, b;
    ps_client_init(&a);
    ps_client_init(&b);
    syncspec_sync_stream *sa = connect(e, &a, "alice"), *sb = connect(e, &b, "bob");
    assert_int_equal(next(e, sa, &a), 1);
    assert_int_equal(next(e, sb, &b), 1);
    assert_int_equal(json_object_size(a.visible), 3);
    assert_int_equal(json_object_size(b.visible), 0);
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("01"));
    sql(e, "UPDATE projects SET owner_id = 'bob' WHERE id = '%s'", P("02"));
    sql(e, "UPDATE projects SET deleted_at = '2025-02-03T04:05:06Z' WHERE id = '%s'", P("03"));
    sequence(e);
    assert_int_equal(next(e, sa, &a), 1);
    assert_int_equal(next(e, sb, &b), 1);
    assert_int_equal(a.removes, 2);
    assert_string_equal(ROW(&a, "projects", P("01"), "name"), "<absent>");
    assert_string_equal(ROW(&a, "projects", P("02"), "name"), "<absent>");
    assert_string_equal(ROW(&a, "projects", P("03"), "deleted_at"), "2025-02-03 04:05:06Z");
    assert_string_equal(ROW(&b, "projects", P("02"), "owner_id"), "bob");
    assert_projects_match(e, &a, "alice");
    assert_projects_match(e, &b, "bob");
    assert_int_equal(a.checksum_failures + b.checksum_failures, 0);
    syncspec_sync_stream_free(sa);
    syncspec_sync_stream_free(sb);
    ps_client_free(&a);
    ps_client_free(&b);
}

/* A client whose bucket went wrong drops it at the next checkpoint and, reconnecting
 * without it, receives it whole. */
static void test_wrong_checksum_recovers(void **state) {
    env *e = *state;
    add_project(e, P("01"), "alice", "one");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    syncspec_sync_stream *s = connect(e, &c, "alice");
    assert_int_equal(next(e, s, &c), 1);
    json_t *b = json_object_get(c.buckets, "user_data[\"alice\"]");
    json_object_set_new(b, "sum", json_integer(json_integer_value(json_object_get(b, "sum")) + 1));
    add_project(e, P("02"), "alice", "two");
    sequence(e);
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(c.checksum_failures, 1);
    assert_null(json_object_get(c.buckets, "user_data[\"alice\"]"));
    syncspec_sync_stream_free(s);
    int ops = c.ops;
    sync_once(e, &c, "alice");
    assert_int_equal(c.checksum_failures, 1);
    assert_int_equal(c.ops - ops, 2);
    assert_projects_match(e, &c, "alice");
    ps_client_free(&c);
}

static void test_late_commit_is_delivered(void **state) {
    env *e = *state;
    PGconn *late = pg_connect_db(e->pg.dbname);
    assert_non_null(late);
    assert_true(pg_ok(late, "BEGIN"));
    assert_true(pg_ok(late, "INSERT INTO projects (id, name, owner_id, created_at, updated_at)"
                            " VALUES ('" P("01") "', 'late', 'alice', now(), now())"));
    add_project(e, P("02"), "alice", "early");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    syncspec_sync_stream *s = connect(e, &c, "alice");
    assert_int_equal(next(e, s, &c), 1);
    assert_string_equal(ROW(&c, "projects", P("02"), "name"), "early");
    assert_string_equal(ROW(&c, "projects", P("01"), "name"), "<absent>");
    assert_true(pg_ok(late, "COMMIT"));
    sequence(e);
    assert_int_equal(next(e, s, &c), 1);
    assert_string_equal(ROW(&c, "projects", P("01"), "name"), "late");
    assert_projects_match(e, &c, "alice");
    PQfinish(late);
    syncspec_sync_stream_free(s);
    ps_client_free(&c);
}

/* Lines kept to be delivered later, as a slow network would. */
typedef struct held_lines {
    char text[8][1024];
    size_t count;
} held_lines;

static int hold_line(void *context, const char *line, size_t len) {
    held_lines *h = context;
    if (h->count == 8 || len >= sizeof h->text[0]) return -1;
    memcpy(h->text[h->count], line, len);
    h->text[h->count++][len] = '\0';
    return 0;
}

static void test_write_checkpoints(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "first");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    syncspec_sync_stream *s = connect(e, &c, "alice");
    assert_int_equal(next(e, s, &c), 1);
    assert_non_null(strstr(c.last_line, "checkpoint_complete"));
    /* Another writer's change, read while the client has a local edit pending, and
     * delivered late (a slow network): after the client uploaded its edit. */
    sql(e, "UPDATE projects SET name = 'server' WHERE id = '%s'", P("01"));
    sequence(e);
    c.pending_crud = true;
    held_lines held = {0};
    assert_int_equal(syncspec_sync_stream_next(s, e->api, hold_line, &held, &err), 1);
    sql(e, "UPDATE projects SET name = 'mine' WHERE id = '%s'", P("01"));
    c.pending_crud = false;
    int64_t w1 = 0, w2 = 0;
    assert_int_equal(syncspec_sync_write_checkpoint(e->server, e->api, "alice", "c1", &w1, &err),
                     0);
    assert_true(w1 >= 1);
    c.wait_for = w1;
    /* The stale checkpoint is valid but must not be applied over the upload. */
    for (size_t i = 0; i < held.count; i++) ps_client_line(&c, held.text[i], strlen(held.text[i]));
    assert_int_equal(c.deferred, 1);
    assert_int_equal(c.checksum_failures, 0);
    assert_string_equal(ROW(&c, "projects", P("01"), "name"), "first");
    /* The live stream sends the upload with the write checkpoint. */
    assert_int_equal(next(e, s, &c), 1);
    assert_string_equal(ROW(&c, "projects", P("01"), "name"), "mine");
    assert_int_equal(c.checksum_failures, 0);
    /* The write checkpoint alone moving is sent too (no bucket changed). */
    assert_int_equal(syncspec_sync_write_checkpoint(e->server, e->api, "alice", "c1", &w2, &err),
                     0);
    assert_int_equal(w2, w1 + 1);
    c.wait_for = w2;
    int applied = c.applied;
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(c.applied, applied + 1);
    assert_non_null(strstr(c.last_line, "checkpoint_complete"));
    assert_int_equal(next(e, s, &c), 0);
    assert_int_equal(syncspec_sync_write_checkpoint(e->server, e->api, "", "c1", &w2, &err),
                     SYNCSPEC_EINVALID);
    syncspec_sync_stream_free(s);
    ps_client_free(&c);
}

static long bucket_checksum(env *e, const char *bucket) {
    return pg_long(e->pg.conn, "SELECT checksum FROM syncspec_buckets WHERE bucket = '%s'", bucket);
}

static void test_compaction(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    sequence(e);
    ps_client behind, live;
    ps_client_init(&behind);
    ps_client_init(&live);
    sync_once(e, &behind, "alice"); /* has ops 1 and 2, then goes offline */
    syncspec_sync_stream *s = connect(e, &live, "alice");
    assert_int_equal(next(e, s, &live), 1);
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("01"));
    sequence(e);
    sql(e, "UPDATE projects SET name = 'TWO' WHERE id = '%s'", P("02"));
    sequence(e);
    add_project(e, P("03"), "alice", "three");
    sequence(e);
    assert_int_equal(next(e, s, &live), 1);
    const char *bucket = "user_data[\"alice\"]";
    long before = bucket_checksum(e, bucket);
    int64_t removed = -1;
    assert_int_equal(syncspec_sync_compact(e->server, e->api, &removed, &err), 0);
    /* 1 PUT one, 2 PUT two, 3 REMOVE one, 4 PUT TWO, 5 PUT three: 1 and 2 are superseded,
     * and 1, 2, 3 lead the bucket, so they become one CLEAR (op 3). */
    assert_int_equal(removed, 2);
    assert_int_equal(bucket_checksum(e, bucket), before);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count(*) FROM syncspec_ops"), 3);
    assert_int_equal(pg_long(e->pg.conn, "SELECT count FROM syncspec_buckets"), 3);
    assert_int_equal(pg_long(e->pg.conn, "SELECT op_id FROM syncspec_ops WHERE op = 'CLEAR'"), 3);
    /* The live client hears of the new count, gets no op and stays valid. */
    int ops = live.ops;
    assert_int_equal(next(e, s, &live), 1);
    assert_int_equal(live.ops, ops);
    assert_int_equal(live.checksum_failures, 0);
    /* The client behind the CLEAR gets it and the bucket's rows again. */
    sync_once(e, &behind, "alice");
    assert_int_equal(behind.clears, 1);
    assert_int_equal(behind.checksum_failures, 0);
    assert_true(json_equal(behind.visible, live.visible));
    assert_projects_match(e, &behind, "alice");
    ps_client fresh;
    ps_client_init(&fresh);
    sync_once(e, &fresh, "alice");
    assert_int_equal(fresh.checksum_failures, 0);
    assert_true(json_equal(fresh.visible, live.visible));
    /* Compacting again changes nothing. */
    assert_int_equal(syncspec_sync_compact(e->server, e->api, &removed, &err), 0);
    assert_int_equal(removed, 0);
    assert_int_equal(bucket_checksum(e, bucket), before);
    ps_client_free(&fresh);
    ps_client_free(&behind);
    ps_client_free(&live);
    syncspec_sync_stream_free(s);
}

/* Entries pruned from the change log before the sequencer read them: its next run reads
 * every row and every row sent, so a deletion it never saw still becomes a REMOVE. */
static void test_pruned_log_reconciles(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    add_project(e, P("01"), "alice", "one");
    add_project(e, P("02"), "alice", "two");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    sync_once(e, &c, "alice");
    assert_int_equal(json_object_size(c.visible), 2);
    sql(e, "DELETE FROM projects WHERE id = '%s'", P("01"));
    sql(e, "UPDATE projects SET owner_id = 'bob' WHERE id = '%s'", P("02"));
    add_project(e, P("03"), "alice", "three");
    sql(e, "UPDATE syncspec_changes SET written_at = now() - interval '1 hour'");
    int64_t pruned = 0;
    assert_int_equal(syncspec_sync_prune_changes(e->server, e->api, "1 minute", &pruned, &err), 0);
    assert_int_equal(pruned, 6); /* every entry, the two inserts sequenced before too */
    sequence(e);
    sync_once(e, &c, "alice");
    assert_int_equal(c.checksum_failures, 0);
    assert_projects_match(e, &c, "alice");
    ps_client bob;
    ps_client_init(&bob);
    sync_once(e, &bob, "bob");
    assert_projects_match(e, &bob, "bob");
    /* Back to incremental runs: one change, one op. */
    int64_t last = sequence(e);
    sql(e, "UPDATE projects SET name = 'THREE' WHERE id = '%s'", P("03"));
    assert_int_equal(sequence(e), last + 1);
    ps_client_free(&bob);
    ps_client_free(&c);
}

/* Edition-3 streams: a bucket per table, and the values as the service sends them then. */
static void test_streams_format(void **state) {
    env *e = *state;
    sql(e, "INSERT INTO \"group\" (id, \"order\", \"user\", archived, user_id, created_at,"
           " updated_at) VALUES ('g1', 7, NULL, true, 'alice', '2025-01-02T03:04:05.678Z', now())");
    sql(e, "INSERT INTO \"order\" (id, user_id, placed_at, total, code) VALUES ('o1', 'alice',"
           " '2025-01-02T03:04:05.6Z', 1.5, 'ABC-1')");
    sql(e, "INSERT INTO \"order\" (id, user_id, placed_at) VALUES ('o2', 'bob', now())");
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    syncspec_sync_stream *s = connect(e, &c, "alice");
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(c.applied, 1);
    assert_int_equal(c.checksum_failures, 0);
    assert_int_equal(json_object_size(c.buckets), 3);
    assert_non_null(json_object_get(c.buckets, "group|0[\"alice\"]"));
    assert_non_null(json_object_get(c.buckets, "order|0[\"alice\"]"));
    assert_int_equal(json_object_size(c.visible), 2);
    assert_string_equal(ROW(&c, "group", "g1", "order"), "7");
    assert_string_equal(ROW(&c, "group", "g1", "from"), "1");
    assert_string_equal(ROW(&c, "group", "g1", "archived"), "1");
    assert_string_equal(ROW(&c, "group", "g1", "user"), "null");
    assert_string_equal(ROW(&c, "group", "g1", "created_at"), "2025-01-02T03:04:05.678000Z");
    assert_string_equal(ROW(&c, "order", "o1", "placed_at"), "2025-01-02T03:04:05.600000Z");
    assert_string_equal(ROW(&c, "order", "o1", "meta"), "{\"a\": null, \"b\": [1, 2]}");
    json_t *o1 = ps_client_row(&c, "order", "o1");
    assert_true(json_real_value(json_object_get(o1, "total")) == 1.5);
    assert_int_equal(json_integer_value(json_object_get(o1, "priority")), 2);
    json_decref(o1);
    sql(e, "DELETE FROM \"order\" WHERE id = 'o1'");
    sequence(e);
    assert_int_equal(next(e, s, &c), 1);
    assert_int_equal(json_object_size(c.visible), 1);
    assert_int_equal(c.checksum_failures, 0);
    syncspec_sync_stream_free(s);
    /* A client that does not take the default streams gets no bucket. */
    const char *none = "{\"buckets\":[],\"streams\":{\"include_defaults\":false}}";
    syncspec_sync_request *request = NULL;
    syncspec_error err = {0};
    assert_int_equal(syncspec_sync_request_parse(&request, none, strlen(none), &err), 0);
    assert_int_equal(syncspec_sync_stream_new(&s, e->server, "alice", request, &err), 0);
    ps_client n;
    ps_client_init(&n);
    assert_int_equal(next(e, s, &n), 1);
    assert_int_equal(json_object_size(n.visible), 0);
    assert_int_equal(n.applied, 1);
    syncspec_sync_stream_free(s);
    syncspec_sync_request_free(request);
    ps_client_free(&n);
    ps_client_free(&c);
}

/* A commit wakes a listener within a second; the sequencer's run wakes it again. */
static void test_listen_wakes_on_commit(void **state) {
    env *e = *state;
    syncspec_error err = {0};
    PGconn *listener = pg_connect_db(e->pg.dbname);
    assert_non_null(listener);
    assert_int_equal(syncspec_sync_listen(listener, &err), 0);
    assert_int_equal(syncspec_sync_wait(listener, 50, &err), 0);
    add_project(e, P("01"), "alice", "one");
    assert_int_equal(syncspec_sync_wait(listener, 1000, &err), 1);
    assert_int_equal(syncspec_sync_wait(listener, 50, &err), 0);
    sequence(e);
    assert_int_equal(syncspec_sync_wait(listener, 1000, &err), 1);
    sequence(e); /* nothing new: no notification */
    assert_int_equal(syncspec_sync_wait(listener, 50, &err), 0);
    /* A run on the listening connection itself wakes nobody: its caller knows. */
    add_project(e, P("02"), "alice", "two");
    assert_int_equal(syncspec_sync_wait(listener, 1000, &err), 1);
    assert_int_equal(syncspec_sync_sequence(e->server, listener, NULL, &err), 0);
    assert_int_equal(syncspec_sync_wait(listener, 50, &err), 0);
    PQfinish(listener);
}

/* A schema of its own, another owner column, a bucket named "on", a table named "yes". */
static void test_custom_schema(void **state) {
    env *e = *state;
    sql(e,
        "INSERT INTO sync_data.notes (id, body, weight, account_id, rank) VALUES ('%s', 'hi',"
        " 2.5, 'alice', 2), ('%s', 'other', NULL, 'bob', 3)",
        P("01"), P("02"));
    sql(e,
        "INSERT INTO sync_data.\"yes\" (id, \"null\", account_id, created_at, updated_at)"
        " VALUES ('%s', NULL, 'alice', now(), now())",
        P("03"));
    sequence(e);
    ps_client c;
    ps_client_init(&c);
    sync_once(e, &c, "alice");
    assert_int_equal(c.applied, 1);
    assert_int_equal(c.checksum_failures, 0);
    assert_non_null(json_object_get(c.buckets, "on[\"alice\"]"));
    assert_int_equal(json_object_size(c.visible), 2);
    assert_string_equal(ROW(&c, "notes", P("01"), "body"), "hi");
    assert_string_equal(ROW(&c, "notes", P("01"), "rank"), "2");
    assert_string_equal(ROW(&c, "yes", P("03"), "null"), "null");
    assert_string_equal(ROW(&c, "yes", P("03"), "off"), "0");
    sql(e, "DELETE FROM sync_data.notes WHERE id = '%s'", P("01"));
    int64_t removed = 0;
    syncspec_error err = {0};
    sequence(e);
    assert_int_equal(syncspec_sync_compact(e->server, e->api, &removed, &err), 0);
    sync_once(e, &c, "alice");
    assert_int_equal(c.checksum_failures, 0);
    assert_int_equal(json_object_size(c.visible), 1);
    ps_client_free(&c);
}

static void expect_invalid(const char *body) {
    syncspec_sync_request *r = (syncspec_sync_request *)1;
    syncspec_error err = {0};
    assert_int_equal(syncspec_sync_request_parse(&r, body, strlen(body), &err), SYNCSPEC_EINVALID);
    assert_null(r);
    assert_true(strlen(err.message) > 0);
}

static void test_bad_requests(void **state) {
    env *e = *state;
    expect_invalid("");
    expect_invalid("[]");
    expect_invalid("{\"buckets\":{}}");
    expect_invalid("{\"buckets\":[{\"name\":\"b\"}]}");
    expect_invalid("{\"buckets\":[{\"name\":\"b\",\"after\":\"-1\"}]}");
    expect_invalid("{\"buckets\":[{\"name\":\"b\",\"after\":\"99999999999999999999\"}]}");
    expect_invalid("{\"buckets\":[{\"name\":\"b\",\"after\":5}]}");
    expect_invalid("{\"client_id\":5}");
    expect_invalid("{\"streams\":{\"include_defaults\":\"yes\"}}");
    syncspec_sync_request *r = NULL;
    syncspec_sync_stream *s = (syncspec_sync_stream *)1;
    syncspec_error err = {0};
    const char *ok = "{\"client_id\":\"c\",\"buckets\":[{\"name\":\"b\",\"after\":\"0\"}]}";
    assert_int_equal(syncspec_sync_request_parse(&r, ok, strlen(ok), &err), 0);
    assert_string_equal(syncspec_sync_request_client_id(r), "c");
    assert_int_equal(syncspec_sync_stream_new(&s, e->server, "", r, &err), SYNCSPEC_EINVALID);
    assert_null(s);
    syncspec_sync_request_free(r);
    ps_client c;
    ps_client_init(&c);
    assert_int_equal(syncspec_sync_keepalive(0, ps_client_line, &c, &err), 0);
    assert_string_equal(c.last_line, "{\"token_expires_in\":0}\n");
    ps_client_free(&c);
}

int main(void) {
    if (fixture_load(&app, "schemas/app.yaml") != 0 ||
        fixture_load(&streams, "tests/golden/streams/spec.yaml") != 0 ||
        fixture_load(&custom, "tests/golden/custom/spec.yaml") != 0) {
        fprintf(stderr, "cannot load the specs (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_sync_then_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_owner_change_soft_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_checksum_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_commit_is_delivered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pruned_log_reconciles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streams_format, setup_streams, teardown),
        cmocka_unit_test_setup_teardown(test_custom_schema, setup_custom, teardown),
        cmocka_unit_test_setup_teardown(test_listen_wakes_on_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&app);
    fixture_unload(&streams);
    fixture_unload(&custom);
    return failed;
}

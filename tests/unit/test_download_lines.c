/*
 * The client store reading lines in the form the PowerSync Service sends
 * (tests/fixtures/service_lines.ndjson; docs/testing.md): op ids as decimal strings,
 * checksums as JSON numbers up to 2^32 - 1, bucket names such as `by_user["u1"]`, row data
 * as a JSON string holding the row with booleans as 1/0, reals as numbers, JSON columns as
 * JSON text and timestamps as `2025-09-22 14:29:30.12Z`, data lines carrying
 * after/has_more/next_after, checkpoint_diff, partial_checkpoint_complete and keepalives.
 * The file is fed whole and in pieces of 1 and 3 bytes; after each checkpoint_complete the
 * rows of the edge-case spec's tables (every type) must be exactly these.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "../integration/sync/fixture.h"

#include "../integration/sync/cmocka_env.h"
#include "util/fsutil.h"

static sync_sql edge;

static int setup(void **state) { return setup_with(state, &edge); }

#define G1 "11111111-0000-4000-8000-000000000001"
#define O1 "22222222-0000-4000-8000-000000000001"
#define O2 "22222222-0000-4000-8000-000000000002"

/* Every row of both synced tables, each value as SQL quotes it (so its type shows). */
static const char rows_sql[] =
    "SELECT coalesce(group_concat(r, char(10)), '') FROM (SELECT 'group ' || substr(\"id\", 35) "
    "|| ': ' || quote(\"order\") || ' ' || quote(\"select\") || ' ' || quote(\"user\") || ' ' "
    "|| quote(\"from\") || ' ' || quote(\"archived\") || ' ' || quote(\"user_id\") || ' ' || "
    "quote(\"created_at\") || ' ' || quote(\"updated_at\") || ' ' || quote(\"deleted_at\") AS r "
    "FROM \"group\" UNION ALL SELECT 'order ' || substr(\"id\", 35) || ': ' || quote(\"total\") "
    "|| ' ' || quote(\"placed_at\") || ' ' || quote(\"meta\") || ' ' || quote(\"code\") || ' ' "
    "|| quote(\"note\") || ' ' || quote(\"parent\") || ' ' || quote(\"priority\") || ' ' || "
    "quote(\"ratio\") || ' ' || quote(\"path\") || ' ' || quote(\"user_id\") FROM \"order\" "
    "ORDER BY 1)";

/* What the store holds after each checkpoint_complete of the file. */
static const char *const expected[] = {
    "group 01: 3 'b''c' NULL 1 0 'u1' '2025-09-22T14:29:30.120Z' '2025-09-22T14:29:30.000Z' NULL\n"
    "group 02: 0 'd\"e' '" O1 "' 0 NULL 'u1' '2025-09-22T14:29:31.500Z' "
    "'2025-09-23T08:00:00.001Z' NULL\n"
    "order 01: 12.5 '2025-09-22T14:29:30.120Z' '{\"a\":null,\"b\":[1,2]}' 'ABC-1' 'héllo' 'none' 2 "
    "0.5 'C:\\dir\\it''s' 'u1'\n"
    "order 02: -1.5 '2025-01-02T03:04:05.678Z' '[]' NULL '日本語' 'none' 3 2.25 '' 'u1'",
    /* a PUT changes order 01, a REMOVE takes order 02, a MOVE only counts in the sum */
    "group 01: 3 'b''c' NULL 1 0 'u1' '2025-09-22T14:29:30.120Z' '2025-09-22T14:29:30.000Z' NULL\n"
    "group 02: 0 'd\"e' '" O1 "' 0 NULL 'u1' '2025-09-22T14:29:31.500Z' "
    "'2025-09-23T08:00:00.001Z' NULL\n"
    "order 01: 13.0 '2025-09-22T14:29:30.120Z' '{\"b\":true}' 'ABC-2' 'héllo' 'none' 1 1.0 "
    "'C:\\dir\\it''s' 'u1'",
    /* the groups' bucket left the checkpoint; a CLEAR, then order 01 sent again */
    "order 01: 14.25 '2025-09-24T00:00:00.000Z' 'null' 'ABC-3' '' '" G1 "' 2 NULL '/' 'u1'",
};

static char *local_value(syncspec_store *s, const char *query) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(syncspec_store_db(s), query, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", query, sqlite3_errmsg(syncspec_store_db(s)));
    const char *v = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "";
    char *out = strdup(v ? v : "");
    sqlite3_finalize(st);
    return out;
}

/* Feeds text[from, to) in pieces of `piece` bytes, or fails the test. */
static void feed(syncspec_download *d, const char *text, size_t from, size_t to, size_t piece) {
    syncspec_error err = {0};
    for (size_t i = from; i < to; i += piece)
        if (syncspec_download_feed(d, text + i, i + piece > to ? to - i : piece, &err) != 0)
            fail_msg("line at byte %zu: %s", i, err.message);
}

static void test_service_lines(void **state) {
    env *e = *state;
    char *text = NULL;
    size_t length = 0;
    assert_int_equal(fs_read_file(&text, &length, "tests/fixtures/service_lines.ndjson", 1 << 24),
                     0);
    size_t pieces[] = {length, 1, 3};
    for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
        char name[16];
        snprintf(name, sizeof name, "lines%zu", k);
        syncspec_store *s = sync_env_store(e, &edge, name, "u1");
        syncspec_download *d = NULL;
        syncspec_error err = {0};
        assert_non_null(s);
        assert_int_equal(syncspec_download_new(&d, s, &err), 0);
        /* Up to and with each checkpoint_complete line, then what it applied. */
        size_t at = 0;
        for (size_t c = 0; c < sizeof expected / sizeof *expected; c++) {
            const char *complete = strstr(text + at, "{\"checkpoint_complete\"");
            assert_non_null(complete);
            size_t end = (size_t)(strchr(complete, '\n') - text) + 1;
            feed(d, text, at, end, pieces[k]);
            at = end;
            char *rows = local_value(s, rows_sql);
            assert_string_equal(rows, expected[c]);
            free(rows);
            assert_int_equal(syncspec_download_get_status(d).applied, c + 1);
        }
        feed(d, text, at, strlen(text), pieces[k]);
        syncspec_download_status st = syncspec_download_get_status(d);
        assert_int_equal(st.ops, 9);
        assert_int_equal(st.deferred, 0);
        assert_int_equal(st.expires_in, 3580);
        /* The next request resumes the one bucket left, by its name, after its last op. */
        char *body = NULL;
        assert_int_equal(syncspec_store_stream_request(s, &body, &err), 0);
        assert_non_null(strstr(body, "{\"buckets\":[{\"name\":\"by_user[\\\"u1\\\"]\","
                                     "\"after\":\"10\"}],"));
        free(body);
        /* Server rows are never queued for upload. */
        char *queued = local_value(s, "SELECT count(*) FROM syncspec_crud");
        assert_string_equal(queued, "0");
        free(queued);
        syncspec_download_free(d);
        syncspec_store_free(s);
    }
    free(text);
}

int main(void) {
    if (fixture_load(&edge, "tests/golden/edge/spec.yaml") != 0) {
        fprintf(stderr, "cannot load the spec (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_service_lines, setup, teardown),
    };
    (void)pg_long; /* the shared fixture's, not needed here */
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&edge);
    return failed;
}

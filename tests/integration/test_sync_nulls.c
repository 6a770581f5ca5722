/*
 * The sync core on the edge-case spec (keyword names, every type): a device that sets a
 * nullable column with a default to null has null reach PostgreSQL and its other devices,
 * not the default, while a column it leaves out still takes the default. A fresh database
 * of the PostgreSQL tests/run.sh starts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "sync/fixture.h"

static sync_sql g;

static void exec(syncspec_store *s, const char *sql) {
    char *msg = NULL;
    if (sqlite3_exec(syncspec_store_db(s), sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
}

static long count(syncspec_store *s, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void sync_store(syncspec_store *s, fake_transport *t) {
    syncspec_transport tr = fake_transport_of(t);
    syncspec_sync_result r;
    syncspec_error err = {0};
    if (syncspec_store_sync(s, &tr, 0, &r, &err)) fail_msg("sync: %s", err.message);
    assert_int_equal(r.rejected, 0);
}

#define NOW "'2025-01-01T00:00:00.000Z'"

static void test_null_over_default(void **state) {
    (void)state;
    sync_env e;
    if (sync_env_open(&e, &g) != 0) fail_msg("PostgreSQL is unreachable (tests/run.sh starts it)");
    syncspec_store *a = sync_env_store(&e, &g, "a", "u"), *b = sync_env_store(&e, &g, "b", "u");
    assert_non_null(a);
    assert_non_null(b);
    fake_transport t = {.server = e.server, .conn = &e.api, .user_id = "u"};
    /* "select" (default 'a') and "archived" (default false) are nullable. */
    exec(a, "INSERT INTO \"group\" (id, \"order\", \"select\", \"from\", archived, created_at, "
            "updated_at) VALUES ('g-null', 1, NULL, 1, NULL, " NOW ", " NOW ")");
    exec(a, "INSERT INTO \"group\" (id, \"order\", \"from\", created_at, updated_at) VALUES "
            "('g-default', 2, 1, " NOW ", " NOW ")");
    sync_store(a, &t);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g-null' AND "
                                        "\"select\" IS NULL AND archived IS NULL"),
                     1);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g-default' "
                                        "AND \"select\" = 'a' AND archived = false"),
                     1);
    /* Cleared by an update (a PATCH), then the row replaced whole (a PUT). */
    exec(a, "UPDATE \"group\" SET \"select\" = NULL WHERE id = 'g-default'");
    exec(a, "INSERT OR REPLACE INTO \"group\" (id, \"order\", \"select\", \"from\", archived, "
            "created_at, updated_at) VALUES ('g-null', 3, 'b''c', 1, NULL, " NOW ", " NOW ")");
    sync_store(a, &t);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g-default' "
                                        "AND \"select\" IS NULL AND archived = false"),
                     1);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"group\" WHERE id = 'g-null' AND "
                                        "\"select\" = 'b''c' AND archived IS NULL"),
                     1);
    sync_store(b, &t);
    assert_int_equal(count(b, "SELECT count(*) FROM \"group\" WHERE (id = 'g-null' AND "
                              "\"select\" = 'b''c' AND archived IS NULL) OR (id = 'g-default' "
                              "AND \"select\" IS NULL AND archived = 0)"),
                     2);
    syncspec_store_free(a);
    syncspec_store_free(b);
    sync_env_close(&e);
}

int main(void) {
    if (fixture_load(&g, "tests/golden/edge/spec.yaml") != 0) {
        fprintf(stderr, "cannot load tests/golden/edge/spec.yaml (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_null_over_default)};
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    fixture_unload(&g);
    return failed;
}

/*
 * libsyncspec inside a program whose locale writes numbers with a decimal comma (de_DE,
 * as after setlocale(LC_ALL, "") on a German desktop): reals still leave the client, reach
 * PostgreSQL and come back down as JSON and SQL spell them. The locale is compiled with
 * localedef into a temporary LOCPATH, so no installed locale is needed, only the sources of
 * Debian's `locales` package. The edge spec has the real columns; the server runs on a
 * fresh database of the PostgreSQL tests/run.sh starts.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "core/json_reader.h"
#include "sync/fixture.h"

static sync_sql g;
static char locale_dir[64];

/* Builds de_DE.UTF-8 and switches the whole program to it; fails when the locale would not
 * change how printf writes a real (then the tests below would prove nothing). */
static int comma_locale(void **state) {
    (void)state;
    snprintf(locale_dir, sizeof locale_dir, "/tmp/syncspec-locale-XXXXXX");
    if (!mkdtemp(locale_dir)) return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 >/dev/null 2>&1",
             locale_dir);
    if (system(cmd) != 0) fprintf(stderr, "localedef reported a problem; trying the locale\n");
    setenv("LOCPATH", locale_dir, 1);
    if (!setlocale(LC_ALL, "de_DE.UTF-8")) {
        fprintf(stderr, "cannot switch to de_DE.UTF-8 built in %s\n", locale_dir);
        return -1;
    }
    char text[16];
    snprintf(text, sizeof text, "%.1f", 1.5);
    if (strcmp(text, "1,5") != 0) {
        fprintf(stderr, "de_DE.UTF-8 writes 1.5 as %s, not 1,5\n", text);
        return -1;
    }
    return 0;
}

static int c_locale(void **state) {
    (void)state;
    setlocale(LC_ALL, "C");
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", locale_dir);
    return locale_dir[0] && system(cmd) != 0 ? -1 : 0;
}

static void test_format_and_read(void **state) {
    (void)state;
    static const struct {
        double value;
        const char *text;
    } reals[] = {{0.1, "0.1"}, {-1.5, "-1.5"}, {2.25, "2.25"}, {1e21, "1e+21"}, {1.5e-7, "1.5e-7"}};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        char buf[SYNCSPEC_REAL_SIZE];
        syncspec_format_real(buf, reals[i].value);
        assert_string_equal(buf, reals[i].text);
        json_reader r;
        json_scalar v;
        syncspec_buffer scratch = {0};
        json_reader_init(&r, reals[i].text, strlen(reals[i].text));
        assert_true(json_reader_scalar(&r, &v, &scratch));
        assert_int_equal(v.kind, JSON_SCALAR_REAL);
        assert_true(v.real == reals[i].value);
        syncspec_buffer_free(&scratch);
    }
    /* A real sent as a JSON string, which the sanitizer reads in JSON's number grammar. */
    syncspec_sanitizer *sanitizer;
    syncspec_error error = {0};
    assert_int_equal(syncspec_sanitizer_new(&sanitizer, g.layout, &error), 0);
    const char *op = "{\"op\":\"PUT\",\"table\":\"order\",\"id\":\"o-1\","
                     "\"data\":{\"total\":\"-1.25\",\"ratio\":\"2.25\"}}";
    syncspec_op out;
    assert_int_equal(syncspec_sanitize_text(&out, sanitizer, op, strlen(op), "u"), 0);
    const char *row = out.row;
    const syncspec_real_value *total =
        (const void *)(row + syncspec_table_column(out.table, "total")->offset);
    const syncspec_real_value *ratio =
        (const void *)(row + syncspec_table_column(out.table, "ratio")->offset);
    assert_true(total->state == SYNCSPEC_SET && total->value == -1.25);
    assert_true(ratio->state == SYNCSPEC_SET && ratio->value == 2.25);
    syncspec_sanitizer_free(sanitizer);
}

static void sync_store(syncspec_store *s, fake_transport *t) {
    syncspec_transport tr = fake_transport_of(t);
    syncspec_sync_result r;
    syncspec_error err = {0};
    if (syncspec_store_sync(s, &tr, 0, &r, &err)) fail_msg("sync: %s", err.message);
}

/* A real written on one device is the same double in PostgreSQL and on a second device. */
static void test_round_trip(void **state) {
    (void)state;
    sync_env e;
    if (sync_env_open(&e, &g) != 0) {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) fail_msg("PostgreSQL is unreachable under CI=true");
        sync_env_close(&e);
        skip();
    }
    syncspec_store *a = sync_env_store(&e, &g, "a", "u"), *b = sync_env_store(&e, &g, "b", "u");
    assert_non_null(a);
    assert_non_null(b);
    fake_transport t = {.server = e.server, .conn = &e.api, .user_id = "u"};

    char *msg = NULL;
    if (sqlite3_exec(syncspec_store_db(a),
                     "INSERT INTO \"order\" (id, total, ratio) VALUES ('o-1', 0.1, 2.25);"
                     "INSERT INTO \"order\" (id, total, ratio) VALUES ('o-2', -1.5, '0.5')",
                     NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("insert: %s", msg);
    sync_store(a, &t);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM syncspec_rejected_uploads"), 0);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"order\" WHERE id = 'o-1' AND "
                                        "total = 0.1::float8 AND ratio = 2.25::float8"),
                     1);
    assert_int_equal(pg_long(e.pg.conn, "SELECT count(*) FROM \"order\" WHERE id = 'o-2' AND "
                                        "total = -1.5::float8 AND ratio = 0.5::float8"),
                     1);

    sync_store(b, &t);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(syncspec_store_db(b),
                                        "SELECT count(*) FROM \"order\" WHERE (id = 'o-1' AND "
                                        "total = 0.1 AND ratio = 2.25) OR (id = 'o-2' AND "
                                        "total = -1.5 AND ratio = 0.5 AND typeof(ratio) = 'real')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    sqlite3_finalize(st);

    syncspec_store_free(a);
    syncspec_store_free(b);
    sync_env_close(&e);
}

int main(void) {
    if (fixture_load(&g, "tests/golden/edge/spec.yaml") != 0) {
        fprintf(stderr, "cannot load tests/golden/edge/spec.yaml (run from the repository root)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_read),
        cmocka_unit_test(test_round_trip),
    };
    int failed = cmocka_run_group_tests(tests, comma_locale, c_locale);
    fixture_unload(&g);
    return failed;
}

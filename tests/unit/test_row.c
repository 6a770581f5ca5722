/*
 * src/core/row.c over a spec loaded at run time: syncspec_schema_layout gives the row
 * layout a generated row struct has (checked against one written out here), and a row's
 * columns read back as canonical text, PostgreSQL parameters, JSON and SQLite bindings
 * (into a real in-memory SQLite database).
 */
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "syncspec.h"

static const char spec[] = "syncspec: 1\nname: t\ntables:\n"
                           "  notes:\n    columns:\n"
                           "      title: text\n      count: integer\n      score: real\n"
                           "      done: boolean\n      due: timestamp\n      meta: json\n"
                           "      parent: id\n";

/* The row struct `generate` writes for `notes`: one value struct per column, in order. */
typedef struct note_row {
    syncspec_text_value id;
    syncspec_text_value title;
    syncspec_int_value count;
    syncspec_real_value score;
    syncspec_bool_value done;
    syncspec_int_value due;
    syncspec_text_value meta;
    syncspec_text_value parent;
    syncspec_text_value owner_id;
    syncspec_int_value created_at;
    syncspec_int_value updated_at;
} note_row;

enum { COLUMNS = 11 };

typedef struct fixture {
    arena *a;
    syncspec_schema *layout;
    const syncspec_table *notes;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->a = arena_new();
    diag_list diags;
    diag_list_init(&diags, f->a);
    const syncspec_schema *schema = NULL;
    int rc = compile_load_buffer(&schema, f->a, "t.yaml", spec, strlen(spec), &diags);
    if (rc != COMPILE_OK) diag_print(stderr, &diags);
    diag_list_free(&diags);
    if (rc != COMPILE_OK || syncspec_schema_layout(&f->layout, schema) != 0) return -1;
    f->notes = syncspec_schema_table(f->layout, "notes");
    *state = f;
    return f->notes ? 0 : -1;
}

static int teardown(void **state) {
    fixture *f = *state;
    syncspec_schema_layout_free(f->layout);
    arena_free(f->a);
    free(f);
    return 0;
}

static note_row full_row(void) {
    note_row r;
    memset(&r, 0, sizeof r);
    r.id = (syncspec_text_value){SYNCSPEC_SET, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 36};
    r.title = (syncspec_text_value){SYNCSPEC_SET, "a\0b", 3}; /* a NUL inside text */
    r.count = (syncspec_int_value){SYNCSPEC_SET, INT64_MIN};
    r.score = (syncspec_real_value){SYNCSPEC_SET, 0.5};
    r.done = (syncspec_bool_value){SYNCSPEC_SET, true};
    r.due = (syncspec_int_value){SYNCSPEC_SET, 951825600007};
    r.meta = (syncspec_text_value){SYNCSPEC_SET, "{\"a\":1}", 7};
    r.parent.state = SYNCSPEC_NULL;
    /* owner_id, created_at and updated_at stay absent */
    return r;
}

static void test_layout_is_the_generated_one(void **state) {
    const fixture *f = *state;
    static const size_t offsets[COLUMNS] = {
        offsetof(note_row, id),         offsetof(note_row, title),
        offsetof(note_row, count),      offsetof(note_row, score),
        offsetof(note_row, done),       offsetof(note_row, due),
        offsetof(note_row, meta),       offsetof(note_row, parent),
        offsetof(note_row, owner_id),   offsetof(note_row, created_at),
        offsetof(note_row, updated_at),
    };
    assert_int_equal(f->notes->column_count, COLUMNS);
    for (size_t i = 0; i < COLUMNS; i++) assert_int_equal(f->notes->columns[i].offset, offsets[i]);
    assert_int_equal(f->notes->row_size, sizeof(note_row));
}

static void test_state_and_text(void **state) {
    const fixture *f = *state;
    note_row r = full_row();
    static const struct {
        syncspec_state state;
        const char *text; /* NULL: no text (null or absent) */
    } expected[COLUMNS] = {
        {SYNCSPEC_SET, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
        {SYNCSPEC_SET, "a"}, /* as stored: up to the NUL for C string readers */
        {SYNCSPEC_SET, "-9223372036854775808"},
        {SYNCSPEC_SET, "0.5"},
        {SYNCSPEC_SET, "true"},
        {SYNCSPEC_SET, "2000-02-29T12:00:00.007Z"},
        {SYNCSPEC_SET, "{\"a\":1}"},
        {SYNCSPEC_NULL, NULL},
        {SYNCSPEC_ABSENT, NULL},
        {SYNCSPEC_ABSENT, NULL},
        {SYNCSPEC_ABSENT, NULL},
    };
    const char *values[COLUMNS];
    char scratch[COLUMNS][SYNCSPEC_TIMESTAMP_SIZE];
    assert_int_equal(syncspec_row_pg_params(values, scratch, f->notes, &r), COLUMNS);
    for (size_t i = 0; i < COLUMNS; i++) {
        const syncspec_column *c = &f->notes->columns[i];
        assert_int_equal(syncspec_row_state(c, &r), expected[i].state);
        char buf[SYNCSPEC_TIMESTAMP_SIZE];
        const char *text = syncspec_row_text(buf, c, &r);
        if (!expected[i].text) {
            assert_null(text);
            assert_null(values[i]);
            continue;
        }
        assert_string_equal(text, expected[i].text);
        assert_string_equal(values[i], expected[i].text);
    }
    /* false, and a timestamp outside years 1-9999, which has no text. */
    r.done.value = false;
    assert_string_equal(syncspec_row_text(scratch[0], &f->notes->columns[4], &r), "false");
    r.due.value = INT64_MAX;
    assert_null(syncspec_row_text(scratch[0], &f->notes->columns[5], &r));
}

static void test_to_json(void **state) {
    const fixture *f = *state;
    note_row r = full_row();
    json_t *o = syncspec_row_to_json(f->notes, &r);
    assert_non_null(o);
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    /* Absent columns are left out, null ones are null, booleans are 0/1 as SQLite has
     * them, timestamps canonical text. */
    assert_string_equal(text, "{\"id\":\"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\",\"title\":\"a\","
                              "\"count\":-9223372036854775808,\"score\":0.5,"
                              "\"done\":1,\"due\":\"2000-02-29T12:00:00.007Z\","
                              "\"meta\":\"{\\\"a\\\":1}\",\"parent\":null}");
    free(text);
    json_decref(o);
}

static void test_bind_sqlite(void **state) {
    const fixture *f = *state;
    note_row r = full_row();
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE n(id, title, count, score, done, due, meta, "
                                  "parent, owner_id, created_at, updated_at)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO n VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(syncspec_row_bind_sqlite(st, f->notes, &r), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT typeof(id), length(CAST(title AS BLOB)), count, "
                                        "score, typeof(done), done, due, meta, typeof(parent), "
                                        "typeof(owner_id), typeof(updated_at) FROM n",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "text");
    assert_int_equal(sqlite3_column_int(st, 1), 3); /* all three bytes, NUL included */
    assert_true(sqlite3_column_int64(st, 2) == INT64_MIN);
    assert_true(sqlite3_column_double(st, 3) == 0.5);
    assert_string_equal((const char *)sqlite3_column_text(st, 4), "integer");
    assert_int_equal(sqlite3_column_int(st, 5), 1);
    assert_string_equal((const char *)sqlite3_column_text(st, 6), "2000-02-29T12:00:00.007Z");
    assert_string_equal((const char *)sqlite3_column_text(st, 7), "{\"a\":1}");
    assert_string_equal((const char *)sqlite3_column_text(st, 8), "null");
    assert_string_equal((const char *)sqlite3_column_text(st, 9), "null");
    assert_string_equal((const char *)sqlite3_column_text(st, 10), "null");
    sqlite3_finalize(st);
    /* A statement with fewer parameters than the table has columns: SQLite's error. */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT ?", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(syncspec_row_bind_sqlite(st, f->notes, &r), SQLITE_RANGE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_is_the_generated_one),
        cmocka_unit_test(test_state_and_text),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_bind_sqlite),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

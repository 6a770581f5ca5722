/*
 * The compiler as one call (src/compile/): load, validate and generate into a folder, all
 * or nothing, and what the result says about each file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "util/fsutil.h"

static const char spec[] = "syncspec: 1\nname: t\ntables:\n  notes:\n    columns:\n"
                           "      title: text\n";

typedef struct fixture {
    char dir[64];
    arena *a;
    diag_list diags;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/syncspec-compile.XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    f->a = arena_new();
    diag_list_init(&f->diags, f->a);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    diag_list_free(&f->diags);
    arena_free(f->a);
    free(f);
    return rc == 0 ? 0 : -1;
}

static char *in(const fixture *f, const char *name) {
    char *path = fs_join(f->dir, name);
    assert_non_null(path);
    return path;
}

static int run(fixture *f, compile_result *r, const char *out, bool check, const char *templates,
               const char *text) {
    compile_request request = {.spec_path = "t.yaml",
                               .spec_text = text,
                               .spec_length = strlen(text),
                               .out_dir = out,
                               .check = check};
    request.emit.templates_dir = templates;
    diag_list_free(&f->diags);
    diag_list_init(&f->diags, f->a);
    return compile_run(r, f->a, &request, &f->diags);
}

static bool exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_generate_then_nothing_to_do(void **state) {
    fixture *f = *state;
    char *out = in(f, "gen/deep");
    compile_result r;
    /* Check mode on a folder that does not exist: every file missing, nothing made. */
    assert_int_equal(run(f, &r, out, true, NULL, spec), COMPILE_OK);
    assert_non_null(r.schema);
    assert_true(r.file_count > 5);
    for (size_t i = 0; i < r.file_count; i++) assert_true(r.files[i].missing);
    assert_int_equal(r.written, 0);
    assert_false(exists(out));

    assert_int_equal(run(f, &r, out, false, NULL, spec), COMPILE_OK);
    assert_int_equal(r.written, r.file_count);
    for (size_t i = 0; i < r.file_count; i++) {
        assert_true(r.files[i].changed);
        assert_true(exists(r.files[i].path));
        char *joined = fs_join(out, r.files[i].name);
        assert_string_equal(joined, r.files[i].path);
        free(joined);
    }
    /* The same spec again: nothing written. */
    assert_int_equal(run(f, &r, out, false, NULL, spec), COMPILE_OK);
    assert_int_equal(r.written, 0);
    for (size_t i = 0; i < r.file_count; i++) assert_false(r.files[i].changed);

    /* A stale file is found by check, and left as it is. */
    char *sqlite = fs_join(out, "sqlite.sql");
    FILE *file = fopen(sqlite, "w");
    assert_non_null(file);
    fputs("stale\n", file);
    fclose(file);
    assert_int_equal(run(f, &r, out, true, NULL, spec), COMPILE_OK);
    size_t changed = 0;
    for (size_t i = 0; i < r.file_count; i++)
        if (r.files[i].changed) {
            changed++;
            assert_string_equal(r.files[i].name, "sqlite.sql");
            assert_false(r.files[i].missing);
        }
    assert_int_equal(changed, 1);
    assert_true(fs_same_content(sqlite, "stale\n", 6));
    free(sqlite);
    free(out);
}

static void test_invalid_spec_writes_nothing(void **state) {
    fixture *f = *state;
    char *out = in(f, "gen");
    compile_result r;
    assert_int_equal(run(f, &r, out, false, NULL, "syncspec: 1\nname: t\ntables: { Bad: {} }\n"),
                     COMPILE_INVALID);
    assert_null(r.schema);
    assert_int_equal(r.file_count, 0);
    assert_int_equal(diag_error_count(&f->diags), 1);
    assert_string_equal(f->diags.items[0].code, "invalid-name");
    assert_false(exists(out));

    compile_request request = {.spec_path = "/nonexistent/spec.yaml", .out_dir = out};
    assert_int_equal(compile_run(&r, f->a, &request, &f->diags), COMPILE_UNREADABLE);
    assert_false(exists(out));
    free(out);
}

/* A template that fails leaves no file changed, and no folder it made. */
static void test_template_error_is_all_or_nothing(void **state) {
    fixture *f = *state;
    char *templates = in(f, "templates/sqlite");
    assert_int_equal(fs_mkdirs(templates), 0);
    char *broken = in(f, "templates/sqlite/sqlite.sql");
    FILE *file = fopen(broken, "w");
    assert_non_null(file);
    fputs("{{#tables}}never closed\n", file);
    fclose(file);
    char *dir = in(f, "templates");
    char *out = in(f, "new/gen");
    compile_result r;
    assert_int_equal(run(f, &r, out, false, dir, spec), COMPILE_EMIT_FAILED);
    assert_true(diag_error_count(&f->diags) > 0);
    char *parent = in(f, "new");
    assert_false(exists(parent));

    /* Over a generated folder: every old file stays. */
    char *old = in(f, "old");
    assert_int_equal(run(f, &r, old, false, NULL, spec), COMPILE_OK);
    const char *other = "syncspec: 1\nname: t\ntables:\n  notes: { columns: { body: text } }\n";
    assert_int_equal(run(f, &r, old, false, dir, other), COMPILE_EMIT_FAILED);
    assert_int_equal(run(f, &r, old, true, NULL, spec), COMPILE_OK);
    for (size_t i = 0; i < r.file_count; i++) assert_false(r.files[i].changed);
    free(old);
    free(parent);
    free(out);
    free(dir);
    free(broken);
    free(templates);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generate_then_nothing_to_do, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_spec_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_error_is_all_or_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

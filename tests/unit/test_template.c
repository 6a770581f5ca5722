/* The template engine and the escaping helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emit/escape.h"
#include "emit/template.h"

typedef struct fixture {
    arena *a;
    diag_list diags;
    ctx_value *root;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->a = arena_new();
    diag_list_init(&f->diags, f->a);
    f->root = ctx_object(f->a);
    ctx_set_string(f->a, f->root, "name", "docs");
    ctx_set_bool(f->a, f->root, "yes", true);
    ctx_set_bool(f->a, f->root, "no", false);
    ctx_set_string(f->a, f->root, "nothing", NULL);
    ctx_set_string(f->a, f->root, "empty", "");
    ctx_value *items = ctx_list(f->a, 1);
    const char *names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        ctx_value *item = ctx_object(f->a);
        ctx_set_string(f->a, item, "n", names[i]);
        ctx_push(f->a, items, item);
    }
    ctx_mark_ends(f->a, items);
    ctx_set(f->a, f->root, "items", items);
    ctx_value *strings = ctx_list(f->a, 2);
    ctx_push(f->a, strings, ctx_string(f->a, "x"));
    ctx_push(f->a, strings, ctx_string(f->a, "y"));
    ctx_set(f->a, f->root, "strings", strings);
    ctx_value *nested = ctx_object(f->a);
    ctx_set_string(f->a, nested, "inner", "deep");
    ctx_set(f->a, f->root, "nested", nested);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    diag_list_free(&f->diags);
    arena_free(f->a);
    free(f);
    return 0;
}

/* Renders `text`; returns the output (in the arena) or NULL on error. */
static const char *render(fixture *f, const char *text) {
    template *t = template_compile(f->a, "t.tmpl", text, strlen(text), &f->diags);
    if (!t) return NULL;
    strbuf sb = STRBUF_INIT;
    int rc = template_render(&sb, t, f->root, NULL, &f->diags);
    const char *out = rc == 0 ? arena_strdup(f->a, sb_str(&sb)) : NULL;
    sb_free(&sb);
    return out;
}

static void test_variables(void **state) {
    fixture *f = *state;
    assert_string_equal(render(f, "name={{name}} {{ name }}!"), "name=docs docs!");
    assert_string_equal(render(f, "{{yes}}/{{no}}/[{{nothing}}]"), "true/false/[]");
    assert_string_equal(render(f, "{{nested.inner}}"), "deep");
    assert_string_equal(render(f, "no tags at all"), "no tags at all");
    assert_int_equal(f->diags.count, 0);
}

static void test_sections_lists_and_separators(void **state) {
    fixture *f = *state;
    assert_string_equal(render(f, "{{#items}}{{n}}{{^last}}, {{/last}}{{/items}}"), "a, b, c");
    assert_string_equal(render(f, "{{#strings}}<{{.}}>{{/strings}}"), "<x><y>");
    assert_string_equal(render(f, "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}"), "Y!N");
    assert_string_equal(render(f, "{{#nothing}}X{{/nothing}}{{^nothing}}none{{/nothing}}"), "none");
    assert_string_equal(render(f, "{{#empty}}X{{/empty}}{{^empty}}empty{{/empty}}"), "empty");
    /* Outer names stay visible inside a section. */
    assert_string_equal(render(f, "{{#items}}{{name}}.{{n}} {{/items}}"), "docs.a docs.b docs.c ");
    assert_string_equal(render(f, "{{#nested}}{{inner}}-{{name}}{{/nested}}"), "deep-docs");
}

static void test_standalone_lines_leave_no_blank_lines(void **state) {
    fixture *f = *state;
    assert_string_equal(
        render(f, "begin\n  {{#items}}\n  - {{n}}\n  {{/items}}\n{{! note }}\nend\n"),
        "begin\n  - a\n  - b\n  - c\nend\n");
    /* A tag with text on its line is not standalone. */
    assert_string_equal(render(f, "x {{#yes}}\ny{{/yes}} z\n"), "x \ny z\n");
}

static void test_errors_have_positions(void **state) {
    fixture *f = *state;
    assert_null(render(f, "ok\n  {{#items}}never closed"));
    assert_int_equal(f->diags.count, 1);
    assert_string_equal(f->diags.items[0].code, "template-syntax");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 3);

    f->diags.count = 0;
    assert_null(render(f, "{{#items}}{{/strings}}"));
    assert_string_equal(f->diags.items[0].code, "template-syntax");

    f->diags.count = 0;
    assert_null(render(f, "a\nb {{nmae}}"));
    assert_int_equal(f->diags.count, 1);
    assert_string_equal(f->diags.items[0].code, "template-unknown-name");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 3);

    f->diags.count = 0;
    assert_null(render(f, "{{items}}"));
    assert_string_equal(f->diags.items[0].code, "template-not-a-value");

    f->diags.count = 0;
    assert_null(render(f, "{{name"));
    assert_string_equal(f->diags.items[0].code, "template-syntax");

    f->diags.count = 0;
    assert_null(render(f, "{{/items}}"));
    assert_string_equal(f->diags.items[0].code, "template-syntax");
}

static void test_context_to_json(void **state) {
    fixture *f = *state;
    json_t *j = ctx_to_json(f->root);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "docs");
    assert_true(json_is_true(json_object_get(j, "yes")));
    assert_true(json_is_null(json_object_get(j, "nothing")));
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_true(json_is_true(json_object_get(json_array_get(items, 2), "last")));
    json_decref(j);
}

static void test_escaping(void **state) {
    fixture *f = *state;
    assert_string_equal(esc_sql_ident(f->a, "group"), "\"group\"");
    assert_string_equal(esc_sql_ident(f->a, "a\"b"), "\"a\"\"b\"");
    assert_string_equal(esc_sql_literal(f->a, "it's"), "'it''s'");
    assert_string_equal(esc_yaml_single(f->a, "SELECT 'x'"), "'SELECT ''x'''");
    assert_string_equal(esc_c_string(f->a, "a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    assert_string_equal(esc_c_string(f->a, "?\?="), "\"?\\?=\"");
    assert_string_equal(esc_c_string(f->a, "\xc3\xa9"), "\"\\303\\251\"");
    assert_string_equal(esc_c_comment(f->a, "a */ b"), "a * / b");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_variables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_lists_and_separators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_standalone_lines_leave_no_blank_lines, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_errors_have_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_to_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The template engine, the render context and the escaping helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>
#include <yaml.h>

#include "emit/escape.h"
#include "emit/template.h"

typedef struct fixture {
    arena *a;
    diag_list diags;
    ctx_value *root;
    const template *partial; /* what the test resolver returns for "part" */
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
    ctx_value *items = ctx_list(f->a, 1); /* grows past its first guess */
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
    ctx_set(f->a, f->root, "none", ctx_list(f->a, 0));
    ctx_value *nested = ctx_object(f->a);
    ctx_set_string(f->a, nested, "inner", "deep");
    ctx_set_string(f->a, nested, "name", "shadow");
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

static const template *resolve(void *data, const char *name, size_t length) {
    fixture *f = data;
    return length == 4 && memcmp(name, "part", 4) == 0 ? f->partial : NULL;
}

/* Renders `text` over `root`; returns the output (in the arena) or NULL on error. */
static const char *render_over(fixture *f, const char *text, const ctx_value *root) {
    template *t = template_compile(f->a, "t.tmpl", text, strlen(text), &f->diags);
    if (!t) return NULL;
    strbuf sb = STRBUF_INIT;
    template_partials partials = {resolve, f};
    int rc = template_render(&sb, t, root, &partials, &f->diags);
    const char *out = rc == 0 ? arena_strdup(f->a, sb_str(&sb)) : NULL;
    sb_free(&sb);
    return out;
}

static const char *render(fixture *f, const char *text) { return render_over(f, text, f->root); }

static void test_variables(void **state) {
    fixture *f = *state;
    assert_string_equal(render(f, "name={{name}} {{ name }}!"), "name=docs docs!");
    assert_string_equal(render(f, "{{yes}}/{{no}}/[{{nothing}}]"), "true/false/[]");
    assert_string_equal(render(f, "{{nested.inner}}"), "deep");
    assert_string_equal(render(f, "{{{name}}} {{{ name }}} {{&name}} {{& name}}"),
                        "docs docs docs docs");
    assert_string_equal(render(f, "no tags at all"), "no tags at all");
    assert_string_equal(render(f, ""), "");
    /* Nothing is escaped: that is the context builders' job. */
    ctx_set_string(f->a, f->root, "raw", "<'\"&>");
    assert_string_equal(render(f, "{{raw}}"), "<'\"&>");
    /* A lone brace or closing braces are text. */
    assert_string_equal(render(f, "{ } }} {x}"), "{ } }} {x}");
    assert_int_equal(f->diags.count, 0);
}

static void test_sections_lists_and_separators(void **state) {
    fixture *f = *state;
    assert_string_equal(render(f, "{{#items}}{{n}}{{^last}}, {{/last}}{{/items}}"), "a, b, c");
    assert_string_equal(
        render(f, "{{#items}}{{#first}}[{{/first}}{{n}}{{#last}}]{{/last}}{{/items}}"), "[abc]");
    assert_string_equal(render(f, "{{#strings}}<{{.}}>{{/strings}}"), "<x><y>");
    assert_string_equal(render(f, "{{#none}}X{{/none}}{{^none}}empty list{{/none}}"), "empty list");
    assert_string_equal(
        render(f, "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}{{^yes}}!Y{{/yes}}"), "Y!N");
    assert_string_equal(render(f, "{{#nothing}}X{{/nothing}}{{^nothing}}none{{/nothing}}"), "none");
    assert_string_equal(render(f, "{{#empty}}X{{/empty}}{{^empty}}empty{{/empty}}"), "empty");
    /* A non-empty string section runs once, with the string on top. */
    assert_string_equal(render(f, "{{#name}}<{{.}}>{{/name}}{{^name}}-{{/name}}"), "<docs>");
    /* Outer names stay visible inside a section; inner ones shadow them. */
    assert_string_equal(render(f, "{{#items}}{{name}}.{{n}} {{/items}}"), "docs.a docs.b docs.c ");
    assert_string_equal(render(f, "{{#nested}}{{inner}}-{{name}}{{/nested}} {{name}}"),
                        "deep-shadow docs");
    /* Dotted names resolve their first part up the stack, the rest inside it. */
    assert_string_equal(render(f, "{{#items}}{{nested.inner}}{{/items}}"), "deepdeepdeep");
    /* Sections nest. */
    assert_string_equal(render(f, "{{#items}}{{#strings}}{{n}}{{.}} {{/strings}}{{/items}}"),
                        "ax ay bx by cx cy ");
    assert_int_equal(f->diags.count, 0);
}

static void test_standalone_lines_leave_no_blank_lines(void **state) {
    fixture *f = *state;
    assert_string_equal(
        render(f, "begin\n  {{#items}}\n  - {{n}}\n  {{/items}}\n{{! note }}\nend\n"),
        "begin\n  - a\n  - b\n  - c\nend\n");
    assert_string_equal(render(f, "a\n{{^yes}}\nhidden\n{{/yes}}\nb\n"), "a\nb\n");
    /* A comment may span lines and still take them all. */
    assert_string_equal(render(f, "a\n{{! one\n    two }}\nb\n"), "a\nb\n");
    assert_string_equal(render(f, "a{{! inline }}b\n"), "ab\n");
    /* CRLF line ends, and a tag on the last line with no line end. */
    assert_string_equal(render(f, "a\r\n{{#yes}}\r\nb\r\n{{/yes}}\r\nc\r\n"), "a\r\nb\r\nc\r\n");
    assert_string_equal(render(f, "a\n{{#yes}}\nb\n{{/yes}}"), "a\nb\n");
    /* A tag with text on its line is not standalone; variables never are. */
    assert_string_equal(render(f, "x {{#yes}}\ny{{/yes}} z\n"), "x \ny z\n");
    assert_string_equal(render(f, "{{nothing}}\nz\n"), "\nz\n");
    assert_int_equal(f->diags.count, 0);
}

static void test_partials(void **state) {
    fixture *f = *state;
    const char *part = "<{{n}}>\n";
    f->partial = template_compile(f->a, "part", part, strlen(part), &f->diags);
    assert_non_null(f->partial);
    /* Rendered in the current context, standalone: its line goes, its indentation too. */
    assert_string_equal(render(f, "{{#items}}\n  {{>part}}\n{{/items}}\n"), "<a>\n<b>\n<c>\n");
    assert_string_equal(render(f, "{{#items}}[{{> part }}]{{/items}}"), "[<a>\n][<b>\n][<c>\n]");
    assert_int_equal(f->diags.count, 0);
}

static void test_partial_errors(void **state) {
    fixture *f = *state;
    /* A name missing in a partial is reported at the partial's own position. */
    const char *part = "\n {{n}}";
    f->partial = template_compile(f->a, "part", part, strlen(part), &f->diags);
    assert_null(render(f, "{{>part}}"));
    assert_int_equal(f->diags.count, 1);
    assert_string_equal(f->diags.items[0].file, "part");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 2);

    f->diags.count = 0;
    assert_null(render(f, "ok\n {{>missing}}"));
    assert_string_equal(f->diags.items[0].code, "template-partial");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 2);

    /* A partial that includes itself stops at the nesting limit with an error. */
    f->diags.count = 0;
    const char *loop = "x{{>part}}";
    f->partial = template_compile(f->a, "part", loop, strlen(loop), &f->diags);
    assert_null(render(f, "{{>part}}"));
    assert_int_equal(f->diags.count, 1);
    assert_non_null(strstr(f->diags.items[0].message, "deeper"));

    /* Twice: 2^32 renders within the nesting limit; the work limit stops it at once. */
    f->diags.count = 0;
    const char *twice = "x{{>part}}{{>part}}";
    f->partial = template_compile(f->a, "part", twice, strlen(twice), &f->diags);
    assert_null(render(f, "{{#items}}{{>part}}{{/items}}"));
    const diag *last = &f->diags.items[f->diags.count - 1];
    assert_string_equal(last->code, "template-limit");
    assert_non_null(strstr(last->message, "include itself"));

    /* A partial is a file of the template's folder: a path is refused when compiled. */
    static const char *const paths[] = {"{{>../../etc/hostname}}", "{{>/etc/hostname}}",
                                        "{{>sub/part}}", "{{>..}}", "{{>a\\b}}"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        f->diags.count = 0;
        assert_null(template_compile(f->a, "main", paths[i], strlen(paths[i]), &f->diags));
        assert_int_equal(f->diags.count, 1);
        assert_string_equal(f->diags.items[0].code, "template-partial");
    }
}

static void test_syntax_errors_have_positions(void **state) {
    fixture *f = *state;
    assert_null(render(f, "ok\n  {{#items}}never closed"));
    assert_int_equal(f->diags.count, 1);
    assert_string_equal(f->diags.items[0].code, "template-syntax");
    assert_string_equal(f->diags.items[0].file, "t.tmpl");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 3);

    /* The wrong closing tag points at itself, with a note where the section opened. */
    f->diags.count = 0;
    assert_null(render(f, "{{#items}}\n\n   {{/strings}}"));
    assert_string_equal(f->diags.items[0].code, "template-syntax");
    assert_int_equal(f->diags.items[0].line, 3);
    assert_int_equal(f->diags.items[0].col, 4);
    assert_int_equal(f->diags.items[0].note_line, 1);
    assert_int_equal(f->diags.items[0].note_col, 1);

    struct {
        const char *text;
        unsigned line, col;
    } cases[] = {
        {"{{name", 1, 1},       {"a {{{name}}", 1, 3}, {"\n{{/items}}", 2, 1},
        {"x\ny\n  {{}}", 3, 3}, {"{{#}}{{/}}", 1, 1},  {"é {{ }}", 1, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        f->diags.count = 0;
        assert_null(render(f, cases[i].text));
        assert_true(f->diags.count >= 1);
        assert_string_equal(f->diags.items[0].code, "template-syntax");
        assert_int_equal(f->diags.items[0].line, cases[i].line);
        assert_int_equal(f->diags.items[0].col, cases[i].col);
    }

    /* Every error of a template is reported, not only the first. */
    f->diags.count = 0;
    assert_null(render(f, "{{/a}}\n{{/b}}\n{{#c}}"));
    assert_int_equal(f->diags.count, 3);

    /* Nesting has a limit, and passing it is an error, not a crash. */
    f->diags.count = 0;
    strbuf deep = STRBUF_INIT;
    for (int i = 0; i < 40; i++) sb_append(&deep, "{{#yes}}");
    assert_null(render(f, sb_str(&deep)));
    sb_free(&deep);
    assert_non_null(strstr(f->diags.items[0].message, "deeper"));
}

static void test_render_errors_have_positions(void **state) {
    fixture *f = *state;
    assert_null(render(f, "a\nb {{nmae}}"));
    assert_int_equal(f->diags.count, 1);
    assert_string_equal(f->diags.items[0].code, "template-unknown-name");
    assert_int_equal(f->diags.items[0].line, 2);
    assert_int_equal(f->diags.items[0].col, 3);

    /* A name missing inside a list fails once per tag, not once per item. */
    f->diags.count = 0;
    assert_null(render(f, "{{#items}}{{nope}}{{#nope2}}{{/nope2}}{{/items}}"));
    assert_int_equal(f->diags.count, 2);
    assert_int_equal(f->diags.items[1].col, 19);

    f->diags.count = 0;
    assert_null(render(f, "{{nested.nope}}"));
    assert_string_equal(f->diags.items[0].code, "template-unknown-name");

    f->diags.count = 0;
    assert_null(render(f, "{{items}}"));
    assert_string_equal(f->diags.items[0].code, "template-not-a-value");
    f->diags.count = 0;
    assert_null(render(f, "{{nested}}"));
    assert_string_equal(f->diags.items[0].code, "template-not-a-value");
}

/* A lazy list of `count` objects {i, label}: built on demand, in a scratch arena. */
static const ctx_value *lazy_item(arena *scratch, const void *data, size_t index, size_t count) {
    ctx_value *item = ctx_object(scratch);
    ctx_set_string(scratch, item, "i", arena_printf(scratch, "%zu", index));
    ctx_set_string(scratch, item, "label", data);
    ctx_set_ends(scratch, item, index, count);
    return item;
}

static int count_items(void *data, const ctx_value *item) {
    (void)item;
    return ++*(int *)data == 2 ? 7 : 0;
}

static void test_lazy_lists(void **state) {
    fixture *f = *state;
    ctx_set(f->a, f->root, "lazy", ctx_lazy_list(f->a, 3, lazy_item, "L"));
    ctx_set(f->a, f->root, "lazy_none", ctx_lazy_list(f->a, 0, lazy_item, "L"));
    assert_string_equal(render(f, "{{#lazy}}{{label}}{{i}}{{^last}},{{/last}}{{/lazy}}"),
                        "L0,L1,L2");
    assert_string_equal(render(f, "{{^lazy_none}}none{{/lazy_none}}{{^lazy}}x{{/lazy}}"), "none");
    assert_true(ctx_is_list(ctx_get(f->root, "lazy", 4)));
    assert_false(ctx_is_list(ctx_get(f->root, "name", 4)));
    /* ctx_each stops at the first non-zero return and passes it on. */
    int seen = 0;
    assert_int_equal(ctx_each(ctx_get(f->root, "lazy", 4), count_items, &seen), 7);
    assert_int_equal(seen, 2);
    /* --dump-context builds lazy lists out in full. */
    json_t *j = ctx_to_json(f->root);
    json_t *lazy = json_object_get(j, "lazy");
    assert_int_equal(json_array_size(lazy), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(lazy, 2), "i")), "2");
    assert_true(json_is_true(json_object_get(json_array_get(lazy, 2), "last")));
    json_decref(j);
}

static void test_context_json_round_trip(void **state) {
    fixture *f = *state;
    json_t *j = ctx_to_json(f->root);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "docs");
    assert_true(json_is_true(json_object_get(j, "yes")));
    assert_true(json_is_null(json_object_get(j, "nothing")));
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_true(json_is_true(json_object_get(json_array_get(items, 2), "last")));
    /* Back from JSON, the same template renders the same text. */
    const char *text = "{{#items}}{{n}}{{^last}},{{/last}}{{/items}} {{nested.inner}} "
                       "{{#strings}}{{.}}{{/strings}} {{yes}}{{^nothing}}!{{/nothing}}";
    const char *direct = render(f, text);
    const char *via_json = render_over(f, text, ctx_from_json(f->a, j));
    assert_string_equal(direct, via_json);
    json_decref(j);

    /* Numbers become their JSON text, keys keep the document's order. */
    json_t *doc = json_loads("{\"z\": 1, \"a\": 2.5, \"n\": -7, \"list\": [true, null]}", 0, NULL);
    const ctx_value *c = ctx_from_json(f->a, doc);
    assert_string_equal(render_over(f, "{{z}} {{a}} {{n}} {{#list}}[{{.}}]{{/list}}", c),
                        "1 2.5 -7 [true][]");
    assert_string_equal(c->as.fields[0].key, "z");
    json_decref(doc);
}

/* SQLite reads an identifier and a literal back as the original text. */
static void test_sql_escaping_round_trips_through_sqlite(void **state) {
    fixture *f = *state;
    const char *samples[] = {"group", "a\"b", "it's", "\"\"", "é 日本 🎉", "x; DROP TABLE t; --",
                             "a\\b",  " "};
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const char *sql = arena_printf(
            f->a, "CREATE TABLE %s (%s TEXT DEFAULT %s)", esc_sql_ident(f->a, samples[i]),
            esc_sql_ident(f->a, samples[i]), esc_sql_literal(f->a, samples[i]));
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_stmt *st;
        const char *q = arena_printf(f->a, "SELECT name, dflt_value FROM pragma_table_info(%s)",
                                     esc_sql_literal(f->a, samples[i]));
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), samples[i]);
        assert_string_equal((const char *)sqlite3_column_text(st, 1),
                            esc_sql_literal(f->a, samples[i]));
        sqlite3_finalize(st);
        assert_int_equal(
            sqlite3_exec(db, arena_printf(f->a, "DROP TABLE %s", esc_sql_ident(f->a, samples[i])),
                         NULL, NULL, NULL),
            SQLITE_OK);
    }
    sqlite3_close(db);
}

static void test_sql_and_c_escaping(void **state) {
    fixture *f = *state;
    assert_string_equal(esc_sql_ident(f->a, "group"), "\"group\"");
    assert_string_equal(esc_sql_ident(f->a, "a\"b"), "\"a\"\"b\"");
    assert_string_equal(esc_sql_ident(f->a, ""), "\"\"");
    assert_string_equal(esc_sql_literal(f->a, "it's"), "'it''s'");
    assert_string_equal(esc_sql_literal(f->a, "a\\b"), "'a\\b'");
    /* PostgreSQL: the same under either standard_conforming_strings setting. */
    assert_string_equal(esc_pg_literal(f->a, "it's"), "'it''s'");
    assert_string_equal(esc_pg_literal(f->a, "C:\\d\\it's"), "E'C:\\\\d\\\\it''s'");
    assert_string_equal(esc_c_string(f->a, "a\"b\\c\nd\te"), "\"a\\\"b\\\\c\\nd\\te\"");
    assert_string_equal(esc_c_string(f->a, "?\?=?\?/"), "\"?\\?=?\\?/\"");
    assert_string_equal(esc_c_string(f->a, "\xc3\xa9\x01"), "\"\\303\\251\\001\"");
    /* An octal escape is at most three digits, so a digit after one stays a digit. */
    assert_string_equal(esc_c_string(f->a, "\x01"
                                           "7"),
                        "\"\\0017\"");
    assert_string_equal(esc_c_comment(f->a, "a */ b /* c ?\?/"), "a * / b / * c ? ?/");
    assert_string_equal(esc_c_comment(f->a, "plain é"), "plain é");
}

/* libyaml reads `key: <scalar>` back as the original text. */
static const char *yaml_read_back(arena *a, const char *scalar) {
    const char *doc = arena_printf(a, "key: %s\n", scalar);
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, strlen(doc));
    const char *value = NULL;
    int scalars = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) break;
        if (event.type == YAML_SCALAR_EVENT && ++scalars == 2)
            value =
                arena_strndup(a, (const char *)event.data.scalar.value, event.data.scalar.length);
        bool done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    return value;
}

static void test_yaml_escaping_round_trips_through_libyaml(void **state) {
    fixture *f = *state;
    assert_string_equal(esc_yaml_single(f->a, "SELECT 'x'"), "'SELECT ''x'''");
    assert_string_equal(esc_yaml_scalar(f->a, "on"), "'on'");
    assert_string_equal(esc_yaml_scalar(f->a, "a\nb"), "\"a\\nb\"");
    const char *samples[] = {"SELECT \"id\" FROM \"group\" WHERE \"o\" = bucket.user_id",
                             "on",
                             "null",
                             "~",
                             "yes",
                             "# not a comment",
                             "- x",
                             ": y",
                             "it's \"quoted\" \\ back",
                             "line\nbreak",
                             "cr\r\nlf",
                             "tab\there",
                             "bell\a",
                             "nel\xc2\x85"
                             "x",
                             "ls\xe2\x80\xa8"
                             "x",
                             "ps\xe2\x80\xa9"
                             "x",
                             "é 日本 🎉",
                             "  padded  ",
                             "",
                             "\x7f",
                             "c1\xc2\x9f"};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        const char *back = yaml_read_back(f->a, esc_yaml_scalar(f->a, samples[i]));
        if (!back || strcmp(back, samples[i]) != 0)
            fail_msg("sample %zu: %s read back as %s", i, esc_yaml_scalar(f->a, samples[i]),
                     back ? back : "(nothing)");
    }
}

/* JSON strings read back by jansson as the same bytes; TypeScript literals, template text
 * and bindings as TypeScript reads them (the node tests compile them for real). */
static void test_json_and_typescript_escaping(void **state) {
    fixture *f = *state;
    static const char *const samples[] = {"plain",
                                          "it's",
                                          "say \"hi\"",
                                          "C:\\dir",
                                          "line\nbreak\r\ttab",
                                          "\x01\x1f\x7f",
                                          "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
                                          "ls\xe2\x80\xa8ps\xe2\x80\xa9",
                                          "\xe2\x82\xac",
                                          ""};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        const char *quoted = esc_json_string(f->a, samples[i]);
        json_error_t error;
        json_t *back = json_loads(arena_printf(f->a, "[%s]", quoted), 0, &error);
        if (!back) fail_msg("sample %zu: %s is not JSON: %s", i, quoted, error.text);
        assert_string_equal(json_string_value(json_array_get(back, 0)), samples[i]);
        json_decref(back);
    }
    assert_string_equal(esc_ts_string(f->a, "it's"), "'it\\'s'");
    assert_string_equal(esc_ts_string(f->a, "say \"hi\""), "'say \"hi\"'");
    assert_string_equal(esc_ts_string(f->a, "a\\b\nc\x01"), "'a\\\\b\\nc\\u0001'");
    assert_string_equal(esc_ts_string(f->a, "ls\xe2\x80\xa8"), "'ls\\u2028'");
    assert_string_equal(esc_ts_string(f->a, "caf\xc3\xa9 \xe2\x82\xac"),
                        "'caf\xc3\xa9 \xe2\x82\xac'");
    assert_string_equal(esc_ts_template(f->a, "a`b${c}\\d $e"), "a\\`b\\${c}\\\\d $e");
    assert_string_equal(esc_ts_ident(f->a, "delete"), "delete_");
    assert_string_equal(esc_ts_ident(f->a, "text"), "text_");
    assert_string_equal(esc_ts_ident(f->a, "documents"), "documents");
    assert_string_equal(esc_ts_ident(f->a, "texts"), "texts");
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_variables),
        T(test_sections_lists_and_separators),
        T(test_standalone_lines_leave_no_blank_lines),
        T(test_partials),
        T(test_partial_errors),
        T(test_syntax_errors_have_positions),
        T(test_render_errors_have_positions),
        T(test_lazy_lists),
        T(test_context_json_round_trip),
        T(test_sql_escaping_round_trips_through_sqlite),
        T(test_sql_and_c_escaping),
        T(test_yaml_escaping_round_trips_through_libyaml),
        T(test_json_and_typescript_escaping),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

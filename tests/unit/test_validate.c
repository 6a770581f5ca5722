/*
 * The rules of the spec language: each test loads a spec and asserts the exact list of
 * diagnostics (code, line, column), as `syncspec lint` would print them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "validate/validate.h"

typedef struct expect {
    const char *code;
    unsigned line, col;
    const char *text; /* a substring of the message or of its note, or NULL */
} expect;

#define END                                                                                        \
    { NULL, 0, 0, NULL }

/* The most diagnostics one case expects. */
enum { MAX_EXPECTED = 12 };

#define HEADER "syncspec: 1\nname: app\ntables:\n" /* tables start on line 4 */

static bool mentions(const diag *d, const char *text) {
    return !text || strstr(d->message, text) || (d->note && strstr(d->note, text));
}

/* Loads `yaml` and asserts its diagnostics are exactly `expected`, in position order. */
static void check(const char *yaml, const expect *expected) {
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *schema = NULL;
    int rc = compile_load_buffer(&schema, a, "spec.yaml", yaml, strlen(yaml), &diags);
    diag_sort(&diags);
    size_t n = 0;
    bool errors = false;
    for (const expect *e = expected; e->code; e++) n++;
    bool same = diags.count == n;
    for (size_t i = 0; same && i < n; i++) {
        const diag *d = &diags.items[i];
        same = strcmp(d->code, expected[i].code) == 0 && d->line == expected[i].line &&
               d->col == expected[i].col && mentions(d, expected[i].text);
    }
    for (size_t i = 0; i < diags.count; i++) errors |= diags.items[i].severity == DIAG_ERROR;
    if (!same) {
        fprintf(stderr, "expected:\n");
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  %u:%u %s %s\n", expected[i].line, expected[i].col, expected[i].code,
                    expected[i].text ? expected[i].text : "");
        fprintf(stderr, "got:\n");
        diag_print(stderr, &diags);
    }
    assert_true(same);
    assert_int_equal(rc, errors ? -1 : 0);
    assert_true(errors ? schema == NULL : schema != NULL);
    diag_list_free(&diags);
    arena_free(a);
}

typedef struct spec_case {
    const char *name;
    const char *yaml;
    expect expected[MAX_EXPECTED + 1]; /* up to an entry without a code */
} spec_case;

/*
 * Specs and the exact diagnostics each gets, in position order (none: a valid spec).
 * Each case runs as a test of its own, named by it.
 */
static const spec_case cases[] = {
    /* ---- YAML */
    {"yaml_syntax/bad_indent",
     HEADER "  a:\n    columns:\n      x: text\n     y: text\n",
     {{"yaml-syntax", 7, 6, "did not find expected key"}}},
    {"yaml_syntax/unclosed", HEADER "  a: { columns: { x: text }\n", {{"yaml-syntax", 5, 1, NULL}}},
    {"yaml_syntax/tab",
     HEADER "  a:\n\tcolumns: {}\n",
     {{"yaml-syntax", 5, 1, "cannot start any token"}}},
    {"yaml_features/alias",
     HEADER "  a: &x\n    columns: { t: text }\n  b:\n  c: *x\n",
     {{"yaml-alias", 7, 6, "*x"}}},
    {"yaml_features/tag",
     "syncspec: 1\nname: !env app\ntables: { a: {} }\n",
     {{"unsupported-tag", 2, 7, "!env"}}},
    /* !!str is plain YAML: it makes a string, which a name accepts. */
    {"yaml_features/valid", "syncspec: 1\nname: !!str app\ntables: { a: {} }\n", {END}},
    {"yaml_features/docs", HEADER "  a: {}\n---\nfoo: 1\n", {{"multiple-documents", 5, 1, NULL}}},
    {"yaml_features/key",
     HEADER "  ? [a, b]\n  : {}\n  c: {}\n",
     {{"wrong-kind", 4, 5, "key must be a string"}}},
    /* ---- keys and kinds */
    {"unknown_keys",
     "syncspec: 1\nname: app\nowner_colum: owner_id\npostgres:\n  shema: app\ntables:\n"
     "  a:\n    colums: { x: text }\n    columns:\n      y: { type: text, requried: true }\n"
     "    indexes:\n      - { columns: [y], uniq: true }\n    unique:\n"
     "      - { columns: [y], unique: true }\n",
     {{"unknown-key", 3, 1, "did you mean 'owner_column'?"},
      {"unknown-key", 5, 3, "expected one of: schema, publication"},
      {"unknown-key", 8, 5, "did you mean 'columns'?"},
      {"unknown-key", 10, 24, "did you mean 'required'?"},
      {"unknown-key", 12, 25, "expected one of: columns, unique"},
      {"unknown-key", 14, 25, "expected one of: columns"}}},
    {"unknown_types",
     HEADER "  a:\n    columns:\n      a: txt\n      b: { type: int }\n      c: bool\n"
            "      d: uuid\n      e: blob\n",
     {{"unknown-type", 6, 10, "did you mean 'text'?"},
      {"unknown-type", 7, 18, "did you mean 'integer'?"},
      {"unknown-type", 8, 10, "did you mean 'boolean'?"},
      {"unknown-type", 9, 10, "did you mean 'id'?"},
      {"unknown-type", 10, 10,
       "expected one of: text, integer, real, boolean, timestamp, json, id"}}},
    {"wrong_kinds/kinds",
     "syncspec: one\nname: app\ntables:\n"
     "  a:\n"
     "    description: { a: 1 }\n"
     "    local_only: yes\n"
     "    timestamps: true\n"
     "    columns:\n"
     "      c: { type: text, required: maybe }\n"
     "      d:\n"
     "      e: [text]\n"
     "      f: { type: boolean, required: 'true' }\n"
     "    indexes:\n"
     "      - c\n"
     "      - { columns: c }\n"
     "  b:\n"
     "    - x\n"
     "  g:\n"
     "    columns: [a, b]\n",
     {{"wrong-kind", 1, 11, "the spec format version"},
      {"wrong-kind", 5, 18, "'description' expects a string, found a mapping"},
      {"wrong-kind", 6, 17, "'local_only' expects a boolean (true or false), found 'yes'"},
      {"wrong-kind", 9, 34, "found 'maybe'"},
      {"wrong-kind", 10, 7, "found nothing"},
      {"wrong-kind", 11, 10, "found a list"},
      {"wrong-kind", 12, 37, "the string 'true'"},
      {"wrong-kind", 14, 9, "write - [c]"},
      {"wrong-kind", 15, 20, "'columns' expects a list"},
      {"wrong-kind", 17, 5, "table 'b' expects a mapping of options"},
      {"wrong-kind", 19, 14, "a mapping of column names"}}},
    {"wrong_kinds/tables",
     "syncspec: 1\nname: app\ntables: [a, b]\n",
     {{"wrong-kind", 3, 9, "a mapping of table names"}}},
    {"wrong_kinds/root", "just text\n", {{"wrong-kind", 1, 1, "a spec is a mapping"}}},
    {"missing_keys",
     "tables:\n  a:\n    columns:\n"
     "      y: text\n"
     "      x: { required: true }\n"
     "    indexes:\n"
     "      - { unique: true }\n",
     {{"missing-key", 1, 1, "'syncspec'"},
      {"missing-key", 1, 1, "'name'"},
      {"missing-key", 5, 10, "column 'x' has no 'type'"},
      {"missing-key", 7, 9, "no 'columns'"}}},
    {"version",
     "syncspec: 2\nname: app\ntables: { a: {} }\n",
     {{"unsupported-version", 1, 11, "reads version 1"}}},
    {"no_tables/null", "syncspec: 1\nname: app\ntables:\n", {{"no-tables", 3, 1, NULL}}},
    {"no_tables/empty_mapping",
     "syncspec: 1\nname: app\ntables: {}\n",
     {{"no-tables", 3, 1, NULL}}},
    {"no_tables/missing", "syncspec: 1\nname: app\n", {{"no-tables", 1, 1, NULL}}},
    {"invalid_values",
     "syncspec: 1\nname: app\nid_format: uid\nsync: { format: stream }\ntables:\n"
     "  a:\n    columns:\n"
     "      t: { type: text, max_length: 0 }\n"
     "      i: { type: integer, min: 99999999999999999999 }\n"
     "      r: { type: real, max: .inf }\n",
     {{"invalid-value", 3, 12, "did you mean 'uuid'?"},
      {"invalid-value", 4, 17, "did you mean 'streams'?"},
      {"invalid-value", 8, 36, "between 1 and"},
      {"invalid-value", 9, 32, "out of the range of a 64-bit integer"},
      {"invalid-value", 10, 29, "finite"}}},
    /* ---- names */
    {"names",
     "syncspec: 1\nname: MyApp\ntables:\n"
     "  ok: {}\n"
     "  UserProfiles:\n    columns:\n"
     "      ps_x: text\n      sqlite_x: text\n      pg_x: text\n      syncspec_x: text\n"
     "      2fa: text\n      'e-mail': text\n",
     {{"invalid-name", 2, 7, "did you mean 'my_app'?"},
      {"invalid-name", 5, 3, "did you mean 'user_profiles'?"},
      {"reserved-name", 7, 7, "'ps_'"},
      {"reserved-name", 8, 7, "'sqlite_'"},
      {"reserved-name", 9, 7, "'pg_'"},
      {"reserved-name", 10, 7, "'syncspec_'"},
      {"invalid-name", 11, 7, "^[a-z][a-z0-9_]*$"},
      {"invalid-name", 12, 7, NULL}}},
    {"sql_keywords_are_names",
     HEADER "  group:\n    columns:\n      order: integer\n      user: text\n"
            "      select: { type: id, references: group }\n"
            "    indexes:\n      - [order, user]\n"
            "  user: { columns: { from: text, where: text } }\n",
     {END}},
    {"spec_level_names",
     "syncspec: 1\nname: syncspec\nowner_column: created_at\n"
     "postgres: { schema: pg_app, publication: Pub }\nsync: { bucket: user-data }\n"
     "tables:\n  a:\n    timestamps: false\n",
     {{"reserved-name", 2, 7, "clash"},
      {"reserved-name", 3, 15, "cannot be 'created_at'"},
      {"reserved-name", 4, 21, "reserved by PostgreSQL"},
      {"invalid-name", 4, 42, "publication name"},
      {"invalid-name", 5, 17, "bucket name"}}},
    {"redeclared_implicit_columns",
     "syncspec: 1\nname: app\nowner_column: user_id\ntables:\n"
     "  a:\n    soft_delete: true\n"
     "    columns:\n"
     "      id: text\n      user_id: id\n      created_at: timestamp\n"
     "      updated_at: timestamp\n      deleted_at: timestamp\n      owner_id: text\n"
     "  b:\n    local_only: true\n    columns:\n      user_id: id\n",
     {{"redeclared-implicit-column", 8, 7, "every table has an id"},
      {"redeclared-implicit-column", 9, 7, "column 'user_id' is implicit"},
      {"redeclared-implicit-column", 10, 7, "timestamps (on by default)"},
      {"redeclared-implicit-column", 11, 7, "timestamps"},
      {"redeclared-implicit-column", 12, 7, "soft_delete"}}},
    {"property_collision/collision",
     HEADER "  t:\n    columns:\n      col1: text\n      a_b: text\n      a__b: text\n",
     {{"property-collision", 8, 7, "'aB'"}}},
    {"property_collision/digits",
     HEADER "  t:\n    columns:\n      col1: text\n      col_1: text\n",
     {{"property-collision", 7, 7, "'col1'"}}},
    /* ---- values and constraints */
    {"defaults_that_do_not_fit",
     HEADER "  t:\n    columns:\n"
            "      i1: { type: integer, default: abc }\n"
            "      i2: { type: integer, default: '5' }\n"
            "      b1: { type: boolean, default: yes }\n"
            "      t1: { type: timestamp, default: 2024-02-30 }\n"
            "      u1: { type: id, default: not-a-uuid }\n"
            "      j1: { type: json, default: '{a: 1}' }\n"
            "      r1: { type: real, default: .nan }\n"
            "      s1: { type: text, default: [a] }\n"
            "      j2: { type: json, default: [1, .inf] }\n",
     {{"invalid-default", 6, 37, "expected an integer, found 'abc'"},
      {"invalid-default", 7, 37, "the string '5'"},
      {"invalid-default", 8, 37, "expected true or false, found 'yes'"},
      {"invalid-default", 9, 39, "not a timestamp"},
      {"invalid-default", 10, 32, "not a lowercase UUID"},
      {"invalid-default", 11, 34, "not JSON text"},
      {"invalid-default", 12, 34, "not a finite number"},
      {"invalid-default", 13, 34, "expected a text value, found a list"},
      {"invalid-default", 14, 34, "no infinity or NaN"}}},
    {"defaults_and_constraints/constraints",
     HEADER "  t:\n    columns:\n"
            "      s: { type: text, max_length: 3, default: abcd }\n"
            "      p: { type: text, pattern: '^[a-z]+$', default: ABC }\n"
            "      i: { type: integer, min: 1, default: 0 }\n"
            "      r: { type: real, max: 0.5, default: 0.75 }\n"
            "      e: { type: text, enum: [a, b], default: c }\n",
     {{"invalid-default", 6, 48, "longer than max_length 3"},
      {"invalid-default", 7, 54, "does not match pattern"},
      {"invalid-default", 8, 44, "less than min 1"},
      {"invalid-default", 9, 43, "greater than max 0.5"},
      {"invalid-default", 10, 47, "not one of the enum values (a, b)"}}},
    /* max_length counts characters, not bytes. */
    {"defaults_and_constraints/valid",
     HEADER "  t:\n    columns:\n"
            "      s: { type: text, max_length: 3, default: 'héé' }\n"
            "      id_text: { type: text, pattern: '^\\p{Lu}', default: 'Édith' }\n",
     {END}},
    {"enums",
     HEADER "  t:\n    columns:\n"
            "      i: { type: integer, enum: [1, x] }\n"
            "      d: { type: integer, enum: [1, 01] }\n"
            "      e: { type: text, enum: [] }\n"
            "      m: { type: text, max_length: 2, enum: [ab, abc] }\n"
            "      n: { type: real, max: 5, enum: [1, 6] }\n"
            "      z: { type: text, enum: [a, ~] }\n"
            "      b: { type: boolean, enum: [true] }\n",
     {{"invalid-enum", 6, 37, "expected an integer, found 'x'"},
      {"duplicate-enum-value", 7, 37, "'1' of column 'd' is listed twice"},
      {"empty-enum", 8, 30, NULL},
      {"invalid-enum", 9, 50, "longer than max_length 2"},
      {"invalid-enum", 10, 42, "greater than max 5"},
      {"invalid-enum", 11, 34, "null cannot be an enum value"},
      {"option-not-applicable", 12, 33, "'enum' applies only to text, integer and real"}}},
    {"bounds/bounds",
     HEADER "  t:\n    columns:\n"
            "      i: { type: integer, min: 10, max: 5 }\n"
            "      r: { type: real, min: 1.5, max: 1.25 }\n"
            "      f: { type: integer, min: 1.5 }\n"
            "      g: { type: real, max: '3' }\n",
     {{"min-greater-than-max", 6, 32, "min 10 of column 'i' is greater than its max 5"},
      {"min-greater-than-max", 7, 29, "min 1.5"},
      {"wrong-kind", 8, 32, "'min' expects an integer, found '1.5'"},
      {"wrong-kind", 9, 29, "'max' expects a number, found the string '3'"}}},
    {"bounds/valid",
     HEADER "  t:\n    columns:\n      i: { type: integer, min: 5, max: 5 }\n",
     {END}},
    {"option_not_applicable",
     HEADER "  t:\n    columns:\n"
            "      a: { type: text, min: 1 }\n"
            "      b: { type: integer, max_length: 3 }\n"
            "      c: { type: json, pattern: x }\n"
            "      d: { type: text, references: t }\n"
            "      e: { type: timestamp, max: 3 }\n",
     {{"option-not-applicable", 6, 29, "'min' applies only to integer and real columns"},
      {"option-not-applicable", 7, 39, "'max_length' applies only to text columns"},
      {"option-not-applicable", 8, 33, "'pattern' applies only to text"},
      {"option-not-applicable", 9, 36, "'references' applies only to id"},
      {"option-not-applicable", 10, 34, "'max' applies only"}}},
    {"patterns",
     HEADER "  t:\n    columns:\n"
            "      a: { type: text, pattern: '(abc', default: x }\n"
            "      b: { type: text, pattern: '[z-a]' }\n",
     {{"invalid-pattern", 6, 33, "missing closing parenthesis at offset 4"},
      {"invalid-pattern", 7, 33, "range out of order in character class at offset 3"}}},
    /* ---- references and indexes */
    {"references",
     HEADER "  projects: {}\n  docs:\n    columns:\n"
            "      project_id: { type: id, references: projcts }\n"
            "      pref_id: { type: id, references: prefs }\n"
            "      parent_id: { type: id, references: docs }\n"
            "  prefs:\n    local_only: true\n    columns:\n"
            "      doc_id: { type: id, references: docs }\n",
     {{"unknown-table", 7, 43, "did you mean 'projects'?"},
      {"local-only-reference", 8, 40, "local-only table 'prefs'"}}},
    {"index_rules",
     HEADER "  t:\n    columns:\n"
            "      slug: text\n      n: integer\n"
            "    indexes:\n"
            "      - [n, slg]\n"
            "      - [deleted_at]\n"
            "      - [slug, slug]\n"
            "      - []\n"
            "      - [n]\n"
            "      - { columns: [n] }\n"
            "      - [owner_id]\n"
            "    unique:\n"
            "      - [slug, n]\n"
            "      - { columns: [slug, n] }\n"
            "      - [owner_id]\n",
     {{"unknown-column", 9, 13, "did you mean 'slug'?"},
      {"unknown-column", 10, 10, "soft_delete: true"},
      {"duplicate-index-column", 11, 16, NULL},
      {"empty-index", 12, 9, NULL},
      {"duplicate-index", 14, 9, "first declared here"},
      {"duplicate-index", 15, 9, "owner column"},
      {"duplicate-index", 18, 9, "unique constraint twice"}}},
    /* ---- warnings and the whole */
    {"warnings",
     "syncspec: 1\nname: app\nsync: { format: streams, bucket: b }\ntables:\n"
     "  a:\n    local_only: true\n    insert_only: true\n",
     {{"ineffective-option", 3, 34, "unused with format: streams"},
      {"ineffective-option", 7, 18, "insert_only has no effect"}}},
    {"all_reported_at_once",
     HEADER "  a:\n    colour: red\n    columns:\n      x: txt\n      Y: text\n"
            "      r: { type: id, references: nowhere }\n"
            "    indexes:\n"
            "      - [z]\n"
            "  b:\n    columns:\n      n: { type: integer, min: 3, max: 2 }\n",
     {{"unknown-key", 5, 5, NULL},
      {"unknown-type", 7, 10, NULL},
      {"invalid-name", 8, 7, NULL},
      {"unknown-table", 9, 34, NULL},
      {"unknown-column", 11, 10, NULL},
      {"min-greater-than-max", 14, 32, NULL}}},
};

static void run_case(void **state) {
    const spec_case *c = *state;
    check(c->yaml, c->expected);
}

/* Rules a table of cases does not show: notes, long names, generated specs, the name rule
 * on its own. */
static void test_duplicate_keys(void **state) {
    (void)state;
    const expect dup[] = {
        {"duplicate-key", 3, 1, "first defined here"},
        {"duplicate-key", 11, 7, "'title'"},
        {"duplicate-key", 11, 32, "'required'"},
        {"duplicate-key", 12, 3, "'a'"},
        END,
    };
    check("syncspec: 1\nname: app\nname: other\ntables:\n"
          "  a:\n    columns:\n      x: text\n"
          "  b:\n    columns:\n      title: text\n"
          "      title: { required: true, required: false, type: text }\n"
          "  a:\n    columns:\n      y: text\n",
          dup);
    /* The note points at the first definition. */
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *s;
    const char *yaml = HEADER "  t:\n    columns:\n      x: text\n      x: integer\n";
    assert_int_equal(compile_load_buffer(&s, a, "s.yaml", yaml, strlen(yaml), &diags), -1);
    assert_int_equal(diags.count, 1);
    assert_int_equal(diags.items[0].line, 7);
    assert_int_equal(diags.items[0].note_line, 6);
    assert_int_equal(diags.items[0].note_col, 7);
    diag_list_free(&diags);
    arena_free(a);
}

static void test_name_length(void **state) {
    (void)state;
    char name63[64], name64[65], yaml[512];
    memset(name63, 'a', 63);
    name63[63] = '\0';
    memset(name64, 'b', 64);
    name64[64] = '\0';
    snprintf(yaml, sizeof yaml, HEADER "  %s:\n    columns:\n      %s: text\n  %s: {}\n", name63,
             name64, name64);
    const expect too_long[] = {
        {"name-too-long", 6, 7, "64 bytes"},
        {"name-too-long", 7, 3, "at most 63 bytes"},
        END,
    };
    check(yaml, too_long);
}

static void test_index_limits_and_collisions(void **state) {
    (void)state;
    char yaml[4096];
    size_t len = (size_t)snprintf(yaml, sizeof yaml, HEADER "  t:\n    columns:\n");
    for (int i = 0; i < 33; i++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len, "      c%d: text\n", i);
    len += (size_t)snprintf(yaml + len, sizeof yaml - len, "    indexes:\n      - [");
    for (int i = 0; i < 33; i++)
        len += (size_t)snprintf(yaml + len, sizeof yaml - len, "%sc%d", i ? ", " : "", i);
    snprintf(yaml + len, sizeof yaml - len, "]\n");
    const expect wide[] = {{"too-many-index-columns", 40, 9, "limit is 32"}, END};
    check(yaml, wide);

    /* idx_a_b_c is both table a_b's index on c and table a's index on b_c. */
    const expect collide[] = {
        {"name-collision", 11, 9, "also the name of an index of table 'a_b'"},
        {"name-collision", 12, 9, "also the name of a table"},
        END,
    };
    check(HEADER "  a_b:\n    columns: { c: text }\n    indexes: [[c]]\n"
                 "  idx_a_x: {}\n"
                 "  a:\n    columns: { b_c: text, x: text }\n    indexes:\n"
                 "      - [b_c]\n"
                 "      - [x]\n",
          collide);
}

static void test_validate_name(void **state) {
    (void)state;
    arena *a = arena_new();
    const char *why;
    assert_null(validate_name(&why, a, "table name", "documents"));
    assert_null(validate_name(&why, a, "table name", "order"));
    assert_string_equal(validate_name(&why, a, "table name", "Documents"), "invalid-name");
    assert_non_null(strstr(why, "table name 'Documents'"));
    assert_string_equal(validate_name(&why, a, "table name", ""), "invalid-name");
    assert_string_equal(validate_name(&why, a, "table name", "_x"), "invalid-name");
    assert_string_equal(validate_name(&why, a, "table name", "ps_data"), "reserved-name");
    assert_null(validate_name(&why, a, "table name", "psx"));
    arena_free(a);
}

int main(void) {
    enum { CASES = sizeof cases / sizeof cases[0] };
    static const struct CMUnitTest functions[] = {
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_name_length),
        cmocka_unit_test(test_index_limits_and_collisions),
        cmocka_unit_test(test_validate_name),
    };
    enum { FUNCTIONS = sizeof functions / sizeof functions[0] };
    struct CMUnitTest tests[CASES + FUNCTIONS];
    for (size_t i = 0; i < CASES; i++)
        tests[i] = (struct CMUnitTest){cases[i].name, run_case, NULL, NULL, (void *)&cases[i]};
    memcpy(tests + CASES, functions, sizeof functions);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

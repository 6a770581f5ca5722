/* The spec loader: YAML → model, every option, implicit columns, index names, values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compile/compile.h"
#include "model/implicit.h"
#include "model/limits.h"
#include "spec/edit.h"
#include "spec/names.h"
#include "spec/sha256.h"
#include "spec/spec.h"
#include "spec/values.h"

typedef struct loaded {
    arena *a;
    diag_list diags;
    const syncspec_schema *schema;
    int rc;
} loaded;

static loaded *load_text(const char *yaml) {
    loaded *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->a = arena_new();
    diag_list_init(&l->diags, l->a);
    l->rc = compile_load_buffer(&l->schema, l->a, "spec.yaml", yaml, strlen(yaml), &l->diags);
    return l;
}

static void print_diags(const loaded *l) {
    if (l->diags.count) diag_print(stderr, &l->diags);
}

/* Loads a spec that must be valid. */
static loaded *load_ok(const char *yaml) {
    loaded *l = load_text(yaml);
    print_diags(l);
    assert_int_equal(l->rc, 0);
    assert_int_equal(diag_error_count(&l->diags), 0);
    assert_non_null(l->schema);
    return l;
}

static void unload(loaded *l) {
    diag_list_free(&l->diags);
    arena_free(l->a);
    free(l);
}

static const syncspec_table *table(const loaded *l, const char *name) {
    const syncspec_table *t = syncspec_schema_table(l->schema, name);
    assert_non_null(t);
    return t;
}

static const syncspec_column *column(const syncspec_table *t, const char *name) {
    const syncspec_column *c = syncspec_table_column(t, name);
    assert_non_null(c);
    return c;
}

#define HEADER "syncspec: 1\nname: app\n"

/* ---- sha256 -------------------------------------------------------------------------- */

static void test_sha256_vectors(void **state) {
    (void)state;
    char hex[65];
    sha256_hex(hex, "", 0);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex(hex, "abc", 3);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(hex, two_blocks, strlen(two_blocks));
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* A million 'a', fed in uneven pieces to cross block boundaries. */
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    sha256_ctx ctx;
    sha256_init(&ctx);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        sha256_update(&ctx, chunk, n);
        left -= n;
    }
    unsigned char digest[32];
    sha256_final(digest, &ctx);
    assert_int_equal(digest[0], 0xcd);
    assert_int_equal(digest[1], 0xc7);
    assert_int_equal(digest[31], 0xd0);
}

static void test_source_path_and_sha(void **state) {
    (void)state;
    const char *yaml = HEADER "tables:\n  notes:\n    columns:\n      body: text\n";
    loaded *l = load_ok(yaml);
    char hex[65];
    sha256_hex(hex, yaml, strlen(yaml));
    assert_string_equal(l->schema->source_sha256, hex);
    assert_string_equal(l->schema->source_path, "spec.yaml");
    unload(l);
}

/* ---- top level ----------------------------------------------------------------------- */

static void test_top_level_defaults(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n  notes:\n    columns:\n      body: text\n");
    const syncspec_schema *s = l->schema;
    assert_string_equal(s->name, "app");
    assert_string_equal(s->owner_name, "owner_id");
    assert_int_equal(s->id_format, SYNCSPEC_ID_UUID);
    assert_string_equal(s->pg_schema, "public");
    assert_string_equal(s->publication, "powersync");
    assert_int_equal(s->sync_format, SYNCSPEC_SYNC_BUCKET_DEFINITIONS);
    assert_string_equal(s->bucket, "user_data");
    assert_int_equal(s->table_count, 1);
    unload(l);
}

static void test_top_level_keys(void **state) {
    (void)state;
    loaded *l = load_ok("syncspec: 1\n"
                        "name: notes_app\n"
                        "owner_column: user_id\n"
                        "id_format: text\n"
                        "postgres:\n  schema: app_data\n  publication: app_pub\n"
                        "sync:\n  format: streams\n"
                        "tables:\n  notes:\n    columns:\n      body: text\n");
    const syncspec_schema *s = l->schema;
    assert_string_equal(s->name, "notes_app");
    assert_string_equal(s->owner_name, "user_id");
    assert_int_equal(s->id_format, SYNCSPEC_ID_TEXT);
    assert_string_equal(s->pg_schema, "app_data");
    assert_string_equal(s->publication, "app_pub");
    assert_int_equal(s->sync_format, SYNCSPEC_SYNC_STREAMS);
    const syncspec_table *t = table(l, "notes");
    assert_string_equal(t->columns[t->owner_index].name, "user_id");
    assert_string_equal(t->columns[t->owner_index].property, "userId");
    assert_string_equal(t->indexes[0].name, "idx_notes_user_id");
    unload(l);

    l = load_ok(HEADER "sync: { format: bucket_definitions, bucket: everything }\n"
                       "tables: { notes: { columns: { body: text } } }\n");
    assert_string_equal(l->schema->bucket, "everything");
    assert_int_equal(l->schema->sync_format, SYNCSPEC_SYNC_BUCKET_DEFINITIONS);
    unload(l);
}

/* ---- tables and columns -------------------------------------------------------------- */

static void test_table_options(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n"
                               "  logs:\n"
                               "    description: Append-only log lines\n"
                               "    insert_only: true\n"
                               "    timestamps: false\n"
                               "    columns:\n      line: text\n"
                               "  docs:\n"
                               "    soft_delete: true\n"
                               "    columns:\n      title: text\n"
                               "  prefs:\n"
                               "    local_only: true\n"
                               "    columns:\n      key: text\n");
    const syncspec_table *logs = table(l, "logs");
    assert_string_equal(logs->description, "Append-only log lines");
    assert_true(logs->insert_only);
    assert_false(logs->timestamps);
    assert_false(logs->soft_delete);
    assert_false(logs->local_only);
    assert_int_equal(logs->line, 4);
    assert_int_equal(logs->col, 3);
    const syncspec_table *docs = table(l, "docs");
    assert_null(docs->description);
    assert_true(docs->timestamps);
    assert_true(docs->soft_delete);
    assert_false(docs->insert_only);
    const syncspec_table *prefs = table(l, "prefs");
    assert_true(prefs->local_only);
    /* Tables keep spec order. */
    assert_string_equal(l->schema->tables[0].name, "logs");
    assert_string_equal(l->schema->tables[1].name, "docs");
    assert_string_equal(l->schema->tables[2].name, "prefs");
    unload(l);
}

static void test_short_form(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n  notes:\n    columns:\n"
                               "      title: text\n      n: integer\n      r: real\n"
                               "      b: boolean\n      at: timestamp\n      meta: json\n"
                               "      other_id: id\n");
    const syncspec_table *t = table(l, "notes");
    static const struct {
        const char *name;
        syncspec_type type;
    } expected[] = {{"title", SYNCSPEC_TYPE_TEXT},   {"n", SYNCSPEC_TYPE_INTEGER},
                    {"r", SYNCSPEC_TYPE_REAL},       {"b", SYNCSPEC_TYPE_BOOLEAN},
                    {"at", SYNCSPEC_TYPE_TIMESTAMP}, {"meta", SYNCSPEC_TYPE_JSON},
                    {"other_id", SYNCSPEC_TYPE_ID}};
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
        const syncspec_column *c = &t->columns[1 + i];
        assert_string_equal(c->name, expected[i].name);
        assert_int_equal(c->type, expected[i].type);
        assert_false(c->required);
        assert_null(c->default_value);
        assert_int_equal(c->role, SYNCSPEC_ROLE_DECLARED);
        assert_int_equal(c->line, 6 + i);
        assert_int_equal(c->col, 7);
    }
    unload(l);
}

static void test_mapping_form(void **state) {
    (void)state;
    loaded *l =
        load_ok(HEADER "tables:\n"
                       "  projects:\n    columns:\n      name: text\n"
                       "  docs:\n"
                       "    columns:\n"
                       "      title: { type: text, required: true, max_length: 200, "
                       "pattern: '^[A-Z]', description: Shown in lists, default: Untitled }\n"
                       "      status: { type: text, enum: [draft, published], default: draft }\n"
                       "      words: { type: integer, min: 0, max: 100000 }\n"
                       "      score: { type: real, min: -1.5, max: 2 }\n"
                       "      project_id: { type: id, references: projects }\n");
    const syncspec_table *t = table(l, "docs");
    const syncspec_column *title = column(t, "title");
    assert_true(title->required);
    assert_int_equal(title->max_length, 200);
    assert_string_equal(title->pattern, "^[A-Z]");
    assert_string_equal(title->description, "Shown in lists");
    assert_string_equal(title->default_value, "Untitled");
    const syncspec_column *status = column(t, "status");
    assert_int_equal(status->enum_count, 2);
    assert_string_equal(status->enum_values[0], "draft");
    assert_string_equal(status->enum_values[1], "published");
    assert_string_equal(status->default_value, "draft");
    const syncspec_column *words = column(t, "words");
    assert_true(words->min.set);
    assert_true(words->max.set);
    assert_int_equal(words->min.i, 0);
    assert_int_equal(words->max.i, 100000);
    assert_true(words->max.r == 100000.0);
    const syncspec_column *score = column(t, "score");
    assert_true(score->min.r == -1.5);
    assert_true(score->max.r == 2.0);
    assert_false(column(t, "project_id")->min.set);
    assert_string_equal(column(t, "project_id")->references, "projects");
    assert_int_equal(column(t, "project_id")->type, SYNCSPEC_TYPE_ID);
    unload(l);
}

static void test_implicit_columns(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n"
                               "  docs:\n    soft_delete: true\n"
                               "    columns:\n      title: text\n      body: text\n"
                               "  prefs:\n    local_only: true\n    columns:\n      key: text\n"
                               "  plain:\n    timestamps: false\n    columns:\n      x: text\n");
    const syncspec_table *docs = table(l, "docs");
    static const struct {
        const char *name, *property;
        syncspec_type type;
        syncspec_column_role role;
        bool required;
    } order[] = {
        {"id", "id", SYNCSPEC_TYPE_ID, SYNCSPEC_ROLE_ID, true},
        {"title", "title", SYNCSPEC_TYPE_TEXT, SYNCSPEC_ROLE_DECLARED, false},
        {"body", "body", SYNCSPEC_TYPE_TEXT, SYNCSPEC_ROLE_DECLARED, false},
        {"owner_id", "ownerId", SYNCSPEC_TYPE_ID, SYNCSPEC_ROLE_OWNER, true},
        {"created_at", "createdAt", SYNCSPEC_TYPE_TIMESTAMP, SYNCSPEC_ROLE_CREATED_AT, true},
        {"updated_at", "updatedAt", SYNCSPEC_TYPE_TIMESTAMP, SYNCSPEC_ROLE_UPDATED_AT, true},
        {"deleted_at", "deletedAt", SYNCSPEC_TYPE_TIMESTAMP, SYNCSPEC_ROLE_DELETED_AT, false},
    };
    assert_int_equal(docs->column_count, 7);
    for (size_t i = 0; i < 7; i++) {
        const syncspec_column *c = &docs->columns[i];
        assert_string_equal(c->name, order[i].name);
        assert_string_equal(c->property, order[i].property);
        assert_int_equal(c->type, order[i].type);
        assert_int_equal(c->role, order[i].role);
        assert_int_equal(c->required, order[i].required);
        if (order[i].role != SYNCSPEC_ROLE_DECLARED) assert_int_equal(c->line, 0);
    }
    assert_int_equal(docs->owner_index, 3);

    const syncspec_table *prefs = table(l, "prefs");
    assert_int_equal(prefs->owner_index, -1);
    assert_int_equal(prefs->column_count, 4); /* id, key, created_at, updated_at */
    assert_string_equal(prefs->columns[2].name, "created_at");
    assert_int_equal(prefs->index_count, 0);

    const syncspec_table *plain = table(l, "plain");
    assert_int_equal(plain->column_count, 3); /* id, x, owner_id */
    assert_string_equal(plain->columns[2].name, "owner_id");
    unload(l);
}

/* A table with timestamps off or without soft delete may declare those names itself. */
/* model/implicit.c is indexed by role: a role without its row would be a zero row. */
static void test_implicit_table(void **state) {
    (void)state;
    assert_null(model_implicit_of(SYNCSPEC_ROLE_DECLARED));
    for (size_t i = 0; i < MODEL_IMPLICIT_COUNT; i++) {
        const model_implicit *c = &model_implicit_columns[i];
        assert_int_equal(c->role, (int)i + 1);
        assert_ptr_equal(model_implicit_of(c->role), c);
        assert_non_null(c->name);
        assert_non_null(c->why);
    }
    loaded *l = load_ok(HEADER "owner_column: user_id\ntables:\n"
                               "  a: { soft_delete: true, columns: { x: text } }\n"
                               "  b: { local_only: true, timestamps: false }\n");
    const syncspec_table *a = table(l, "a"), *b = table(l, "b");
    const model_implicit *owner = model_implicit_of(SYNCSPEC_ROLE_OWNER);
    assert_string_equal(model_implicit_name(owner, l->schema), "user_id");
    assert_ptr_equal(model_implicit_find(l->schema, a, "user_id"), owner);
    assert_null(model_implicit_find(l->schema, a, "owner_id"));
    assert_null(model_implicit_find(l->schema, b, "user_id"));
    assert_null(model_implicit_find(l->schema, b, "created_at"));
    assert_null(model_implicit_find(l->schema, a, "x"));
    assert_int_equal(model_implicit_find(l->schema, a, "deleted_at")->role,
                     SYNCSPEC_ROLE_DELETED_AT);
    /* Every implicit column of a table is found by its name, and no other. */
    for (size_t i = 0; i < a->column_count; i++) {
        const model_implicit *c = model_implicit_find(l->schema, a, a->columns[i].name);
        assert_int_equal(c ? (int)c->role : 0, a->columns[i].role);
    }
    unload(l);
}

/* The loader alone checks structure and hands over the model it built even then, so
 * that validation still reports the rules of meaning; compile/ runs both. */
static void test_loader_without_validation(void **state) {
    (void)state;
    static const char yaml[] = HEADER "tables:\n  notes:\n    colums: {}\n"
                                      "    columns: { Title: text }\n";
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *s = NULL;
    const spec_source *src = NULL;
    assert_int_equal(spec_load_buffer(&s, &src, a, "x.yaml", yaml, strlen(yaml), &diags), -1);
    assert_non_null(s);
    assert_non_null(src);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].code, "unknown-key");
    assert_int_equal(src->tables[0].columns[1].name.line, 6);
    diag_list_free(&diags);

    /* The same through the compiler: the invalid column name is reported too. */
    diag_list_init(&diags, a);
    assert_int_equal(compile_load_buffer(&s, a, "x.yaml", yaml, strlen(yaml), &diags),
                     COMPILE_INVALID);
    assert_null(s);
    assert_int_equal(diags.count, 2);
    assert_string_equal(diags.items[1].code, "invalid-name");
    diag_list_free(&diags);

    /* No YAML mapping: no model. */
    diag_list_init(&diags, a);
    assert_int_equal(spec_load_buffer(&s, &src, a, "x.yaml", "[1]", 3, &diags), -1);
    assert_null(s);
    assert_null(src);
    diag_list_free(&diags);
    arena_free(a);
}

/* Where new-table appends a table: after the last content of `tables`. */
static void test_table_slot(void **state) {
    (void)state;
    static const struct {
        const char *yaml;
        const char *before; /* the text before the slot ends with this */
        size_t key_indent, option_indent;
    } cases[] = {
        {"tables:\n  a:\n    columns: { x: text }\nname: n\n", "{ x: text }\n", 2, 2},
        {"tables:\n    a:\n        columns:\n            x: text", "x: text", 4, 4},
        {"tables:\n  a: {}\n  b:\n      description: |\n        t\n\n# c\nname: n\n", "# c\n", 2,
         4},
        {"name: n\ntables:\n a: ~\n", " a: ~\n", 1, 2},
        /* A block scalar ends at the start of the line after it. */
        {"tables:\n  a: |\n    x\n  # c\nname: n\n", "    x\n", 2, 2},
        {"tables:\r\n  a:\r\n    columns: {}  # x\r\n", "# x\r\n", 2, 2},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        spec_table_slot slot;
        const char *error = NULL, *yaml = cases[i].yaml;
        size_t len = strlen(yaml), tail = strlen(cases[i].before);
        assert_int_equal(spec_find_table_slot(&slot, a, yaml, len, &error), 0);
        assert_true(slot.offset >= tail && slot.offset <= len);
        assert_memory_equal(yaml + slot.offset - tail, cases[i].before, tail);
        assert_int_equal(slot.key_indent, cases[i].key_indent);
        assert_int_equal(slot.option_indent, cases[i].option_indent);
    }
    static const char *const refused[] = {"tables: { a: {} }\n", "tables: [a]\n", "name: n\n",
                                          "tables:\n  a: [\n"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        spec_table_slot slot;
        const char *error = NULL;
        assert_int_equal(spec_find_table_slot(&slot, a, refused[i], strlen(refused[i]), &error),
                         -1);
        assert_non_null(error);
    }
    arena_free(a);
}

static void test_implicit_names_free_when_off(void **state) {
    (void)state;
    loaded *l =
        load_ok(HEADER "tables:\n"
                       "  events:\n    timestamps: false\n"
                       "    columns:\n      created_at: { type: timestamp, required: true }\n"
                       "      deleted_at: text\n"
                       "  prefs:\n    local_only: true\n    columns:\n      owner_id: text\n");
    const syncspec_table *events = table(l, "events");
    assert_int_equal(column(events, "created_at")->role, SYNCSPEC_ROLE_DECLARED);
    assert_int_equal(column(events, "deleted_at")->type, SYNCSPEC_TYPE_TEXT);
    assert_int_equal(column(table(l, "prefs"), "owner_id")->role, SYNCSPEC_ROLE_DECLARED);
    unload(l);
}

static void test_indexes(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n"
                               "  docs:\n    soft_delete: true\n"
                               "    columns:\n      project_id: id\n      slug: text\n"
                               "    indexes:\n"
                               "      - [project_id]\n"
                               "      - { columns: [deleted_at] }\n"
                               "      - { columns: [slug, project_id], unique: true }\n"
                               "    unique:\n"
                               "      - [project_id, slug]\n"
                               "      - { columns: [slug] }\n"
                               "  prefs:\n    local_only: true\n    columns:\n      key: text\n"
                               "    unique:\n      - [key]\n");
    const syncspec_table *t = table(l, "docs");
    assert_int_equal(t->index_count, 6);
    static const struct {
        const char *name;
        bool unique, implicit;
        size_t columns;
        unsigned line;
    } expected[] = {
        {"idx_docs_owner_id", false, true, 1, 0},
        {"idx_docs_project_id", false, false, 1, 10},
        {"idx_docs_deleted_at", false, false, 1, 11},
        {"uq_docs_slug_project_id", true, false, 2, 12},
        {"uq_docs_project_id_slug", true, false, 2, 14},
        {"uq_docs_slug", true, false, 1, 15},
    };
    for (size_t i = 0; i < 6; i++) {
        const syncspec_index *ix = &t->indexes[i];
        assert_string_equal(ix->name, expected[i].name);
        assert_int_equal(ix->unique, expected[i].unique);
        assert_int_equal(ix->implicit, expected[i].implicit);
        assert_int_equal(ix->column_count, expected[i].columns);
        assert_int_equal(ix->line, expected[i].line);
        if (expected[i].line) assert_int_equal(ix->col, 9);
    }
    assert_string_equal(t->indexes[0].columns[0], "owner_id");
    assert_string_equal(t->indexes[3].columns[0], "slug");
    assert_string_equal(t->indexes[3].columns[1], "project_id");
    const syncspec_table *prefs = table(l, "prefs");
    assert_int_equal(prefs->index_count, 1); /* local-only: no owner index */
    assert_string_equal(prefs->indexes[0].name, "uq_prefs_key");
    unload(l);
}

static void test_index_name_shortening(void **state) {
    (void)state;
    arena *a = arena_new();
    /* idx_ + 55 + _ + 3 = 63 bytes: kept as is. */
    char table55[56], table56[57];
    memset(table55, 't', 55);
    table55[55] = '\0';
    memset(table56, 't', 56);
    table56[56] = '\0';
    const char *cols[] = {"abc"};
    const char *at_limit = spec_index_name(a, "idx", table55, cols, 1);
    assert_int_equal(strlen(at_limit), 63);
    assert_string_equal(at_limit + 60, "abc");

    /* One byte more: 54 bytes of prefix, '_', 8 hex digits. */
    const char *over = spec_index_name(a, "idx", table56, cols, 1);
    assert_int_equal(strlen(over), SPEC_LIMIT_NAME);
    assert_memory_equal(over, "idx_tttt", 8);
    assert_int_equal(over[54], '_');
    for (int i = 55; i < 63; i++)
        assert_true((over[i] >= '0' && over[i] <= '9') || (over[i] >= 'a' && over[i] <= 'f'));
    /* Deterministic, and different for names that share the kept prefix. */
    assert_string_equal(over, spec_index_name(a, "idx", table56, cols, 1));
    const char *cols2[] = {"abd"};
    const char *other = spec_index_name(a, "idx", table56, cols2, 1);
    assert_int_equal(strlen(other), 63);
    assert_memory_equal(over, other, 55);
    assert_string_not_equal(over, other);
    arena_free(a);

    /* Through the loader: a 63-byte table name gets shortened index names. */
    char yaml[1024];
    char name63[64];
    memset(name63, 'n', 63);
    name63[63] = '\0';
    snprintf(yaml, sizeof yaml,
             HEADER "tables:\n  %s:\n    columns:\n      c: text\n    indexes:\n      - [c]\n",
             name63);
    loaded *l = load_ok(yaml);
    const syncspec_table *t = table(l, name63);
    assert_int_equal(t->index_count, 2);
    assert_int_equal(strlen(t->indexes[0].name), 63);
    assert_int_equal(strlen(t->indexes[1].name), 63);
    assert_string_not_equal(t->indexes[0].name, t->indexes[1].name);
    unload(l);
}

static void test_property_names(void **state) {
    (void)state;
    arena *a = arena_new();
    assert_string_equal(spec_property_name(a, "project_id"), "projectId");
    assert_string_equal(spec_property_name(a, "a_b_c"), "aBC");
    assert_string_equal(spec_property_name(a, "title"), "title");
    assert_string_equal(spec_property_name(a, "col_1"), "col1");
    assert_string_equal(spec_property_name(a, "x__y"), "xY");
    const char *same = "plain";
    assert_ptr_equal(spec_property_name(a, same), same);
    arena_free(a);
}

/* ---- values -------------------------------------------------------------------------- */

static void test_defaults_canonical(void **state) {
    (void)state;
    loaded *l = load_ok(
        HEADER "tables:\n  t:\n    columns:\n"
               "      b1: { type: boolean, default: true }\n"
               "      b2: { type: boolean, default: False }\n"
               "      i1: { type: integer, default: +42 }\n"
               "      i2: { type: integer, default: -9223372036854775808 }\n"
               "      r1: { type: real, default: 0.1 }\n"
               "      r2: { type: real, default: 1e3 }\n"
               "      r3: { type: real, default: 7 }\n"
               "      t1: { type: timestamp, default: '2024-02-29T23:30:00+01:30' }\n"
               "      t2: { type: timestamp, default: '2024-01-02 03:04:05.123999' }\n"
               "      t3: { type: timestamp, default: '1970-01-01' }\n"
               "      j1: { type: json, default: { b: [1, 2.50, x], a: null, c: { z: true } } }\n"
               "      j2: { type: json, default: '{\"z\": 1, \"a\": [true, \"q\\\"\"]}' }\n"
               "      j3: { type: json, default: [] }\n"
               "      j4: { type: json, default: 12 }\n"
               "      s1: { type: text, default: 12 }\n"
               "      s2: { type: text, default: 'héllo' }\n"
               "      u1: { type: id, default: 123e4567-e89b-12d3-a456-426614174000 }\n"
               "      n1: { type: text, default: null }\n");
    const syncspec_table *t = table(l, "t");
    static const struct {
        const char *column, *value;
    } expected[] = {
        {"b1", "true"},
        {"b2", "false"},
        {"i1", "42"},
        {"i2", "-9223372036854775808"},
        {"r1", "0.1"},
        {"r2", "1000"},
        {"r3", "7"},
        {"t1", "2024-02-29T22:00:00.000Z"},
        {"t2", "2024-01-02T03:04:05.123Z"},
        {"t3", "1970-01-01T00:00:00.000Z"},
        {"j1", "{\"a\":null,\"b\":[1,2.5,\"x\"],\"c\":{\"z\":true}}"},
        {"j2", "{\"a\":[true,\"q\\\"\"],\"z\":1}"},
        {"j3", "[]"},
        {"j4", "12"},
        {"s1", "12"},
        {"s2", "héllo"},
        {"u1", "123e4567-e89b-12d3-a456-426614174000"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        assert_string_equal(column(t, expected[i].column)->default_value, expected[i].value);
    assert_null(column(t, "n1")->default_value);
    unload(l);
}

static void test_enum_canonical(void **state) {
    (void)state;
    loaded *l = load_ok(HEADER "tables:\n  t:\n    columns:\n"
                               "      level: { type: integer, enum: [+1, 2, 03] }\n"
                               "      ratio: { type: real, enum: [0.5, 1.0] }\n"
                               "      kind: { type: text, enum: [a, 'b c', 3] }\n");
    const syncspec_table *t = table(l, "t");
    const syncspec_column *level = column(t, "level");
    assert_int_equal(level->enum_count, 3);
    assert_string_equal(level->enum_values[0], "1");
    assert_string_equal(level->enum_values[2], "3");
    const syncspec_column *ratio = column(t, "ratio");
    assert_string_equal(ratio->enum_values[0], "0.5");
    assert_string_equal(ratio->enum_values[1], "1");
    const syncspec_column *kind = column(t, "kind");
    assert_string_equal(kind->enum_values[1], "b c");
    assert_string_equal(kind->enum_values[2], "3");
    unload(l);
}

static void test_value_grammars(void **state) {
    (void)state;
    int64_t v;
    assert_int_equal(spec_parse_int64(&v, "9223372036854775807"), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(spec_parse_int64(&v, "9223372036854775808"), -2);
    assert_int_equal(spec_parse_int64(&v, "-9223372036854775808"), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(spec_parse_int64(&v, "-9223372036854775809"), -2);
    assert_int_equal(spec_parse_int64(&v, "12a"), -1);
    assert_int_equal(spec_parse_int64(&v, ""), -1);
    assert_int_equal(spec_parse_int64(&v, "-"), -1);

    double r;
    assert_int_equal(spec_parse_real(&r, "-1.5e3"), 0);
    assert_true(r == -1500.0);
    assert_int_equal(spec_parse_real(&r, ".5"), 0);
    assert_true(r == 0.5);
    assert_int_equal(spec_parse_real(&r, "-.inf"), -1);
    assert_int_equal(spec_parse_real(&r, ".NaN"), -1);
    assert_int_equal(spec_parse_real(&r, "1e400"), -1);

    char buf[32];
    spec_format_real(buf, 0.1);
    assert_string_equal(buf, "0.1");
    spec_format_real(buf, 1.0 / 3.0);
    assert_string_equal(buf, "0.3333333333333333");
    spec_format_real(buf, 1e300);
    assert_string_equal(buf, "1e+300");
    spec_format_real(buf, 1e21);
    assert_string_equal(buf, "1e+21");
    spec_format_real(buf, 1e20);
    assert_string_equal(buf, "100000000000000000000");
    spec_format_real(buf, -1.5e-7);
    assert_string_equal(buf, "-1.5e-7");
    spec_format_real(buf, 1e-7);
    assert_string_equal(buf, "1e-7");
    spec_format_real(buf, 0.000001);
    assert_string_equal(buf, "0.000001");
    spec_format_real(buf, -123.456);
    assert_string_equal(buf, "-123.456");
    spec_format_real(buf, -0.0);
    assert_string_equal(buf, "0");
    spec_format_real(buf, 1.7976931348623157e308);
    assert_string_equal(buf, "1.7976931348623157e+308");

    int64_t ms;
    assert_int_equal(spec_parse_timestamp(&ms, "1970-01-01T00:00:00Z"), 0);
    assert_true(ms == 0);
    assert_int_equal(spec_parse_timestamp(&ms, "1969-12-31T23:59:59.999Z"), 0);
    assert_true(ms == -1);
    spec_format_timestamp(buf, -1);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    assert_int_equal(spec_parse_timestamp(&ms, "2000-01-01T00:00:00+0100"), 0);
    spec_format_timestamp(buf, ms);
    assert_string_equal(buf, "1999-12-31T23:00:00.000Z");
    assert_int_equal(spec_parse_timestamp(&ms, "0001-01-01T00:00:00Z"), 0);
    spec_format_timestamp(buf, ms);
    assert_string_equal(buf, "0001-01-01T00:00:00.000Z");
    assert_int_equal(spec_parse_timestamp(&ms, "9999-12-31T23:59:59.999999999Z"), 0);
    spec_format_timestamp(buf, ms);
    assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
    assert_int_equal(spec_parse_timestamp(&ms, "0001-01-01T00:00:00+01:00"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2023-02-29T00:00:00Z"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2024-13-01T00:00:00Z"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2024-01-01T24:00:00Z"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2024-01-01T00:00:00.Z"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2024-01-01T00:00:00.1234567890Z"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "2024-01-01T00:00"), -1);
    assert_int_equal(spec_parse_timestamp(&ms, "yesterday"), -1);

    assert_true(spec_is_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert_false(spec_is_uuid("123E4567-E89B-12D3-A456-426614174000")); /* one spelling */
    assert_false(spec_is_uuid("123e4567-e89b-12d3-a456-42661417400A"));
    assert_false(spec_is_uuid("123e4567e89b12d3a456426614174000"));
    assert_false(spec_is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
    assert_false(spec_is_uuid("123e4567-e89b-12d3-a456-4266141740001"));
    assert_int_equal(spec_utf8_length("héllo"), 5);
    assert_int_equal(spec_utf8_length("日本"), 2);
}

/* ---- files, limits, robustness ------------------------------------------------------- */

static void test_app_yaml(void **state) {
    (void)state;
    const char *candidates[] = {"schemas/app.yaml", "../schemas/app.yaml",
                                "../../schemas/app.yaml"};
    const char *path = NULL;
    for (size_t i = 0; i < 3 && !path; i++) {
        FILE *f = fopen(candidates[i], "rb");
        if (f) {
            fclose(f);
            path = candidates[i];
        }
    }
    if (!path) skip();
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *s = NULL;
    int rc = compile_load_file(&s, a, path, &diags);
    diag_print(stderr, &diags);
    assert_int_equal(rc, 0);
    assert_int_equal(diags.count, 0);
    assert_int_equal(s->table_count, 8);
    const syncspec_table *docs = syncspec_schema_table(s, "documents");
    assert_non_null(docs);
    assert_true(docs->soft_delete);
    assert_string_equal(docs->columns[docs->column_count - 1].name, "deleted_at");
    assert_true(syncspec_schema_table(s, "preferences")->local_only);
    assert_int_equal(strlen(s->source_sha256), 64);
    diag_list_free(&diags);
    arena_free(a);
}

static void test_unreadable_file(void **state) {
    (void)state;
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *s = (const syncspec_schema *)&diags;
    assert_int_equal(compile_load_file(&s, a, "/nonexistent/spec.yaml", &diags), -2);
    assert_null(s);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].code, "io");
    diag_list_free(&diags);
    /* A folder is not a spec either. */
    diag_list_init(&diags, a);
    assert_int_equal(compile_load_file(&s, a, "/", &diags), -2);
    assert_string_equal(diags.items[0].code, "io");
    diag_list_free(&diags);
    arena_free(a);
}

static void expect_only(const char *yaml, size_t len, const char *code) {
    arena *a = arena_new();
    diag_list diags;
    diag_list_init(&diags, a);
    const syncspec_schema *s = NULL;
    assert_int_equal(compile_load_buffer(&s, a, "x.yaml", yaml, len, &diags), -1);
    assert_null(s);
    if (diags.count != 1 || strcmp(diags.items[0].code, code) != 0) diag_print(stderr, &diags);
    assert_int_equal(diags.count, 1);
    assert_string_equal(diags.items[0].code, code);
    assert_true(diags.items[0].line >= 1);
    diag_list_free(&diags);
    arena_free(a);
}

static void test_limits(void **state) {
    (void)state;
    /* Nesting: 100,000 open brackets stop at the depth limit, no deeper. */
    size_t n = 100000;
    char *deep = malloc(n + 8);
    memcpy(deep, "a: ", 3);
    memset(deep + 3, '[', n);
    expect_only(deep, n + 3, "nesting-too-deep");
    free(deep);

    size_t big = SPEC_LIMIT_BYTES + 1;
    char *huge = malloc(big);
    memset(huge, '#', big);
    expect_only(huge, big, "spec-too-large");
    free(huge);

    expect_only("", 0, "empty-spec");
    expect_only("# nothing but a comment\n", 24, "empty-spec");
    expect_only("a: 1\n---\nb: 2\n", 14, "multiple-documents");
    expect_only("a: [1, 2\n", 9, "yaml-syntax");
    expect_only("a: \"\\0\"\n", 8, "invalid-string");
    expect_only("a: &x 1\nb: *x\n", 14, "yaml-alias");
    expect_only("a: !custom 1\n", 13, "unsupported-tag");
    expect_only("a: \x80\x81garbage", 12, "yaml-syntax");
    expect_only("- just\n- a list\n", 16, "wrong-kind");

    /* id, 1,497 declared, owner, created_at, updated_at: 1,501 columns, one too many. */
    char *wide = malloc(64 * 1600 + 256);
    size_t len = (size_t)sprintf(wide, HEADER "tables:\n  wide:\n    columns:\n");
    for (int i = 0; i < 1497; i++) len += (size_t)sprintf(wide + len, "      c%d: text\n", i);
    expect_only(wide, len, "too-many-columns");
    len = (size_t)sprintf(wide, HEADER "tables:\n  wide:\n    columns:\n");
    for (int i = 0; i < 1496; i++) len += (size_t)sprintf(wide + len, "      c%d: text\n", i);
    loaded *l = load_ok(wide);
    assert_int_equal(l->schema->tables[0].column_count, SPEC_LIMIT_COLUMNS);
    unload(l);
    free(wide);

    /* 10,001 tables: one too many. */
    char *many = malloc(32 * (SPEC_LIMIT_TABLES + 1) + 64);
    len = (size_t)sprintf(many, HEADER "tables:\n");
    for (int i = 0; i <= SPEC_LIMIT_TABLES; i++)
        len += (size_t)sprintf(many + len, "  t%d: {}\n", i);
    expect_only(many, len, "too-many-tables");
    free(many);
}

/* Deterministic mutations of a valid spec: the loader may reject them, never crash. */
static void test_never_crashes(void **state) {
    (void)state;
    static const char base[] =
        HEADER "owner_column: owner_id\npostgres: { schema: public }\n"
               "tables:\n"
               "  projects:\n    columns:\n      name: { type: text, required: true, max_length: "
               "200 }\n"
               "  documents:\n    soft_delete: true\n    columns:\n      title: text\n"
               "      status: { type: text, enum: [draft, published], default: draft }\n"
               "      slug: { type: text, pattern: '^[a-z0-9-]+$' }\n"
               "      project_id: { type: id, references: projects }\n"
               "      meta: { type: json, default: { a: [1, 2] } }\n"
               "    indexes:\n      - [project_id]\n      - { columns: [deleted_at] }\n"
               "    unique:\n      - [project_id, slug]\n";
    static const char alphabet[] = " \n\t:-[]{},'\"#&*!|>?%@`\\az09_\x01\xc3\xa9\xff";
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    char buf[sizeof base + 64];
    for (int round = 0; round < 3000; round++) {
        memcpy(buf, base, sizeof base);
        size_t len = sizeof base - 1;
        int edits = 1 + round % 5;
        for (int e = 0; e < edits; e++) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            size_t at = (size_t)(seed % len);
            char c = alphabet[(seed >> 32) % (sizeof alphabet - 1)];
            if ((seed >> 20) % 3 == 0 && len > 1) {
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            } else {
                buf[at] = c;
            }
        }
        arena *a = arena_new();
        diag_list diags;
        diag_list_init(&diags, a);
        const syncspec_schema *s = NULL;
        int rc = compile_load_buffer(&s, a, "fuzz.yaml", buf, len, &diags);
        assert_true(rc == 0 || rc == -1);
        assert_true(rc == 0 ? s != NULL : diag_error_count(&diags) > 0);
        for (size_t i = 0; i < diags.count; i++) {
            assert_non_null(diags.items[i].code);
            assert_true(diags.items[i].line >= 1);
        }
        diag_list_free(&diags);
        arena_free(a);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_source_path_and_sha),
        cmocka_unit_test(test_top_level_defaults),
        cmocka_unit_test(test_top_level_keys),
        cmocka_unit_test(test_table_options),
        cmocka_unit_test(test_short_form),
        cmocka_unit_test(test_mapping_form),
        cmocka_unit_test(test_implicit_columns),
        cmocka_unit_test(test_implicit_table),
        cmocka_unit_test(test_loader_without_validation),
        cmocka_unit_test(test_table_slot),
        cmocka_unit_test(test_implicit_names_free_when_off),
        cmocka_unit_test(test_indexes),
        cmocka_unit_test(test_index_name_shortening),
        cmocka_unit_test(test_property_names),
        cmocka_unit_test(test_defaults_canonical),
        cmocka_unit_test(test_enum_canonical),
        cmocka_unit_test(test_value_grammars),
        cmocka_unit_test(test_app_yaml),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Each target on small specs: the lines that matter are there (quoting, types, CHECKs,
 * the publication, both sync formats), nothing escapes a comment, the SQL runs on a real
 * SQLite, the YAML parses, and the machinery around the targets (banners, order,
 * determinism, --dump-context, --templates, repair SQL) holds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>
#include <yaml.h>

#include "compile/compile.h"
#include "emit/emit.h"
#include "emit/types.h"
#include "util/strbuf.h"

static const char spec[] =
    "syncspec: 1\n"
    "name: t\n"
    "tables:\n"
    "  group:\n"
    "    description: \"Groups\\nsecond line\\rDROP TABLE notes; --\"\n"
    "    soft_delete: true\n"
    "    columns:\n"
    "      order: { type: integer, required: true, min: 1, max: 9 }\n"
    "      status: { type: text, enum: [a, \"it's\"], default: a, max_length: 10 }\n"
    "      ok: { type: boolean, required: true, default: true }\n"
    "      parent_id: { type: id, references: group,\n"
    "                   description: \"Parent\\nCREATE TABLE evil (x);\" }\n"
    "      path: { type: text, default: 'C:\\x' }\n"
    "      score: { type: real, min: 0.5 }\n"
    "    unique:\n"
    "      - [parent_id, order]\n"
    "  a_very_long_table_name_that_goes_on_and_on_for_quite_a_while:\n"
    "    insert_only: true\n"
    "    timestamps: false\n"
    "    columns:\n"
    "      another_rather_long_column_name: { type: integer, min: 0, max: 5 }\n"
    "  notes:\n"
    "    local_only: true\n"
    "    columns:\n"
    "      body: text\n";

typedef struct fixture {
    arena *a;
    diag_list diags;
    const syncspec_schema *schema;
} fixture;

/* Loads `text` with each `from` replaced by `to` (NULL: as is); fails the test on errors. */
static const syncspec_schema *load(fixture *f, const char *text, const char *from, const char *to) {
    strbuf sb = STRBUF_INIT;
    const char *hit = from ? strstr(text, from) : NULL;
    if (hit) {
        sb_append_n(&sb, text, (size_t)(hit - text));
        sb_append(&sb, to);
        sb_append(&sb, hit + strlen(from));
    } else {
        sb_append(&sb, text);
    }
    const char *data = arena_strdup(f->a, sb_str(&sb));
    sb_free(&sb);
    const syncspec_schema *schema = NULL;
    if (compile_load_buffer(&schema, f->a, "specs/t.yaml", data, strlen(data), &f->diags) != 0) {
        diag_print(stderr, &f->diags);
        fail_msg("the test spec does not load");
    }
    return schema;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->a = arena_new();
    diag_list_init(&f->diags, f->a);
    f->schema = load(f, spec, NULL, NULL);
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

static const char *generate_for(fixture *f, const syncspec_schema *schema, const char *target,
                                const char *path) {
    const char *only[] = {target, NULL};
    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    emit_file *files;
    size_t count;
    const char **used;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, schema, &options, &f->diags), 0);
    assert_int_equal(count, 1);
    assert_string_equal(files[0].path, path);
    assert_string_equal(files[0].target, target);
    assert_int_equal(strlen(files[0].content), files[0].length);
    return files[0].content;
}

static const char *generate_one(fixture *f, const char *target, const char *path) {
    return generate_for(f, f->schema, target, path);
}

#define assert_contains(haystack, needle)                                                          \
    do {                                                                                           \
        if (!strstr((haystack), (needle)))                                                         \
            fail_msg("missing: %s\n--- in:\n%s", (needle), (haystack));                            \
    } while (0)

/* Text injected through a description can only sit on a comment line. */
static void assert_only_in_comments(const char *text, const char *needle, const char *comment) {
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++) {
        const char *line = p;
        while (line > text && line[-1] != '\n') line--;
        while (*line == ' ') line++;
        if (strncmp(line, comment, strlen(comment)) != 0)
            fail_msg("'%s' outside a comment:\n%.*s", needle, (int)(strchr(p, '\n') - line), line);
    }
}

static int count_rows(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_sqlite(void **state) {
    fixture *f = *state;
    const char *sql = generate_one(f, "sqlite", "sqlite.sql");
    assert_contains(sql, "-- Generated by syncspec from t.yaml (sha256 ");
    assert_contains(sql, "-- Groups\n-- second line\n-- DROP TABLE notes; --\n");
    assert_contains(
        sql, "CREATE TABLE IF NOT EXISTS \"group\" (\n  \"id\" TEXT PRIMARY KEY NOT NULL,\n");
    assert_contains(sql, "  \"order\" INTEGER NOT NULL,\n");
    assert_contains(sql, "  \"status\" TEXT DEFAULT 'a',\n");
    assert_contains(sql, "  \"ok\" INTEGER NOT NULL DEFAULT 1 CHECK (\"ok\" IN (0, 1)),\n");
    assert_contains(sql, "  -- Parent\n  -- CREATE TABLE evil (x);\n  \"parent_id\" TEXT, -- "
                         "references group.id (enforced by the app)\n");
    assert_contains(sql, "  \"path\" TEXT DEFAULT 'C:\\x',\n"); /* SQLite: no escapes */
    assert_contains(sql, "  \"score\" REAL,\n");                /* no CHECK but booleans' */
    assert_contains(sql, "  \"owner_id\" TEXT,\n");             /* nullable on the client */
    assert_contains(sql, "  \"deleted_at\" TEXT\n);");
    assert_contains(
        sql, "CREATE INDEX IF NOT EXISTS \"idx_group_owner_id\" ON \"group\" (\"owner_id\");");
    assert_contains(sql, "CREATE UNIQUE INDEX IF NOT EXISTS \"uq_group_parent_id_order\" ON "
                         "\"group\" (\"parent_id\", \"order\");");
    assert_contains(sql, "-- Insert-only: ");
    assert_contains(sql, "-- Local-only: ");
    assert_contains(sql, "CREATE TABLE IF NOT EXISTS \"notes\"");
    assert_null(strstr(sql, "FOREIGN KEY ("));
    assert_null(strstr(sql, "REFERENCES \""));
    assert_only_in_comments(sql, "DROP TABLE", "--");
    assert_only_in_comments(sql, "CREATE TABLE evil", "--");
    assert_null(strstr(sql, " \n")); /* no trailing blanks */

    /* It runs, twice, on a real SQLite, and builds exactly the spec's tables. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (int run = 0; run < 2; run++) {
        char *error = NULL;
        if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
            fail_msg("run %d: %s", run + 1, error);
    }
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 3);
    assert_int_equal(count_rows(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                    "AND name NOT LIKE 'sqlite_autoindex%'"),
                     3); /* two owner indexes and the unique one */
    assert_int_equal(count_rows(db, "SELECT \"notnull\" FROM pragma_table_info('group') "
                                    "WHERE name = 'owner_id'"),
                     0);
    assert_int_equal(count_rows(db, "SELECT \"notnull\" FROM pragma_table_info('group') "
                                    "WHERE name = 'order'"),
                     1);
    /* The boolean CHECK holds; the default applies. */
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO \"group\" (id, \"order\", ok, created_at, "
                                  "updated_at) VALUES ('a', 1, 2, 'x', 'x')",
                                  NULL, NULL, NULL),
                     SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO \"group\" (id, \"order\", created_at, updated_at) "
                                  "VALUES ('a', 1, 'x', 'x')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(count_rows(db, "SELECT ok FROM \"group\""), 1);
    sqlite3_close(db);
}

static void test_postgres(void **state) {
    fixture *f = *state;
    const char *sql = generate_one(f, "postgres", "postgres.sql");
    assert_contains(sql, "-- Generated by syncspec from t.yaml (sha256 ");
    assert_contains(sql, "CREATE TABLE IF NOT EXISTS \"public\".\"group\" (");
    assert_contains(sql,
                    "  \"id\" text PRIMARY KEY\n    CONSTRAINT \"ck_group_id_format\" CHECK "
                    "(\"id\" ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'),"
                    "\n");
    assert_contains(
        sql, "  \"order\" bigint NOT NULL\n    CONSTRAINT \"ck_group_order_min\" CHECK (\"order\" "
             ">= 1)\n    CONSTRAINT \"ck_group_order_max\" CHECK (\"order\" <= 9),");
    assert_contains(sql,
                    "CONSTRAINT \"ck_group_status_enum\" CHECK (\"status\" IN ('a', 'it''s'))");
    assert_contains(sql,
                    "CONSTRAINT \"ck_group_status_length\" CHECK (char_length(\"status\") <= 10)");
    assert_contains(sql, "  \"ok\" boolean NOT NULL DEFAULT true,");
    assert_null(strstr(sql, "ck_group_ok")); /* booleans need no CHECK in PostgreSQL */
    assert_contains(sql, "  \"path\" text DEFAULT E'C:\\\\x',");
    assert_contains(sql, "CONSTRAINT \"ck_group_score_min\" CHECK (\"score\" >= 0.5)");
    assert_contains(sql, "  \"owner_id\" text NOT NULL,");
    assert_contains(sql, "  \"created_at\" timestamp(3) with time zone NOT NULL,");
    assert_contains(sql, "-- Soft delete: ");
    assert_contains(sql, "COMMENT ON TABLE \"public\".\"group\" IS 'Groups\nsecond line\rDROP "
                         "TABLE notes; --';");
    assert_contains(sql, "COMMENT ON COLUMN \"public\".\"group\".\"parent_id\" IS 'Parent\n"
                         "CREATE TABLE evil (x); (references group.id, enforced by the app)';");
    assert_contains(sql, "CREATE PUBLICATION \"powersync\" FOR TABLE \"public\".\"group\", "
                         "\"public\".\"a_very_long_table_name_that_goes_on_and_on_for_quite_a_"
                         "while\"\n");
    assert_contains(sql, "      WITH (publish = 'insert, update, delete, truncate', "
                         "publish_via_partition_root = false);");
    assert_contains(sql, "ALTER PUBLICATION \"powersync\" SET TABLE \"public\".\"group\", ");
    assert_null(strstr(sql, "\"notes\"")); /* local-only stays on the device */
    assert_null(strstr(sql, "FOREIGN KEY ("));
    assert_null(strstr(sql, "CREATE SCHEMA"));
    assert_null(strstr(sql, " \n"));

    /* Every CHECK the checker expects (pg_check_kinds) is there by name, and no other;
     * every name fits PostgreSQL's 63 bytes. */
    size_t expected = 0;
    for (size_t i = 0; i < f->schema->table_count; i++) {
        const syncspec_table *t = &f->schema->tables[i];
        if (t->local_only) continue;
        for (size_t k = 0; k < t->column_count; k++) {
            model_check_kind kinds[MODEL_CHECK_COUNT];
            size_t n = pg_check_kinds(kinds, f->schema, &t->columns[k]);
            for (size_t q = 0; q < n; q++) {
                const char *name = pg_check_name(f->a, t->name, t->columns[k].name, kinds[q]);
                assert_true(strlen(name) <= 63);
                assert_contains(sql, arena_printf(f->a, "CONSTRAINT \"%s\" CHECK (", name));
            }
            expected += n;
        }
    }
    size_t found = 0;
    for (const char *p = sql; (p = strstr(p, "CONSTRAINT \"")) != NULL; p++) {
        found++;
        const char *end = strchr(p + 12, '"');
        assert_true(end - (p + 12) <= 63);
    }
    assert_int_equal(found, expected);
    assert_int_equal(expected, 9); /* id, order 2, status 2, score on group; id, 2 on the other */
}

static void test_postgres_options(void **state) {
    fixture *f = *state;
    /* Text ids: no format CHECK. Another schema: created, and every name qualified. */
    const syncspec_schema *s =
        load(f, spec, "name: t\n",
             "name: t\nid_format: text\npostgres: { schema: app, publication: pub }\n");
    const char *sql = generate_for(f, s, "postgres", "postgres.sql");
    assert_null(strstr(sql, "_id_format"));
    assert_contains(sql, "\nCREATE SCHEMA IF NOT EXISTS \"app\";\n");
    assert_contains(sql, "CREATE TABLE IF NOT EXISTS \"app\".\"group\" (");
    assert_contains(sql, "ON \"app\".\"group\" (\"owner_id\");");
    assert_contains(sql, "pubname = 'pub'");
    assert_contains(sql, "CREATE PUBLICATION \"pub\" FOR TABLE \"app\".\"group\", ");
    const char *yaml = generate_for(f, s, "sync-rules", "sync_rules.yaml");
    assert_contains(yaml, " FROM \"app\".\"group\" WHERE ");

    /* No synced table: the publication is emptied, the sync rules have no query. */
    const syncspec_schema *local = load(f,
                                        "syncspec: 1\nname: l\ntables:\n  a:\n    local_only: "
                                        "true\n    columns:\n      x: text\n",
                                        NULL, NULL);
    sql = generate_for(f, local, "postgres", "postgres.sql");
    assert_null(strstr(sql, "CREATE TABLE"));
    assert_null(strstr(sql, "SET TABLE \""));
    assert_contains(sql, "    CREATE PUBLICATION \"powersync\"\n");
    assert_contains(sql, "EXECUTE format('ALTER PUBLICATION %I DROP TABLE %I.%I'");
    yaml = generate_for(f, local, "sync-rules", "sync_rules.yaml");
    assert_contains(yaml, "    data:\n      []\n");
}

/* Parses YAML with libyaml; returns the scalars in document order, NULL-terminated. */
static const char **yaml_scalars(arena *a, const char *text) {
    yaml_parser_t parser;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    const char **scalars = arena_calloc(a, 256, sizeof *scalars);
    size_t n = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event))
            fail_msg("YAML error: %s at line %zu", parser.problem, parser.problem_mark.line + 1);
        if (event.type == YAML_SCALAR_EVENT && n < 255)
            scalars[n++] =
                arena_strndup(a, (const char *)event.data.scalar.value, event.data.scalar.length);
        bool done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        if (done) break;
    }
    yaml_parser_delete(&parser);
    return scalars;
}

static bool has_scalar(const char **scalars, const char *value) {
    for (; *scalars; scalars++)
        if (strcmp(*scalars, value) == 0) return true;
    return false;
}

static void test_sync_rules_bucket_definitions(void **state) {
    fixture *f = *state;
    const char *yaml = generate_one(f, "sync-rules", "sync_rules.yaml");
    assert_contains(yaml, "# Generated by syncspec from t.yaml (sha256 ");
    assert_contains(yaml, "bucket_definitions:\n  user_data:\n");
    assert_contains(yaml, "    parameters: SELECT request.user_id() as user_id\n");
    assert_null(strstr(yaml, "notes"));
    assert_null(strstr(yaml, "SELECT *"));
    const char **scalars = yaml_scalars(f->a, yaml);
    assert_true(has_scalar(scalars, "SELECT \"id\", \"order\", \"status\", \"ok\", \"parent_id\", "
                                    "\"path\", \"score\", \"owner_id\", \"created_at\", "
                                    "\"updated_at\", \"deleted_at\" FROM \"group\" WHERE "
                                    "\"owner_id\" = bucket.user_id"));
    assert_true(has_scalar(scalars, "SELECT \"id\", \"another_rather_long_column_name\", "
                                    "\"owner_id\" FROM \"a_very_long_table_name_that_goes_on_and_"
                                    "on_for_quite_a_while\" WHERE \"owner_id\" = "
                                    "bucket.user_id"));
    /* A bucket named like a YAML boolean stays a string key. */
    const syncspec_schema *s = load(f, spec, "name: t\n", "name: t\nsync: { bucket: on }\n");
    yaml = generate_for(f, s, "sync-rules", "sync_rules.yaml");
    assert_contains(yaml, "\n  'on':\n");
    assert_true(has_scalar(yaml_scalars(f->a, yaml), "on"));
}

static void test_sync_rules_streams(void **state) {
    fixture *f = *state;
    const syncspec_schema *s =
        load(f, spec, "name: t\n", "name: t\nowner_column: user\nsync: { format: streams }\n");
    const char *yaml = generate_for(f, s, "sync-rules", "sync_rules.yaml");
    assert_contains(yaml, "config:\n  edition: 3\nstreams:\n  group:\n    auto_subscribe: true\n"
                          "    query: 'SELECT \"id\", ");
    assert_contains(yaml, "\"user\" = auth.user_id()'\n");
    assert_null(strstr(yaml, "bucket_definitions"));
    assert_null(strstr(yaml, "notes"));
    const char **scalars = yaml_scalars(f->a, yaml);
    assert_true(has_scalar(scalars, "a_very_long_table_name_that_goes_on_and_on_for_quite_a_"
                                    "while"));
    assert_true(has_scalar(scalars, "SELECT \"id\", \"another_rather_long_column_name\", "
                                    "\"user\" FROM \"a_very_long_table_name_that_goes_on_and_on_"
                                    "for_quite_a_while\" WHERE \"user\" = auth.user_id()"));
}

static void test_every_file_has_the_banner(void **state) {
    fixture *f = *state;
    emit_file *files;
    size_t count;
    const char **used;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, NULL, &f->diags), 0);
    /* In the order of the target table, ours first. */
    assert_true(count >= 3);
    assert_string_equal(files[0].path, "sqlite.sql");
    assert_string_equal(files[1].path, "postgres.sql");
    assert_string_equal(files[2].path, "sync_rules.yaml");
    assert_string_equal(emit_target_names[0], "sqlite");
    assert_string_equal(emit_target_names[1], "postgres");
    assert_string_equal(emit_target_names[2], "sync-rules");
    char sha[13];
    memcpy(sha, f->schema->source_sha256, 12);
    sha[12] = '\0';
    for (size_t i = 0; i < count; i++) {
        /* JSON has no comments: the PowerSync schema JSON is exactly Schema.toJSON(). */
        if (strstr(files[i].path, ".json")) {
            assert_int_equal(strncmp(files[i].content, "{\n  \"tables\": [", 15), 0);
            assert_null(strstr(files[i].content, "Generated by"));
            continue;
        }
        const char *nl = strchr(files[i].content, '\n');
        assert_non_null(nl);
        const char *first = arena_strndup(f->a, files[i].content, (size_t)(nl - files[i].content));
        const char *second = arena_strndup(f->a, nl + 1, (size_t)(strchr(nl + 1, '\n') - nl - 1));
        const char *want =
            arena_printf(f->a, "Generated by syncspec from t.yaml (sha256 %s).", sha);
        if (!strstr(first, want)) fail_msg("%s: banner is '%s'", files[i].path, first);
        assert_non_null(strstr(second, "Do not edit"));
        /* No tool version in the banner, so an upgrade alone leaves files fresh. */
        assert_null(strstr(first, SYNCSPEC_VERSION));
        assert_null(strstr(second, SYNCSPEC_VERSION));
        const char *syntax = strstr(files[i].path, ".sql")    ? "-- "
                             : strstr(files[i].path, ".yaml") ? "# "
                             : strstr(files[i].path, ".ts")   ? "// "
                                                              : "/* ";
        assert_int_equal(strncmp(first, syntax, strlen(syntax)), 0);
    }
}

static void test_deterministic(void **state) {
    fixture *f = *state;
    emit_file *one, *two;
    size_t n1, n2;
    const char **used;
    assert_int_equal(emit_generate(&one, &n1, &used, f->a, f->schema, NULL, &f->diags), 0);
    assert_int_equal(emit_generate(&two, &n2, &used, f->a, f->schema, NULL, &f->diags), 0);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(one[i].path, two[i].path);
        assert_int_equal(one[i].length, two[i].length);
        assert_memory_equal(one[i].content, two[i].content, one[i].length);
    }
}

/* What --dump-context prints is exactly what the templates see. */
static void test_dump_context_renders_the_same(void **state) {
    fixture *f = *state;
    static const struct {
        const char *target, *template_path, *file;
    } targets[] = {{"sqlite", "sqlite/sqlite.sql", "sqlite.sql"},
                   {"postgres", "postgres/postgres.sql", "postgres.sql"},
                   {"sync-rules", "sync_rules/sync_rules.yaml", "sync_rules.yaml"}};
    for (size_t i = 0; i < 3; i++) {
        json_t *context = emit_context(f->schema, targets[i].target);
        assert_non_null(context);
        const char *out;
        size_t length;
        assert_int_equal(emit_render_json(&out, &length, f->a, targets[i].template_path, context,
                                          NULL, &f->diags),
                         0);
        assert_string_equal(out, generate_one(f, targets[i].target, targets[i].file));
        json_decref(context);
    }
    json_t *j = emit_context(f->schema, "postgres");
    json_t *tables = json_object_get(j, "tables");
    assert_int_equal(json_array_size(tables), 2); /* synced only */
    json_t *group = json_array_get(tables, 0);
    assert_string_equal(json_string_value(json_object_get(group, "name")), "group");
    assert_string_equal(json_string_value(json_object_get(group, "q")), "\"public\".\"group\"");
    json_decref(j);
    assert_null(emit_context(f->schema, "nope"));
}

static void write_file(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void test_user_templates(void **state) {
    fixture *f = *state;
    char dir[] = "/tmp/syncspec-templates-XXXXXX";
    assert_non_null(mkdtemp(dir));
    const char *sub = arena_printf(f->a, "%s/sqlite", dir);
    const char *partial = arena_printf(f->a, "%s/table.sql", sub);
    assert_int_equal(mkdir(sub, 0700), 0);
    /* Only the partial is the user's: sqlite.sql stays built in and uses it. */
    write_file(partial, "TABLE {{name}}{{#local_only}} (local){{/local_only}}\n");
    const char *only[] = {"sqlite", NULL};
    emit_options options = {only, dir};
    emit_file *files;
    size_t count;
    const char **used;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, &options, &f->diags), 0);
    assert_contains(files[0].content, "\nTABLE group\n");
    assert_contains(files[0].content, "\nTABLE notes (local)\n");
    assert_null(strstr(files[0].content, "CREATE TABLE"));
    assert_string_equal(used[0], "<embedded>/sqlite/sqlite.sql");
    assert_string_equal(used[1], partial);
    assert_null(used[2]);

    /* A user's template error names the user's file, line and column. */
    write_file(partial, "ok\n  {{nmae}}\n");
    size_t before = f->diags.count;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, &options, &f->diags),
                     -1);
    assert_int_equal(f->diags.count, before + 1); /* once, though there are three tables */
    assert_string_equal(f->diags.items[before].code, "template-unknown-name");
    assert_string_equal(f->diags.items[before].file, partial);
    assert_int_equal(f->diags.items[before].line, 2);
    assert_int_equal(f->diags.items[before].col, 3);

    /* A partial outside the folder (a file beside it here) is refused, never read. */
    const char *outside = arena_printf(f->a, "%s/secret", dir);
    write_file(outside, "SECRET\n");
    write_file(partial, "{{>../secret}}\n");
    before = f->diags.count;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, &options, &f->diags),
                     -1);
    assert_string_equal(f->diags.items[before].code, "template-partial");
    assert_string_equal(f->diags.items[before].file, partial);
    unlink(outside);
    unlink(partial);
    rmdir(sub);
    rmdir(dir);

    options.templates_dir = dir; /* now missing */
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, &options, &f->diags),
                     -1);
    assert_string_equal(f->diags.items[f->diags.count - 1].code, "io");
}

static void test_unknown_target_is_an_error(void **state) {
    fixture *f = *state;
    const char *only[] = {"sqlight", NULL};
    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    emit_file *files;
    size_t count;
    const char **used;
    assert_int_equal(emit_generate(&files, &count, &used, f->a, f->schema, &options, &f->diags),
                     -1);
    assert_string_equal(f->diags.items[0].code, "unknown-target");
    assert_non_null(strstr(f->diags.items[0].note, "sqlite, postgres, sync-rules"));
}

static void test_table_sql_matches_the_generated_file(void **state) {
    fixture *f = *state;
    const char *sqlite = generate_one(f, "sqlite", "sqlite.sql");
    const char *postgres = generate_one(f, "postgres", "postgres.sql");
    for (size_t i = 0; i < f->schema->table_count; i++) {
        const syncspec_table *t = &f->schema->tables[i];
        const char *sql;
        emit_repair create = {.kind = EMIT_REPAIR_CREATE_TABLE, .table = t};
        assert_int_equal(emit_repair_sql(&sql, f->a, f->schema, "sqlite", &create, &f->diags), 0);
        assert_true(strlen(sql) > 0);
        assert_contains(sqlite, sql);
        assert_int_equal(emit_repair_sql(&sql, f->a, f->schema, "postgres", &create, &f->diags), 0);
        if (t->local_only)
            assert_string_equal(sql, "");
        else
            assert_contains(postgres, sql);
    }
    const char *sql;
    emit_repair create = {.kind = EMIT_REPAIR_CREATE_TABLE, .table = &f->schema->tables[0]};
    assert_int_equal(emit_repair_sql(&sql, f->a, f->schema, "sync-rules", &create, &f->diags), -1);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sqlite),
        T(test_postgres),
        T(test_postgres_options),
        T(test_sync_rules_bucket_definitions),
        T(test_sync_rules_streams),
        T(test_every_file_has_the_banner),
        T(test_deterministic),
        T(test_dump_context_renders_the_same),
        T(test_user_templates),
        T(test_unknown_target_is_an_error),
        T(test_table_sql_matches_the_generated_file),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The checker on hand-written inputs: sync rules in the forms people actually write (and
 * the ones that leak), SQLite databases built with SQL that the generated DDL never
 * produces (other type spellings, DESC and partial indexes, composite keys, PowerSync's
 * views), the causes of "could not check", and the repair helpers. The end-to-end drift
 * cases on real SQLite and PostgreSQL are in tests/integration/check.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "check/catalog.h"
#include "check/check.h"
#include "check/deparse.h"
#include "check/repair.h"
#include "compile/compile.h"
#include "emit/emit.h"
#include "util/strbuf.h"

static const char spec_text[] = "syncspec: 1\n"
                                "name: t\n"
                                "sync: { format: bucket_definitions }\n"
                                "tables:\n"
                                "  notes:\n"
                                "    soft_delete: true\n"
                                "    columns:\n"
                                "      body: { type: text, required: true }\n"
                                "      pinned: { type: boolean, required: true, default: false }\n"
                                "      rank: integer\n"
                                "    indexes:\n"
                                "      - [rank]\n"
                                "    unique:\n"
                                "      - [body, rank]\n"
                                "  prefs:\n"
                                "    local_only: true\n"
                                "    columns:\n"
                                "      key: { type: text, required: true }\n";

typedef struct fixture {
    arena *a;
    diag_list diags;
    const syncspec_schema *schema, *streams;
    char dir[64];
    findings f;
} fixture;

static const syncspec_schema *load(fixture *x, const char *text) {
    const syncspec_schema *schema = NULL;
    if (compile_load_buffer(&schema, x->a, "t.yaml", text, strlen(text), &x->diags) != 0)
        fail_msg("the test spec does not load");
    return schema;
}

static int setup(void **state) {
    fixture *x = calloc(1, sizeof *x);
    x->a = arena_new();
    diag_list_init(&x->diags, x->a);
    x->schema = load(x, spec_text);
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, spec_text);
    char *streams = sb_steal(&sb);
    memcpy(strstr(streams, "bucket_definitions }"), "streams }           ", 20);
    x->streams = load(x, arena_strdup(x->a, streams));
    free(streams);
    strcpy(x->dir, "/tmp/syncspec-test-check.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    findings_init(&x->f, x->a);
    *state = x;
    return 0;
}

static int teardown(void **state) {
    fixture *x = *state;
    findings_free(&x->f);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
    assert_int_equal(system(cmd), 0);
    diag_list_free(&x->diags);
    arena_free(x->a);
    free(x);
    return 0;
}

static const char *write_file(fixture *x, const char *name, const char *text) {
    const char *path = arena_printf(x->a, "%s/%s", x->dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static int compare_strings(const void *p, const void *q) {
    return strcmp(*(const char *const *)p, *(const char *const *)q);
}

/* The findings as sorted "code table column" lines joined by ';' ("" when none), then
 * cleared for the next check. */
static const char *summary(fixture *x) {
    const char **lines = arena_calloc(x->a, x->f.count + 1, sizeof *lines);
    for (size_t i = 0; i < x->f.count; i++) {
        const finding *f = &x->f.items[i];
        lines[i] = arena_printf(x->a, "%s %s %s", f->code, f->table ? f->table : "-",
                                f->column ? f->column : "-");
    }
    qsort(lines, x->f.count, sizeof *lines, compare_strings);
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < x->f.count; i++) {
        if (i) sb_putc(&sb, ';');
        sb_append(&sb, lines[i]);
    }
    const char *out = arena_strdup(x->a, sb_str(&sb));
    sb_free(&sb);
    x->f.count = 0;
    return out;
}

static const char *generated(fixture *x, const syncspec_schema *schema, const char *target) {
    const char *only[] = {target, NULL};
    emit_options options = EMIT_OPTIONS_INIT;
    options.only = only;
    emit_file *files;
    size_t count;
    const char **used;
    assert_int_equal(emit_generate(&files, &count, &used, x->a, schema, &options, &x->diags), 0);
    assert_int_equal(count, 1);
    return files[0].content;
}

/* ---- sync rules */

static const char *rules_findings(fixture *x, const syncspec_schema *schema, const char *text) {
    const char *path = write_file(x, "rules.yaml", text);
    const char *error = NULL;
    if (check_sync_rules(&x->f, schema, path, &error) != 0)
        fail_msg("could not check: %s\n--- rules:\n%s", error, text);
    return summary(x);
}

static const char *rules_error(fixture *x, const char *text) {
    const char *path = write_file(x, "rules.yaml", text);
    const char *error = NULL;
    assert_int_equal(check_sync_rules(&x->f, x->schema, path, &error), -1);
    assert_non_null(error);
    assert_int_equal(x->f.count, 0);
    return error;
}

#define BUCKET                                                                                     \
    "bucket_definitions:\n  user_data:\n    parameters: SELECT request.user_id() as user_id\n    " \
    "data:\n"
#define NOTE_COLUMNS "id, body, pinned, rank, owner_id, created_at, updated_at, deleted_at"

static void test_rules_generated_are_aligned(void **state) {
    fixture *x = *state;
    assert_string_equal(rules_findings(x, x->schema, generated(x, x->schema, "sync-rules")), "");
    assert_string_equal(rules_findings(x, x->streams, generated(x, x->streams, "sync-rules")), "");
}

static void test_rules_hand_written_forms(void **state) {
    fixture *x = *state;
    /* Case, quoting, a schema-qualified table, a qualified owner, the equality reversed and
     * parenthesised, a narrowing extra condition, comments: all still owner-filtered. */
    static const char *const queries[] = {
        "select " NOTE_COLUMNS " from notes where owner_id = bucket.user_id",
        "SELECT \"id\", \"body\", pinned, RANK, owner_id, created_at, updated_at, deleted_at "
        "FROM public.\"notes\" WHERE notes.owner_id = bucket.user_id",
        "SELECT " NOTE_COLUMNS " FROM notes n WHERE (bucket.user_id = n.\"owner_id\")",
        "SELECT " NOTE_COLUMNS " FROM notes WHERE deleted_at IS NULL AND owner_id = "
        "bucket.user_id -- only live rows",
        "SELECT id, body, pinned, /* the order */ rank, owner_id AS owner_id, created_at, "
        "updated_at, deleted_at FROM notes WHERE ((owner_id = bucket.user_id))",
    };
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        const char *text = arena_printf(x->a, BUCKET "      - '%s'\n", queries[i]);
        const char *got = rules_findings(x, x->schema, text);
        if (*got) fail_msg("query %zu: unexpected findings [%s]", i, got);
    }
}

static void test_rules_leaks(void **state) {
    fixture *x = *state;
    static const struct {
        const char *where, *want;
    } cases[] = {
        {"owner_id = bucket.user_id OR pinned = 1", "sync-rules-owner-filter notes -"},
        {"owner_id = 'bucket.user_id'", "sync-rules-owner-filter notes -"},
        {"owner_id <= bucket.user_id", "sync-rules-owner-filter notes -"},
        {"body = bucket.user_id", "sync-rules-owner-filter notes -"},
        {"owner_id = auth.user_id()", "sync-rules-owner-filter notes -"},
        {"owner_id = bucket.user_id", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *text = arena_printf(x->a, BUCKET "      - SELECT %s FROM notes WHERE %s\n",
                                        NOTE_COLUMNS, cases[i].where);
        assert_string_equal(rules_findings(x, x->schema, text), cases[i].want);
    }
    /* No WHERE at all. */
    assert_string_equal(
        rules_findings(x, x->schema, BUCKET "      - SELECT " NOTE_COLUMNS " FROM notes\n"),
        "sync-rules-owner-filter notes -");
    /* A second, unfiltered query for the same table cannot hide behind a correct one (here
     * in a global bucket: no parameters). */
    assert_string_equal(
        rules_findings(x, x->schema,
                       BUCKET "      - SELECT " NOTE_COLUMNS
                              " FROM notes WHERE owner_id = bucket.user_id\n"
                              "  everyone:\n    data:\n      - SELECT * FROM notes\n"),
        "sync-rules-owner-filter notes -;sync-rules-parameters - -;sync-rules-select-star notes -");
}

static void test_rules_columns(void **state) {
    fixture *x = *state;
    /* A renamed column, an unnamed expression, a missing one, an unknown one. */
    const char *text =
        BUCKET "      - SELECT id, body AS title, upper(body), pinned, rank, owner_id, created_at, "
               "updated_at, secret FROM notes WHERE owner_id = bucket.user_id\n";
    assert_string_equal(rules_findings(x, x->schema, text),
                        "sync-rules-columns notes -;sync-rules-columns notes body;"
                        "sync-rules-columns notes deleted_at;sync-rules-columns notes secret;"
                        "sync-rules-columns notes title");
}

static void test_rules_casts_and_schemas(void **state) {
    fixture *x = *state;
    /* A cast is named by its alias, bare or after AS, as PowerSync names it; a table of
     * another schema is not the spec's. */
    const char *text = BUCKET "      - SELECT id, body::text body, pinned, n.rank::bigint AS rank, "
                              "owner_id, created_at, updated_at, deleted_at FROM notes n WHERE "
                              "owner_id = bucket.user_id\n"
                              "      - SELECT id FROM archive.notes WHERE owner_id = "
                              "bucket.user_id\n";
    assert_string_equal(rules_findings(x, x->schema, text),
                        "sync-rules-extra-table archive.notes -");
    /* Without an alias a cast has no name (PowerSync: "alias is required"). */
    text = BUCKET "      - SELECT id, body::text, pinned, CAST(rank AS bigint), owner_id, "
                  "created_at, updated_at, deleted_at FROM notes WHERE owner_id = "
                  "bucket.user_id\n";
    assert_string_equal(rules_findings(x, x->schema, text),
                        "sync-rules-columns notes -;sync-rules-columns notes -;"
                        "sync-rules-columns notes body;sync-rules-columns notes rank");
}

static void test_deparse(void **state) {
    fixture *x = *state;
    assert_string_equal(deparse_ident(x->a, "title"), "title");
    assert_string_equal(deparse_ident(x->a, "order"), "\"order\"");
    assert_string_equal(deparse_ident(x->a, "name"), "name"); /* unreserved */
    assert_string_equal(deparse_ident(x->a, "Big"), "\"Big\"");
    const char *y = "syncspec: 1\n"
                    "name: t\n"
                    "tables:\n"
                    "  t:\n"
                    "    columns:\n"
                    "      a: { type: integer, min: -5, max: 5000000000, enum: [7] }\n"
                    "      b: { type: real, min: -1.5, max: 1e21, enum: [0.5, 2] }\n"
                    "      c: { type: text, enum: [x, \"it's\"], max_length: 9 }\n";
    const syncspec_table *t = &load(x, y)->tables[0];
    const syncspec_column *a = syncspec_table_column(t, "a"), *b = syncspec_table_column(t, "b"),
                          *c = syncspec_table_column(t, "c");
    assert_string_equal(deparse_check(x->a, a, MODEL_CHECK_MIN), "CHECK ((a >= '-5'::integer))");
    assert_string_equal(deparse_check(x->a, a, MODEL_CHECK_MAX),
                        "CHECK ((a <= '5000000000'::bigint))");
    assert_string_equal(deparse_check(x->a, a, MODEL_CHECK_ENUM), "CHECK ((a = 7))");
    assert_string_equal(deparse_check(x->a, b, MODEL_CHECK_MIN),
                        "CHECK ((b >= ('-1.5'::numeric)::double precision))");
    assert_string_equal(deparse_check(x->a, b, MODEL_CHECK_MAX),
                        "CHECK ((b <= ('1000000000000000000000'::numeric)::double precision))");
    assert_string_equal(
        deparse_check(x->a, b, MODEL_CHECK_ENUM),
        "CHECK ((b = ANY (ARRAY[(0.5)::double precision, (2)::double precision])))");
    assert_string_equal(deparse_check(x->a, c, MODEL_CHECK_ENUM),
                        "CHECK ((c = ANY (ARRAY['x'::text, 'it''s'::text])))");
    assert_string_equal(deparse_check(x->a, c, MODEL_CHECK_LENGTH),
                        "CHECK ((char_length(c) <= 9))");
}

static void test_rules_tables_and_buckets(void **state) {
    fixture *x = *state;
    /* A local-only table synced, an unknown table, a synced table left out. */
    assert_string_equal(
        rules_findings(x, x->schema,
                       BUCKET "      - SELECT id, key FROM prefs WHERE owner_id = bucket.user_id\n"
                              "      - SELECT id FROM other WHERE owner_id = bucket.user_id\n"),
        "sync-rules-extra-table other -;sync-rules-local-only prefs -;"
        "sync-rules-missing-table notes -");
    /* The bucket must bind user_id to the signed-in user. */
    const char *data =
        "    data:\n      - SELECT " NOTE_COLUMNS " FROM notes WHERE owner_id = bucket.user_id\n";
    assert_string_equal(
        rules_findings(x, x->schema, arena_printf(x->a, "bucket_definitions:\n  b:\n%s", data)),
        "sync-rules-parameters - -");
    assert_string_equal(
        rules_findings(x, x->schema,
                       arena_printf(x->a,
                                    "bucket_definitions:\n  b:\n    parameters: SELECT id as "
                                    "user_id FROM users\n%s",
                                    data)),
        "sync-rules-parameters - -");
    assert_string_equal(
        rules_findings(x, x->schema,
                       arena_printf(x->a,
                                    "bucket_definitions:\n  b:\n    parameters:\n      - SELECT "
                                    "token_parameters.user_id AS \"user_id\"\n%s",
                                    data)),
        "");
    /* The other format than the spec's. */
    assert_string_equal(rules_findings(x, x->streams,
                                       BUCKET "      - SELECT " NOTE_COLUMNS
                                              " FROM notes WHERE owner_id = bucket.user_id\n"),
                        "sync-rules-format - -");
}

static void test_rules_streams(void **state) {
    fixture *x = *state;
    const char *head = "config:\n  edition: 3\nstreams:\n  notes:\n";
    const char *query =
        "SELECT " NOTE_COLUMNS " FROM notes WHERE owner_id = auth.user_id() AND rank > 0";
    assert_string_equal(
        rules_findings(
            x, x->streams,
            arena_printf(x->a, "%s    auto_subscribe: true\n    query: %s\n", head, query)),
        "");
    /* A queries list, not auto-subscribed, the bucket filter in a stream. */
    assert_string_equal(
        rules_findings(x, x->streams,
                       arena_printf(x->a,
                                    "%s    queries:\n      - %s\n      - SELECT " NOTE_COLUMNS
                                    " FROM notes WHERE owner_id = bucket.user_id\n",
                                    head, query)),
        "sync-rules-auto-subscribe - -;sync-rules-owner-filter notes -");
}

static void test_rules_cannot_check(void **state) {
    fixture *x = *state;
    const char *e = rules_error(x, "bucket_definitions:\n  user_data: [\n");
    assert_non_null(strstr(e, "rules.yaml:3:1: malformed sync rules"));
    e = rules_error(x, BUCKET "      - SELECT \"id FROM notes\n");
    assert_non_null(strstr(e, "rules.yaml:5: malformed sync rules"));
    assert_non_null(strstr(e, "unterminated quoted identifier"));
    e = rules_error(x, BUCKET "      - SELECT id, 'x FROM notes\n");
    assert_non_null(strstr(e, "unterminated string"));
    e = rules_error(x, BUCKET "      - SELECT id notes\n");
    assert_non_null(strstr(e, "no FROM"));
    e = rules_error(x, BUCKET "      - SELECT id, , body FROM notes\n");
    assert_non_null(strstr(e, "empty item"));
    e = rules_error(x, BUCKET "      - DELETE FROM notes\n");
    assert_non_null(strstr(e, "must start with SELECT"));
    e = rules_error(x, BUCKET "      - { a: b }\n");
    assert_non_null(strstr(e, "a query must be a string"));
    e = rules_error(x, "bucket_definitions:\n  user_data:\n    data: SELECT id FROM notes\n");
    assert_non_null(strstr(e, "must be a list of queries"));
    e = rules_error(x, "");
    assert_non_null(strstr(e, "not a sync rules file"));
    e = rules_error(x, "streams: [a, b]\n");
    assert_non_null(strstr(e, "not a sync rules file"));
    const char *error = NULL;
    assert_int_equal(
        check_sync_rules(&x->f, x->schema, arena_printf(x->a, "%s/absent.yaml", x->dir), &error),
        -1);
    assert_non_null(strstr(error, "cannot read sync rules"));
    assert_non_null(strstr(error, "No such file"));
}

/* ---- SQLite */

static const char *sqlite_db(fixture *x, const char *name, const char *sql) {
    const char *path = arena_printf(x->a, "%s/%s", x->dir, name);
    unlink(path);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s\n--- in:\n%s", err, sql);
    sqlite3_close(db);
    return path;
}

static const char *sqlite_findings(fixture *x, const char *sql) {
    const char *path = sqlite_db(x, "t.db", sql);
    const char *error = NULL;
    if (check_sqlite(&x->f, x->schema, path, &error) != 0) fail_msg("could not check: %s", error);
    return summary(x);
}

/* The notes table as hand-written SQL; %s receives the indexes. */
#define NOTES_TABLE(body_type, pinned_type)                                                        \
    "CREATE TABLE notes (id TEXT PRIMARY KEY NOT NULL, body " body_type                            \
    " NOT NULL, pinned " pinned_type                                                               \
    " NOT NULL DEFAULT 0 CHECK (pinned IN (0,1)), rank INT, owner_id TEXT, "                       \
    "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, deleted_at TEXT);"                        \
    "CREATE TABLE prefs (id TEXT PRIMARY KEY NOT NULL, key TEXT NOT NULL, created_at TEXT NOT "    \
    "NULL, updated_at TEXT NOT NULL);"
#define OWNER_INDEX "CREATE INDEX idx_notes_owner_id ON notes (owner_id);"
#define UNIQUE_INDEX "CREATE UNIQUE INDEX uq_notes_body_rank ON notes (body, rank);"

static void test_sqlite_generated_and_equivalent(void **state) {
    fixture *x = *state;
    assert_string_equal(sqlite_findings(x, generated(x, x->schema, "sqlite")), "");
    /* Other spellings of the same affinities, no quotes, other spacing in the CHECK. */
    assert_string_equal(sqlite_findings(x, NOTES_TABLE("VARCHAR(200)", "INTEGER")
                                               OWNER_INDEX UNIQUE_INDEX
                                        "CREATE INDEX idx_notes_rank ON notes (rank);"),
                        "");
}

static void test_sqlite_drift(void **state) {
    fixture *x = *state;
    const char *rank_index = "CREATE INDEX idx_notes_rank ON notes (rank);";
    /* BOOLEAN has NUMERIC affinity: integers stored as such, but not what the spec says. */
    assert_string_equal(
        sqlite_findings(x, arena_printf(x->a, "%s%s%s%s", NOTES_TABLE("TEXT", "BOOLEAN"),
                                        OWNER_INDEX, UNIQUE_INDEX, rank_index)),
        "type-mismatch notes pinned");
    static const struct {
        const char *index, *want;
    } indexes[] = {
        {"CREATE INDEX idx_notes_rank ON notes (rank DESC);", "index-mismatch notes -"},
        {"CREATE INDEX idx_notes_rank ON notes (rank) WHERE rank > 0;", "index-mismatch notes -"},
        {"CREATE INDEX idx_notes_rank ON notes (rank + 1);", "index-mismatch notes -"},
        {"CREATE UNIQUE INDEX idx_notes_rank ON notes (rank);", "index-mismatch notes -"},
        {"CREATE INDEX idx_notes_rank ON notes (rank); CREATE UNIQUE INDEX by_body ON notes "
         "(body);",
         "extra-index notes -"},
    };
    for (size_t i = 0; i < sizeof indexes / sizeof *indexes; i++)
        assert_string_equal(
            sqlite_findings(x, arena_printf(x->a, "%s%s%s%s", NOTES_TABLE("TEXT", "INTEGER"),
                                            OWNER_INDEX, UNIQUE_INDEX, indexes[i].index)),
            indexes[i].want);
    const char *base = arena_printf(x->a, "%s%s%s%s", NOTES_TABLE("TEXT", "INTEGER"), OWNER_INDEX,
                                    UNIQUE_INDEX, rank_index);
    /* An extra NOT NULL column without a default breaks every insert: an error. */
    assert_string_equal(
        sqlite_findings(x, arena_printf(x->a,
                                        "%sALTER TABLE notes ADD COLUMN a TEXT NOT NULL "
                                        "DEFAULT 'x';",
                                        base)),
        "extra-column notes a");
    assert_int_equal(x->f.items[0].severity, FINDING_WARNING);
    const char *sql = arena_printf(x->a, "%s", base);
    char *p = strstr(sql, "deleted_at TEXT)");
    assert_non_null(p);
    sql = arena_printf(x->a, "%.*sdeleted_at TEXT, b TEXT NOT NULL)%s", (int)(p - sql), sql,
                       p + strlen("deleted_at TEXT)"));
    assert_string_equal(sqlite_findings(x, sql), "extra-column notes b");
    /* summary() cleared the list; the severity is checked on a fresh run. */
    const char *error = NULL;
    assert_int_equal(check_sqlite(&x->f, x->schema, sqlite_db(x, "t.db", sql), &error), 0);
    assert_int_equal(x->f.count, 1);
    assert_int_equal(x->f.items[0].severity, FINDING_ERROR);
    x->f.count = 0;
    /* A composite primary key. */
    sql = arena_printf(x->a, "%s", base);
    p = strstr(sql, "id TEXT PRIMARY KEY NOT NULL, body");
    sql = arena_printf(x->a, "%.*sid TEXT NOT NULL, body%s", (int)(p - sql), sql,
                       p + strlen("id TEXT PRIMARY KEY NOT NULL, body"));
    p = strstr(sql, "deleted_at TEXT)");
    sql = arena_printf(x->a, "%.*sdeleted_at TEXT, PRIMARY KEY (id, body))%s", (int)(p - sql), sql,
                       p + strlen("deleted_at TEXT)"));
    assert_string_equal(sqlite_findings(x, sql), "missing-primary-key notes id");
    /* Extra tables and views are reported; PowerSync's own are not. */
    assert_string_equal(
        sqlite_findings(x, arena_printf(x->a,
                                        "%sCREATE TABLE ps_kv (k TEXT); CREATE TABLE extra (a); "
                                        "CREATE VIEW live AS SELECT * FROM notes;",
                                        base)),
        "extra-table extra -;extra-table live -");
}

/* A PowerSync-managed database, as powersync-sqlite-core writes it: JSON rows behind views
 * with a column list and CASTs. */
static const char *powersync_sql(fixture *x, const char *pinned_type, const char *prefs_store) {
    return arena_printf(
        x->a,
        "CREATE TABLE ps_data__notes (id TEXT PRIMARY KEY NOT NULL, data TEXT);"
        "CREATE TABLE %s (id TEXT PRIMARY KEY NOT NULL, data TEXT);"
        "CREATE TABLE ps_crud (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, tx_id INTEGER);"
        "CREATE VIEW \"notes\"(\"id\", \"body\", \"pinned\", \"rank\", \"owner_id\", "
        "\"created_at\", \"updated_at\", \"deleted_at\") AS SELECT id, "
        "CAST(json_extract(data, '$.body') as TEXT), CAST(json_extract(data, '$.pinned') as %s), "
        "CAST(json_extract(data, '$.rank') as INTEGER), CAST(json_extract(data, '$.owner_id') as "
        "TEXT), CAST(json_extract(data, '$.created_at') as TEXT), "
        "CAST(json_extract(data, '$.updated_at') as TEXT), "
        "CAST(json_extract(data, '$.deleted_at') as TEXT) FROM \"ps_data__notes\" -- "
        "powersync-auto-generated\n;"
        "CREATE VIEW \"prefs\"(\"id\", \"key\", \"created_at\", \"updated_at\") AS SELECT id, "
        "CAST(json_extract(data, '$.key') as TEXT), CAST(json_extract(data, '$.created_at') as "
        "TEXT), CAST(json_extract(data, '$.updated_at') as TEXT) FROM \"%s\";"
        /* Its indexes, over the same casts, and the triggers that make the views writable. */
        "CREATE INDEX \"ps_data__notes__idx_notes_owner_id\" ON \"ps_data__notes\"("
        "CAST(json_extract(data, '$.owner_id') as TEXT));"
        "CREATE INDEX \"ps_data__notes__idx_notes_rank\" ON \"ps_data__notes\"("
        "CAST(json_extract(data, '$.rank') as INTEGER));"
        "CREATE INDEX \"ps_data__notes__uq_notes_body_rank\" ON \"ps_data__notes\"("
        "CAST(json_extract(data, '$.body') as TEXT), CAST(json_extract(data, '$.rank') as "
        "INTEGER));"
        "CREATE TRIGGER \"ps_view_update_notes\" INSTEAD OF UPDATE ON \"notes\" FOR EACH ROW "
        "BEGIN SELECT 1; END;"
        "CREATE TRIGGER \"ps_view_update_prefs\" INSTEAD OF UPDATE ON \"prefs\" FOR EACH ROW "
        "BEGIN SELECT 1; END;",
        prefs_store, pinned_type, prefs_store);
}

static void test_sqlite_powersync_views(void **state) {
    fixture *x = *state;
    assert_string_equal(sqlite_findings(x, powersync_sql(x, "INTEGER", "ps_data_local__prefs")),
                        "");
    /* The client schema declares pinned as text: the view casts to TEXT. */
    assert_string_equal(sqlite_findings(x, powersync_sql(x, "TEXT", "ps_data_local__prefs")),
                        "type-mismatch notes pinned");
    /* An index the client schema lacks, one over other columns, and insertOnly (no update
     * trigger). */
    const char *clean = powersync_sql(x, "INTEGER", "ps_data_local__prefs");
    assert_string_equal(
        sqlite_findings(x,
                        arena_printf(x->a, "%s DROP INDEX ps_data__notes__idx_notes_rank;", clean)),
        "missing-index notes -");
    assert_string_equal(
        sqlite_findings(x, arena_printf(x->a,
                                        "%s DROP INDEX ps_data__notes__idx_notes_rank; CREATE "
                                        "INDEX ps_data__notes__idx_notes_rank ON ps_data__notes("
                                        "CAST(json_extract(data, '$.body') as TEXT));",
                                        clean)),
        "index-mismatch notes -");
    assert_string_equal(
        sqlite_findings(x, arena_printf(x->a, "%s DROP TRIGGER ps_view_update_notes;", clean)),
        "table-options-mismatch notes -");
    /* prefs synced by the client, local-only in the spec. */
    assert_string_equal(sqlite_findings(x, powersync_sql(x, "INTEGER", "ps_data__prefs")),
                        "local-only-mismatch prefs -");
    /* A view that is not PowerSync's. */
    assert_string_equal(
        sqlite_findings(x, "CREATE TABLE prefs (id TEXT PRIMARY KEY NOT NULL, key TEXT NOT NULL, "
                           "created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
                           "CREATE TABLE t (a); CREATE VIEW notes AS SELECT * FROM t;"),
        "extra-table t -;not-a-table notes -");
}

/* The SQLite reader records what the database has, as it spells it, and judges nothing:
 * findings come from the diff alone. */
static void test_sqlite_catalog(void **state) {
    fixture *x = *state;
    catalog cat;
    const char *error = NULL;
    const char *path = sqlite_db(x, "c.db",
                                 "CREATE TABLE Notes (id TEXT PRIMARY KEY NOT NULL, pinned "
                                 "BOOLEAN CHECK (\"pinned\" IN (0, 1)), body VARCHAR(20) "
                                 "DEFAULT 'x', rank INT, UNIQUE (body));"
                                 "CREATE INDEX idx_rank ON notes (rank DESC) WHERE rank > 0;"
                                 "CREATE VIEW v AS SELECT 1;");
    assert_int_equal(read_sqlite(&cat, x->a, x->schema, path, &error), 0);
    assert_int_equal(x->f.count, 0);
    assert_true(cat.fold_case);
    assert_null(cat.server);
    assert_int_equal(cat.table_count, 2);
    const db_table *t = catalog_table(&cat, "notes");
    assert_non_null(t);
    assert_string_equal(t->name, "Notes");
    assert_string_equal(t->relation, "table");
    assert_false(t->managed);
    assert_int_equal(t->column_count, 4);
    assert_true(t->columns[0].primary_key && t->columns[0].not_null);
    assert_true(t->columns[1].boolean_check);
    assert_false(t->columns[2].boolean_check);
    assert_string_equal(t->columns[2].type, "VARCHAR(20)");
    assert_true(t->columns[2].has_default);
    assert_false(t->columns[3].has_default);
    assert_int_equal(t->index_count, 2); /* the key's index is not one of them */
    for (size_t i = 0; i < t->index_count; i++) {
        const db_index *index = &t->indexes[i];
        if (strcmp(index->name, "idx_rank") == 0) {
            assert_string_equal(index->columns, "rank DESC");
            assert_string_equal(index->irregular, "partial");
            assert_false(index->unique || index->inline_unique);
        } else {
            assert_string_equal(index->columns, "body");
            assert_true(index->unique && index->inline_unique);
        }
    }
    assert_string_equal(catalog_table(&cat, "V")->relation, "view");

    /* A PowerSync database: the views are managed, typed by their casts, and their stores'
     * indexes and triggers read. */
    path = sqlite_db(x, "p.db", powersync_sql(x, "INTEGER", "ps_data_local__prefs"));
    assert_int_equal(read_sqlite(&cat, x->a, x->schema, path, &error), 0);
    t = catalog_table(&cat, "notes");
    assert_true(t->managed);
    assert_false(t->local_store);
    assert_false(t->options.insert_only || t->options.track_previous);
    assert_string_equal(t->columns[2].name, "pinned");
    assert_string_equal(t->columns[2].cast_type, "INTEGER");
    assert_int_equal(t->index_count, 3);
    assert_string_equal(t->indexes[2].name, "uq_notes_body_rank");
    assert_string_equal(t->indexes[2].columns, "body TEXT,rank INTEGER");
    assert_true(catalog_table(&cat, "prefs")->local_store);
    assert_int_equal(x->f.count, 0);
}

static void test_sqlite_cannot_check(void **state) {
    fixture *x = *state;
    const char *error = NULL;
    const char *absent = arena_printf(x->a, "%s/absent.db", x->dir);
    assert_int_equal(check_sqlite(&x->f, x->schema, absent, &error), -1);
    assert_non_null(strstr(error, "cannot open SQLite database"));
    assert_int_equal(access(absent, F_OK), -1); /* never created */
    const char *text = write_file(x, "text.db", "this is not a database, just some text\n");
    error = NULL;
    assert_int_equal(check_sqlite(&x->f, x->schema, text, &error), -1);
    assert_non_null(strstr(error, "not a database"));
    assert_int_equal(x->f.count, 0);
}

/* ---- repairs and lookups */

/* Hostile text in defaults, enum values and descriptions: each repair statement is the
 * model rendered with its quoting, whatever SQL the text holds. */
static const char hostile_spec[] =
    "syncspec: 1\n"
    "name: t\n"
    "tables:\n"
    "  h:\n"
    "    description: \"a -- b\\n; DROP TABLE victim; --\"\n"
    "    columns:\n"
    "      s: { type: text, default: \"; DROP TABLE victim; SELECT 1 -- cut here\" }\n"
    "      e: { type: text, required: true, default: \"it's\", enum: [\"it's\", \"a -- b\",\n"
    "           \" CONSTRAINT x\"], description: \"*/ -- \\r; DROP TABLE victim;\" }\n"
    "      n: { type: integer, min: 0, max: 9 }\n"
    "    indexes:\n"
    "      - [n]\n";

static const char *repair_of(fixture *x, const syncspec_schema *schema, const char *target,
                             emit_repair_kind kind, const char *column, const char *check) {
    const syncspec_table *t = &schema->tables[0];
    emit_repair r = {.kind = kind, .table = t, .index = &t->indexes[1]};
    for (int k = 0; check && k < MODEL_CHECK_COUNT; k++)
        if (strcmp(model_check_of((model_check_kind)k)->name, check) == 0)
            r.check_kind = (model_check_kind)k;
    if (column) r.column = syncspec_table_column(t, column);
    return repair_sql(x->a, schema, target, r);
}

static void test_repair_statements(void **state) {
    fixture *x = *state;
    const syncspec_schema *h = load(x, hostile_spec);
    assert_string_equal(repair_of(x, h, "sqlite", EMIT_REPAIR_ADD_COLUMN, "s", NULL),
                        "ALTER TABLE \"h\" ADD COLUMN \"s\" TEXT DEFAULT '; DROP TABLE victim; "
                        "SELECT 1 -- cut here';\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_COLUMN, "s", NULL),
                        "ALTER TABLE \"public\".\"h\" ADD COLUMN \"s\" text DEFAULT '; DROP TABLE "
                        "victim; SELECT 1 -- cut here';\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_COLUMN, "e", NULL),
                        "ALTER TABLE \"public\".\"h\" ADD COLUMN \"e\" text NOT NULL DEFAULT "
                        "'it''s'\n    CONSTRAINT \"ck_h_e_enum\" CHECK (\"e\" IN ('it''s', "
                        "'a -- b', ' CONSTRAINT x'));\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_CHECK, "e", "enum"),
                        "ALTER TABLE \"public\".\"h\" ADD CONSTRAINT \"ck_h_e_enum\" CHECK (\"e\" "
                        "IN ('it''s', 'a -- b', ' CONSTRAINT x'));\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_REPLACE_CHECK, "n", "max"),
                        "-- fails, changing nothing, while a row breaks the spec's CHECK\n"
                        "ALTER TABLE \"public\".\"h\" DROP CONSTRAINT \"ck_h_n_max\", ADD "
                        "CONSTRAINT \"ck_h_n_max\" CHECK (\"n\" <= 9);\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_SET_NOT_NULL, "s", NULL),
                        "-- fails, changing nothing, while a row holds NULL\n"
                        "ALTER TABLE \"public\".\"h\" ALTER COLUMN \"s\" SET NOT NULL;\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_PRIMARY_KEY, "id", NULL),
                        "ALTER TABLE \"public\".\"h\" ADD PRIMARY KEY (\"id\");\n");
    /* A NOT NULL column without a default: the note says why it may fail. */
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_COLUMN, "owner_id", NULL),
                        "-- fails while the table has rows: add it nullable, fill it, then SET "
                        "NOT NULL\nALTER TABLE \"public\".\"h\" ADD COLUMN \"owner_id\" text "
                        "NOT NULL;\n");
    assert_null(repair_of(x, h, "postgres", EMIT_REPAIR_ADD_CHECK, "s", "min"));
    assert_null(repair_of(x, h, "sqlite", EMIT_REPAIR_ADD_CHECK, "n", "min"));
    assert_string_equal(repair_of(x, h, "sqlite", EMIT_REPAIR_CREATE_INDEX, NULL, NULL),
                        "CREATE INDEX IF NOT EXISTS \"idx_h_n\" ON \"h\" (\"n\");\n");
    /* The whole table is what the generated file has for it, comments included. */
    for (int k = 0; k < 2; k++) {
        const char *target = k ? "postgres" : "sqlite";
        const char *table = repair_of(x, h, target, EMIT_REPAIR_CREATE_TABLE, NULL, NULL);
        assert_non_null(table);
        assert_non_null(strstr(table, "CREATE TABLE IF NOT EXISTS"));
        assert_non_null(strstr(generated(x, h, target), table));
    }
    /* Publication statements change only what they are about. */
    assert_string_equal(
        repair_of(x, h, "postgres", EMIT_REPAIR_PUBLICATION_OPTIONS, NULL, NULL),
        "ALTER PUBLICATION \"powersync\" SET (publish = 'insert, update, delete, truncate', "
        "publish_via_partition_root = false);\n");
    assert_string_equal(repair_of(x, h, "postgres", EMIT_REPAIR_PUBLICATION_ADD_TABLE, NULL, NULL),
                        "ALTER PUBLICATION \"powersync\" ADD TABLE \"public\".\"h\";\n");
    assert_string_equal(repair_sql(x->a, x->schema, "postgres",
                                   (emit_repair){.kind = EMIT_REPAIR_PUBLICATION_DROP_TABLE,
                                                 .table = &x->schema->tables[1]}),
                        "ALTER PUBLICATION \"powersync\" DROP TABLE \"public\".\"prefs\";\n");
    assert_null(repair_sql(
        x->a, x->schema, "postgres",
        (emit_repair){.kind = EMIT_REPAIR_CREATE_TABLE, .table = &x->schema->tables[1]}));
    const char *block = repair_of(x, h, "postgres", EMIT_REPAIR_PUBLICATION, NULL, NULL);
    assert_non_null(block);
    assert_non_null(strstr(generated(x, h, "postgres"), block));
    /* A comment ends its lines at either line break: PostgreSQL ends a comment at both. */
    assert_string_equal(repair_comment(x->a, "one\ntwo"), "-- one\n-- two");
    assert_string_equal(repair_comment(x->a, "a\rDROP TABLE v;\r\nb\n"),
                        "-- a\n-- DROP TABLE v;\n-- b\n");
}

static void test_table_lookup(void **state) {
    fixture *x = *state;
    table_lookup l;
    table_lookup_init(&l, x->a, x->schema);
    assert_ptr_equal(table_lookup_find(&l, "notes"), &x->schema->tables[0]);
    assert_ptr_equal(table_lookup_find(&l, "prefs"), &x->schema->tables[1]);
    assert_null(table_lookup_find(&l, "note"));
    assert_null(table_lookup_find(&l, ""));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rules_generated_are_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_hand_written_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_leaks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_casts_and_schemas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_tables_and_buckets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_cannot_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_generated_and_equivalent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_drift, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_powersync_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_cannot_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repair_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deparse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_lookup, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The TypeScript targets: the PowerSync client schema (<name>_powersync.ts, and the same
 * schema as the core extension's JSON, <name>_powersync.json), the upload connector, and
 * the Drizzle sqlite-core and pg-core schemas.
 *
 * Spec names are [a-z][a-z0-9_]*, so each is a valid TypeScript property name as it is
 * (reserved words included); only names used as bindings (the table constants) go
 * through esc_ts_ident. Literals go through esc_ts_string, SQL inside Drizzle's sql`...`
 * through esc_ts_template.
 */
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "emit/types.h"
#include "model/types.h"
#include "spec/names.h"
#include "util/strbuf.h"

/* "document_versions" → "DocumentVersions", for type names. */
static const char *pascal(arena *a, const char *name) {
    char *out = arena_strdup(a, spec_property_name(a, name));
    if (*out >= 'a' && *out <= 'z') *out = (char)(*out - 'a' + 'A');
    return out;
}

/* The binding of a table's constant: "document_versions" → documentVersions. */
static const char *table_var(arena *a, const syncspec_table *t) {
    return esc_ts_ident(a, spec_property_name(a, t->name));
}

/* The root every TypeScript context starts from: the banner, and "App" for spec "app". */
static ctx_value *ts_root(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    ctx_set_string(a, root, "pascal", pascal(a, schema->name));
    return root;
}

/* A table's fields common to every TypeScript target. */
static ctx_value *ts_table(arena *a, const syncspec_table *t, size_t position, size_t count) {
    ctx_value *table = ctx_object(a);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "name_ts", esc_ts_string(a, t->name));
    const char *var = table_var(a, t);
    ctx_set_string(a, table, "var", var);
    ctx_set_bool(a, table, "shorthand",
                 strcmp(var, t->name) == 0); /* { name } for { name: name } */
    ctx_set_string(a, table, "type", pascal(a, t->name));
    ctx_set(a, table, "description", context_lines(a, t->description));
    ctx_set_bool(a, table, "local_only", t->local_only);
    ctx_set_bool(a, table, "insert_only", t->insert_only);
    ctx_set_ends(a, table, position, count);
    return table;
}

/* The tables a target walks: every table, or the synced ones only. */
typedef struct ts_tables {
    const syncspec_schema *schema;
    const syncspec_table **tables;
} ts_tables;

static ts_tables *all_tables(arena *a, const syncspec_schema *schema) {
    ts_tables *all = arena_alloc(a, sizeof *all);
    all->schema = schema;
    all->tables = arena_calloc(a, schema->table_count + 1, sizeof *all->tables);
    for (size_t i = 0; i < schema->table_count; i++) all->tables[i] = &schema->tables[i];
    return all;
}

/* A table's names and flags only, for the walks that list the tables (the schema object,
 * the row types): cheaper than the full table, which each walk would build again. */
static const ctx_value *ts_name_item(arena *a, const void *data, size_t position, size_t count) {
    return ts_table(a, ((const ts_tables *)data)->tables[position], position, count);
}

/* Sets "tables" (built by `full`) and "names" (ts_name_item) on the root. */
static void set_ts_tables(arena *a, ctx_value *root, const ts_tables *all, size_t count,
                          ctx_item_builder full) {
    ctx_set(a, root, "tables", ctx_lazy_list(a, count, full, all));
    ctx_set(a, root, "names", ctx_lazy_list(a, count, ts_name_item, all));
}

/* The table's indexes: name, name_ts, name_json, unique, and columns, each with its name
 * (snake_case), property (camelCase), PowerSync type and JSON name. On the server
 * (`server`), as postgres.sql has them: a unique key holds per owner. */
static ctx_value *ts_indexes(arena *a, const syncspec_table *t, bool server) {
    ctx_value *indexes = ctx_list(a, t->index_count);
    for (size_t k = 0; k < t->index_count; k++) {
        const syncspec_index server_index = server ? pg_index(a, t, &t->indexes[k]) : t->indexes[k];
        const syncspec_index *x = &server_index;
        ctx_value *index = ctx_object(a);
        ctx_set_string(a, index, "name", x->name);
        ctx_set_string(a, index, "name_ts", esc_ts_string(a, x->name));
        ctx_set_string(a, index, "name_json", esc_json_string(a, x->name));
        ctx_set_bool(a, index, "unique", x->unique);
        ctx_value *columns = ctx_list(a, x->column_count);
        for (size_t i = 0; i < x->column_count; i++) {
            const syncspec_column *c = syncspec_table_column(t, x->columns[i]);
            ctx_value *col = ctx_object(a);
            ctx_set_string(a, col, "name_ts", esc_ts_string(a, x->columns[i]));
            ctx_set_string(a, col, "name_json", esc_json_string(a, x->columns[i]));
            ctx_set_string(a, col, "property", c ? c->property : x->columns[i]);
            ctx_set_string(a, col, "type", powersync_type_name(c ? c->type : SYNCSPEC_TYPE_TEXT));
            ctx_push(a, columns, col);
        }
        ctx_mark_ends(a, columns);
        ctx_set(a, index, "columns", columns);
        ctx_push(a, indexes, index);
    }
    ctx_mark_ends(a, indexes);
    return indexes;
}

/* Sets "uses_<what>" on the root for each column kind, index kind and SQL text that the
 * tables need, so that a file imports only what it uses (an unused import is a lint error
 * in many projects). */
static void set_ts_uses(arena *a, ctx_value *root, const ts_tables *all, size_t count) {
    bool type[SYNCSPEC_TYPE_ID + 1] = {false}, index = false, unique = false, sql = false;
    bool checks = false;
    for (size_t i = 0; i < count; i++) {
        const syncspec_table *t = all->tables[i];
        for (size_t k = 0; k < t->column_count; k++) {
            const syncspec_column *c = &t->columns[k];
            model_check_kind kinds[MODEL_CHECK_COUNT];
            type[c->type] = true;
            checks |= pg_check_kinds(kinds, all->schema, c) > 0;
            sql |= c->default_value && c->type != SYNCSPEC_TYPE_INTEGER &&
                   c->type != SYNCSPEC_TYPE_REAL && c->type != SYNCSPEC_TYPE_BOOLEAN;
        }
        for (size_t k = 0; k < t->index_count; k++) {
            index |= !t->indexes[k].unique;
            unique |= t->indexes[k].unique;
        }
    }
    ctx_set_bool(a, root, "uses_integer", type[SYNCSPEC_TYPE_INTEGER]);
    ctx_set_bool(a, root, "uses_sqlite_integer",
                 type[SYNCSPEC_TYPE_INTEGER] || type[SYNCSPEC_TYPE_BOOLEAN]);
    ctx_set_bool(a, root, "uses_real", type[SYNCSPEC_TYPE_REAL]);
    ctx_set_bool(a, root, "uses_boolean", type[SYNCSPEC_TYPE_BOOLEAN]);
    ctx_set_bool(a, root, "uses_timestamp", type[SYNCSPEC_TYPE_TIMESTAMP]);
    ctx_set_bool(a, root, "uses_json", type[SYNCSPEC_TYPE_JSON]);
    ctx_set_bool(a, root, "uses_index", index);
    ctx_set_bool(a, root, "uses_unique_index", unique);
    ctx_set_bool(a, root, "uses_check", checks);
    ctx_set_bool(a, root, "uses_sql", checks || sql);
}

/* ---- powersync-ts, powersync-json, powersync-connector ------------------------------ */

/* Columns are lazy lists of their own: the templates walk the tables several times (the
 * tables, the schema, the row types), and only one of those walks looks at columns. */
static const ctx_value *powersync_column_item(arena *a, const void *data, size_t position,
                                              size_t count) {
    /* PowerSync adds the id column (always the first) itself and refuses one declared. */
    const syncspec_column *c = &((const syncspec_table *)data)->columns[position + 1];
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "name", c->name);
    ctx_set_string(a, col, "name_json", esc_json_string(a, c->name));
    ctx_set_string(a, col, "helper", model_type_of(c->type)->powersync);
    ctx_set_string(a, col, "type", powersync_type_name(c->type));
    /* Where the device's value is not the spec's type, the template says how it reads. */
    ctx_set_bool(a, col, "is_boolean", c->type == SYNCSPEC_TYPE_BOOLEAN);
    ctx_set_bool(a, col, "is_timestamp", c->type == SYNCSPEC_TYPE_TIMESTAMP);
    ctx_set_bool(a, col, "is_json", c->type == SYNCSPEC_TYPE_JSON);
    ctx_set_ends(a, col, position, count);
    return col;
}

static const ctx_value *powersync_table(arena *a, const void *data, size_t position, size_t count) {
    const syncspec_table *t = ((const ts_tables *)data)->tables[position];
    ctx_value *table = ts_table(a, t, position, count);
    size_t columns = t->column_count - 1;
    ctx_set(a, table, "columns", ctx_lazy_list(a, columns, powersync_column_item, t));
    ctx_set_bool(a, table, "has_columns", columns > 0);
    ctx_set(a, table, "indexes", ts_indexes(a, t, false));
    ctx_set_bool(a, table, "has_indexes", t->index_count > 0);
    ctx_set_string(a, table, "name_json", esc_json_string(a, t->name));
    return table;
}

ctx_value *context_powersync(arena *a, const syncspec_schema *schema) {
    ctx_value *root = ts_root(a, schema);
    set_ts_tables(a, root, all_tables(a, schema), schema->table_count, powersync_table);
    ctx_set_bool(a, root, "has_tables", schema->table_count > 0);
    return root;
}

/* ---- drizzle-sqlite ----------------------------------------------------------------- */

/* A spec default as a TypeScript literal for Drizzle's .default(): booleans, numbers, and
 * strings (text, ids, timestamps); JSON defaults are parsed from their text instead. */
static void set_ts_default(arena *a, ctx_value *col, const syncspec_column *c) {
    const char *literal = NULL, *json = NULL;
    if (c->default_value) {
        switch (c->type) {
        case SYNCSPEC_TYPE_BOOLEAN:
        case SYNCSPEC_TYPE_INTEGER:
        case SYNCSPEC_TYPE_REAL:
            literal = c->default_value;
            break;
        case SYNCSPEC_TYPE_JSON:
            json = esc_ts_string(a, c->default_value);
            break;
        default:
            literal = esc_ts_string(a, c->default_value);
        }
    }
    ctx_set_string(a, col, "default_literal", literal);
    ctx_set_string(a, col, "default_json", json);
}

/* An enum's values: text ones as a list of string literals for text({ enum }), numeric
 * ones as a union type for $type<...>(). */
static void set_ts_enum(arena *a, ctx_value *col, const syncspec_column *c) {
    bool numeric = c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_REAL;
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c->enum_count; i++) {
        if (i) sb_append(&sb, numeric ? " | " : ", ");
        sb_append(&sb, numeric ? c->enum_values[i] : esc_ts_string(a, c->enum_values[i]));
    }
    const char *joined = c->enum_count ? arena_strndup(a, sb_str(&sb), sb.len) : NULL;
    sb_free(&sb);
    ctx_set_string(a, col, "enum", numeric ? NULL : joined);
    ctx_set_string(a, col, "enum_type", numeric ? joined : NULL);
}

static ctx_value *ts_column(arena *a, const syncspec_column *c) {
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "property", c->property);
    ctx_set_string(a, col, "name_ts", esc_ts_string(a, c->name));
    ctx_set_string(a, col, "spec_type", syncspec_type_name(c->type));
    ctx_set_bool(a, col, "primary_key", c->role == SYNCSPEC_ROLE_ID);
    ctx_set(a, col, "description", context_lines(a, c->description));
    set_ts_default(a, col, c);
    set_ts_enum(a, col, c);
    return col;
}

static const ctx_value *drizzle_sqlite_column(arena *a, const void *data, size_t position,
                                              size_t count) {
    const syncspec_column *c = &((const syncspec_table *)data)->columns[position];
    (void)count;
    ctx_value *col = ts_column(a, c);
    ctx_set_string(a, col, "helper", model_type_of(c->type)->powersync);
    ctx_set_bool(a, col, "boolean", c->type == SYNCSPEC_TYPE_BOOLEAN);
    ctx_set_bool(a, col, "json", c->type == SYNCSPEC_TYPE_JSON);
    ctx_set_bool(a, col, "not_null", sqlite_not_null(c) && c->role != SYNCSPEC_ROLE_ID);
    return col;
}

static const ctx_value *drizzle_sqlite_table(arena *a, const void *data, size_t position,
                                             size_t count) {
    const syncspec_table *t = ((const ts_tables *)data)->tables[position];
    ctx_value *table = ts_table(a, t, position, count);
    ctx_set(a, table, "columns", ctx_lazy_list(a, t->column_count, drizzle_sqlite_column, t));
    ctx_set(a, table, "indexes", ts_indexes(a, t, false));
    ctx_set_bool(a, table, "has_indexes", t->index_count > 0);
    return table;
}

ctx_value *context_drizzle_sqlite(arena *a, const syncspec_schema *schema) {
    ctx_value *root = ts_root(a, schema);
    ts_tables *all = all_tables(a, schema);
    set_ts_tables(a, root, all, schema->table_count, drizzle_sqlite_table);
    set_ts_uses(a, root, all, schema->table_count);
    return root;
}

/* ---- drizzle-pg --------------------------------------------------------------------- */

static const ctx_value *drizzle_pg_column(arena *a, const void *data, size_t position,
                                          size_t count) {
    const syncspec_column *c = &((const syncspec_table *)data)->columns[position];
    (void)count;
    ctx_value *col = ts_column(a, c);
    ctx_set_string(a, col, "helper", model_type_of(c->type)->pg_core);
    ctx_set_bool(a, col, "bigint", c->type == SYNCSPEC_TYPE_INTEGER);
    ctx_set_bool(a, col, "timestamp", c->type == SYNCSPEC_TYPE_TIMESTAMP);
    ctx_set_bool(a, col, "not_null", pg_not_null(c) && c->role != SYNCSPEC_ROLE_ID);
    /* The default exactly as postgres.sql writes it, numbers and booleans bare. */
    const char *literal = pg_default_literal(a, c);
    bool bare = c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_REAL ||
                c->type == SYNCSPEC_TYPE_BOOLEAN;
    ctx_set_string(a, col, "default_sql", literal && !bare ? esc_ts_template(a, literal) : NULL);
    ctx_set_string(a, col, "default_bare", bare ? literal : NULL);
    return col;
}

static const ctx_value *drizzle_pg_table(arena *a, const void *data, size_t position,
                                         size_t count) {
    const ts_tables *all = data; /* synced only */
    const syncspec_table *t = all->tables[position];
    ctx_value *table = ts_table(a, t, position, count);
    ctx_set(a, table, "columns", ctx_lazy_list(a, t->column_count, drizzle_pg_column, t));
    /* The CHECK constraints of every column, in postgres.sql's order. */
    ctx_value *checks = ctx_list(a, 4);
    for (size_t k = 0; k < t->column_count; k++) {
        const syncspec_column *c = &t->columns[k];
        model_check_kind kinds[MODEL_CHECK_COUNT];
        size_t n = pg_check_kinds(kinds, all->schema, c);
        for (size_t i = 0; i < n; i++) {
            ctx_value *ck = ctx_object(a);
            ctx_set_string(a, ck, "name_ts",
                           esc_ts_string(a, pg_check_name(a, t->name, c->name, kinds[i])));
            ctx_set_string(a, ck, "sql", esc_ts_template(a, pg_check_expression(a, c, kinds[i])));
            ctx_push(a, checks, ck);
        }
    }
    ctx_set(a, table, "checks", checks);
    ctx_set(a, table, "indexes", ts_indexes(a, t, true));
    ctx_set_bool(a, table, "has_constraints", checks->count > 0 || t->index_count > 0);
    return table;
}

ctx_value *context_drizzle_pg(arena *a, const syncspec_schema *schema) {
    ctx_value *root = ts_root(a, schema);
    ts_tables *synced = arena_alloc(a, sizeof *synced);
    size_t count;
    synced->schema = schema;
    synced->tables = context_synced_tables(a, schema, &count);
    ctx_set_bool(a, root, "custom_schema", strcmp(schema->pg_schema, "public") != 0);
    ctx_set_string(a, root, "schema_ts", esc_ts_string(a, schema->pg_schema));
    set_ts_tables(a, root, synced, count, drizzle_pg_table);
    set_ts_uses(a, root, synced, count);
    return root;
}

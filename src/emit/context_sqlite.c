/* sqlite.sql: every table (synced and local-only), no foreign keys, idempotent. */
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "emit/types.h"

/* A default as an SQLite literal: booleans are 0/1, numbers bare, the rest quoted. */
static const char *sqlite_default(arena *a, const syncspec_column *c) {
    if (!c->default_value) return NULL;
    switch (c->type) {
    case SYNCSPEC_TYPE_BOOLEAN:
        return strcmp(c->default_value, "true") == 0 ? "1" : "0";
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_REAL:
        return c->default_value;
    default:
        return esc_sql_literal(a, c->default_value);
    }
}

static ctx_value *column_context(arena *a, const syncspec_column *c) {
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "name", c->name);
    ctx_set_string(a, col, "q", esc_sql_ident(a, c->name));
    ctx_set_string(a, col, "type", sqlite_type_name(c->type));
    ctx_set_bool(a, col, "primary_key", c->role == SYNCSPEC_ROLE_ID);
    /* The id is NOT NULL through PRIMARY KEY NOT NULL; the owner stays nullable. */
    ctx_set_bool(a, col, "not_null", sqlite_not_null(c) && c->role != SYNCSPEC_ROLE_ID);
    ctx_set_string(a, col, "default", sqlite_default(a, c));
    ctx_set_bool(a, col, "is_boolean", c->type == SYNCSPEC_TYPE_BOOLEAN);
    ctx_set_string(a, col, "references", c->references);
    ctx_set(a, col, "description", context_lines(a, c->description));
    return col;
}

/* One table's context, built while rendering (see ctx_lazy_list). */
static const ctx_value *table_context(arena *a, const void *data, size_t position, size_t count) {
    const syncspec_table *t = &((const syncspec_schema *)data)->tables[position];
    ctx_value *table = ctx_object(a);
    const char *q = esc_sql_ident(a, t->name);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "q", q);
    ctx_set_string(a, table, "table_q", q); /* for index items, whose own q is the index */
    ctx_set(a, table, "description", context_lines(a, t->description));
    ctx_set_bool(a, table, "local_only", t->local_only);
    ctx_set_bool(a, table, "insert_only", t->insert_only);
    ctx_set_bool(a, table, "soft_delete", t->soft_delete);
    ctx_value *columns = ctx_list(a, t->column_count);
    for (size_t k = 0; k < t->column_count; k++)
        ctx_push(a, columns, column_context(a, &t->columns[k]));
    ctx_mark_ends(a, columns);
    ctx_set(a, table, "columns", columns);
    ctx_set(a, table, "indexes", context_sql_indexes(a, t, false));
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_sqlite(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    ctx_set(a, root, "tables", ctx_lazy_list(a, schema->table_count, table_context, schema));
    return root;
}

/*
 * sqlite_sync.sql and postgres_sync.sql: the change capture of libsyncspec's client store
 * and the server-side tables of its upload apply and downloads. Synced tables only.
 */
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "spec/names.h"
#include "util/strbuf.h"

/*
 * SQLite allows 127 arguments per function call and an expression depth of 1,000, so
 * json_object() and the column comparisons are built over chunks of columns.
 */
enum { SYNC_CHUNK_COLUMNS = 40 };

/* The columns after the id (or only the nullable ones with a default), in chunks of
 * SYNC_CHUNK_COLUMNS. */
static ctx_value *column_chunks(arena *a, const syncspec_table *t, bool null_defaults_only) {
    ctx_value *chunks = ctx_list(a, 1);
    ctx_value *columns = NULL;
    for (size_t k = 0; k < t->column_count; k++) {
        const syncspec_column *c = &t->columns[k];
        if (c->role == SYNCSPEC_ROLE_ID) continue;
        if (null_defaults_only && (c->required || !c->default_value)) continue;
        if (!columns || columns->count == SYNC_CHUNK_COLUMNS) {
            if (columns) ctx_mark_ends(a, columns);
            columns = ctx_list(a, SYNC_CHUNK_COLUMNS);
            ctx_value *chunk = ctx_object(a);
            ctx_set(a, chunk, "columns", columns);
            ctx_push(a, chunks, chunk);
        }
        ctx_value *col = ctx_object(a);
        ctx_set_string(a, col, "name", c->name);
        ctx_set_string(a, col, "q", esc_sql_ident(a, c->name));
        ctx_set_string(a, col, "literal", esc_sql_literal(a, c->name));
        ctx_push(a, columns, col);
    }
    if (columns) ctx_mark_ends(a, columns);
    ctx_mark_ends(a, chunks);
    return chunks;
}

/* The synced tables, for the lazy lists of both targets. */
typedef struct sync_tables {
    const syncspec_schema *schema;
    const syncspec_table **tables;
    const char *schema_q; /* postgres_sync only */
} sync_tables;

static sync_tables *synced(arena *a, const syncspec_schema *schema, size_t *count) {
    sync_tables *all = arena_alloc(a, sizeof *all);
    all->schema = schema;
    all->tables = context_synced_tables(a, schema, count);
    return all;
}

/* "(r.a = NEW.a AND r.b = NEW.b) OR (...)": a row r that NEW would clash with on one of the
 * table's unique keys other than id; "" when it has none. */
static const char *unique_match(arena *a, const syncspec_table *t) {
    strbuf sb = STRBUF_INIT;
    bool any = false;
    for (size_t i = 0; i < t->index_count; i++) {
        const syncspec_index *x = &t->indexes[i];
        if (!x->unique) continue;
        sb_append(&sb, any ? " OR (" : "(");
        any = true;
        for (size_t k = 0; k < x->column_count; k++) {
            const char *q = esc_sql_ident(a, x->columns[k]);
            sb_append(&sb, k ? " AND r." : "r.");
            sb_append(&sb, q);
            sb_append(&sb, " = NEW.");
            sb_append(&sb, q);
        }
        sb_append(&sb, ")");
    }
    const char *out = arena_strdup(a, any ? sb_str(&sb) : "");
    sb_free(&sb);
    return out;
}

/* One table's context, built while rendering (see ctx_lazy_list). */
static const ctx_value *sqlite_table(arena *a, const void *data, size_t position, size_t count) {
    const syncspec_table *t = ((const sync_tables *)data)->tables[position];
    ctx_value *table = ctx_object(a);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "q", esc_sql_ident(a, t->name));
    ctx_set_string(a, table, "literal", esc_sql_literal(a, t->name));
    ctx_set_string(a, table, "insert_q",
                   esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_insert", NULL)));
    ctx_set_string(a, table, "replace_q",
                   esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_replace", NULL)));
    ctx_set_string(a, table, "update_q",
                   esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_update", NULL)));
    ctx_set_string(a, table, "delete_q",
                   esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_delete", NULL)));
    ctx_set_string(a, table, "id_q", esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_id", NULL)));
    /* INSERT OR REPLACE and UPDATE OR REPLACE delete a row that clashes on a unique key
     * without firing delete triggers: these triggers note it before and queue its DELETE. */
    ctx_set_string(a, table, "unique_match", unique_match(a, t));
    static const struct {
        const char *event, *name;
    } clash_events[] = {{"INSERT", "insert"}, {"UPDATE", "update"}};
    ctx_value *events = ctx_list(a, 2);
    for (size_t i = 0; i < 2; i++) {
        ctx_value *event = ctx_object(a);
        const char *name = clash_events[i].name;
        ctx_set_string(a, event, "event", clash_events[i].event);
        ctx_set_string(a, event, "clash_q",
                       esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_clash_", name, NULL)));
        ctx_set_string(a, event, "clashed_q",
                       esc_sql_ident(a, arena_concat(a, "syncspec_", t->name, "_clashed_", name, NULL)));
        ctx_push(a, events, event);
    }
    ctx_set(a, table, "clash_events", events);
    ctx_set(a, table, "chunks", column_chunks(a, t, false));
    /* A PUT leaves out null columns, and the server gives a left-out column its default:
     * these are sent as an explicit null. */
    ctx_set(a, table, "null_chunks", column_chunks(a, t, true));
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_sqlite_sync(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    size_t count;
    sync_tables *all = synced(a, schema, &count);
    /* put_data.sql writes a PUT's data from the row `row` names: the table's (r) or the
     * trigger's old one (OLD). */
    ctx_value *as_row = ctx_object(a), *as_old = ctx_object(a);
    ctx_set_string(a, as_row, "row", "r");
    ctx_set_string(a, as_old, "row", "OLD");
    ctx_set(a, root, "as_row", as_row);
    ctx_set(a, root, "as_old", as_old);
    ctx_set(a, root, "tables", ctx_lazy_list(a, count, sqlite_table, all));
    return root;
}

/* One table's context, built while rendering (see ctx_lazy_list). */
static const ctx_value *postgres_table(arena *a, const void *data, size_t position, size_t count) {
    const sync_tables *all = data;
    const syncspec_table *t = all->tables[position];
    const char *schema_q = all->schema_q;
    ctx_value *table = ctx_object(a);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "literal", esc_sql_literal(a, t->name));
    ctx_set_string(a, table, "table_q",
                   arena_concat(a, schema_q, ".", esc_sql_ident(a, t->name), NULL));
    ctx_set_string(a, table, "owner_q", esc_sql_ident(a, all->schema->owner_name));
    /* PostgreSQL cuts longer names silently; two long table names must not collide. */
    const char *function = spec_shorten_name(a, arena_concat(a, "syncspec_log_", t->name, NULL));
    ctx_set_string(a, table, "function_q",
                   arena_concat(a, schema_q, ".", esc_sql_ident(a, function), NULL));
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_postgres_sync(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    const char *schema_q = esc_sql_ident(a, schema->pg_schema);
    ctx_set_string(a, root, "schema_q", schema_q);
    ctx_set_bool(a, root, "custom_schema", strcmp(schema->pg_schema, "public") != 0);
    size_t count;
    sync_tables *all = synced(a, schema, &count);
    all->schema_q = schema_q;
    ctx_set(a, root, "tables", ctx_lazy_list(a, count, postgres_table, all));
    return root;
}

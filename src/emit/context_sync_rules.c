/* sync_rules.yaml: one owner-filtered query per synced table, explicit column lists. */
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "util/strbuf.h"

/*
 * The query's SQL, as a YAML single-quoted scalar. Every identifier is quoted (keywords
 * such as "group" or "order" are fine as names) and the column list is explicit, so a
 * column added on the server only never reaches clients that do not declare it.
 */
static const char *select_query(arena *a, const syncspec_schema *schema, const syncspec_table *t,
                                const char *owner_parameter) {
    strbuf sb = STRBUF_INIT;
    sb_append(&sb, "SELECT ");
    for (size_t i = 0; i < t->column_count; i++) {
        if (i) sb_append(&sb, ", ");
        sb_append(&sb, esc_sql_ident(a, t->columns[i].name));
    }
    sb_append(&sb, " FROM ");
    if (strcmp(schema->pg_schema, "public") != 0) {
        sb_append(&sb, esc_sql_ident(a, schema->pg_schema));
        sb_putc(&sb, '.');
    }
    sb_append(&sb, esc_sql_ident(a, t->name));
    sb_append(&sb, " WHERE ");
    sb_append(&sb, esc_sql_ident(a, schema->owner_name));
    sb_append(&sb, " = ");
    sb_append(&sb, owner_parameter);
    const char *out = esc_yaml_scalar(a, sb_str(&sb));
    sb_free(&sb);
    return out;
}

/* Names are [a-z][a-z0-9_]*, so a plain YAML key is safe except for the words YAML reads
 * as booleans or null. */
static const char *yaml_key(arena *a, const char *name) {
    static const char *const special[] = {"y",   "n",    "yes",   "no",   "on",
                                          "off", "true", "false", "null", NULL};
    for (const char *const *w = special; *w; w++)
        if (strcmp(*w, name) == 0) return esc_yaml_scalar(a, name);
    return name;
}

typedef struct sync_tables {
    const syncspec_schema *schema;
    const syncspec_table **tables; /* synced only */
} sync_tables;

/* One table's context, built while rendering (see ctx_lazy_list). */
static const ctx_value *table_context(arena *a, const void *data, size_t position, size_t count) {
    const sync_tables *all = data;
    const syncspec_table *t = all->tables[position];
    bool streams = all->schema->sync_format == SYNCSPEC_SYNC_STREAMS;
    ctx_value *table = ctx_object(a);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "key", yaml_key(a, t->name));
    ctx_set_string(a, table, "query",
                   select_query(a, all->schema, t, streams ? "auth.user_id()" : "bucket.user_id"));
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_sync_rules(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    bool streams = schema->sync_format == SYNCSPEC_SYNC_STREAMS;
    ctx_set_bool(a, root, "streams", streams);
    ctx_set_bool(a, root, "bucket_definitions", !streams);
    ctx_set_string(a, root, "bucket", yaml_key(a, schema->bucket));
    sync_tables *all = arena_alloc(a, sizeof *all);
    size_t count;
    all->schema = schema;
    all->tables = context_synced_tables(a, schema, &count);
    ctx_set(a, root, "tables", ctx_lazy_list(a, count, table_context, all));
    ctx_set_bool(a, root, "has_tables", count > 0);
    return root;
}

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
    sb_append(&sb, esc_sql_ident(a, schema->owner_column));
    sb_append(&sb, " = ");
    sb_append(&sb, owner_parameter);
    const char *out = esc_yaml_single(a, sb_str(&sb));
    sb_free(&sb);
    return out;
}

/* Names are [a-z][a-z0-9_]*, so a plain YAML key is safe except for the words YAML reads
 * as booleans or null. */
static const char *yaml_key(arena *a, const char *name) {
    static const char *const special[] = {"y",   "n",    "yes",   "no",   "on",
                                          "off", "true", "false", "null", NULL};
    for (const char *const *w = special; *w; w++)
        if (strcmp(*w, name) == 0) return esc_yaml_single(a, name);
    return name;
}

ctx_value *context_sync_rules(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    bool streams = schema->sync_format == SYNCSPEC_SYNC_STREAMS;
    ctx_set_bool(a, root, "streams", streams);
    ctx_set_bool(a, root, "bucket_definitions", !streams);
    ctx_set_string(a, root, "bucket", yaml_key(a, schema->bucket));
    ctx_value *tables = ctx_list(a, schema->table_count);
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        if (t->local_only) continue;
        ctx_value *table = ctx_object(a);
        ctx_set_string(a, table, "name", t->name);
        ctx_set_string(a, table, "key", yaml_key(a, t->name));
        ctx_set_string(a, table, "query",
                       select_query(a, schema, t, streams ? "auth.user_id()" : "bucket.user_id"));
        ctx_push(a, tables, table);
    }
    ctx_set(a, root, "tables", tables);
    ctx_set_bool(a, root, "has_tables", tables->count > 0);
    return root;
}

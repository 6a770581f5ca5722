/* postgres.sql: synced tables only, CHECK constraints, comments, the publication. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "emit/types.h"
#include "spec/names.h"
#include "spec/values.h"
#include "util/strbuf.h"

static const char *pg_default(arena *a, const syncspec_column *c) {
    if (!c->default_value) return NULL;
    switch (c->type) {
    case SYNCSPEC_TYPE_BOOLEAN:
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_REAL:
        return c->default_value;
    default:
        return esc_sql_literal(a, c->default_value);
    }
}

static const char *bound_text(arena *a, const syncspec_column *c, const syncspec_bound *b) {
    if (c->type == SYNCSPEC_TYPE_INTEGER) return arena_printf(a, "%" PRId64, b->i);
    char buf[32];
    spec_format_real(buf, b->r);
    return arena_strdup(a, buf);
}

/* A named CHECK: {name_q, value}. Names are deterministic and at most 63 bytes. */
static ctx_value *check(arena *a, const syncspec_table *t, const syncspec_column *c,
                        const char *kind, const char *value) {
    ctx_value *ck = ctx_object(a);
    const char *name = pg_check_name(a, t->name, c->name, kind);
    ctx_set_string(a, ck, "name_q", esc_sql_ident(a, name));
    ctx_set_string(a, ck, "value", value);
    return ck;
}

static const char *enum_list(arena *a, const syncspec_column *c) {
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c->enum_count; i++) {
        if (i) sb_append(&sb, ", ");
        bool numeric = c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_REAL;
        sb_append(&sb, numeric ? c->enum_values[i] : esc_sql_literal(a, c->enum_values[i]));
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

/* The COMMENT ON text: the description, and where the column points for references. */
static const char *column_comment(arena *a, const syncspec_column *c) {
    if (c->references && c->description)
        return arena_printf(a, "%s (references %s.id, enforced by the app)", c->description,
                            c->references);
    if (c->references)
        return arena_printf(a, "References %s.id, enforced by the app.", c->references);
    return c->description;
}

static ctx_value *column_context(arena *a, const syncspec_table *t, const syncspec_column *c) {
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "name", c->name);
    ctx_set_string(a, col, "q", esc_sql_ident(a, c->name));
    ctx_set_string(a, col, "type", pg_type_name(c->type));
    ctx_set_bool(a, col, "primary_key", c->role == SYNCSPEC_ROLE_ID);
    ctx_set_bool(a, col, "not_null", pg_not_null(c) && c->role != SYNCSPEC_ROLE_ID);
    ctx_set_string(a, col, "default", pg_default(a, c));
    bool has_enum = c->enum_count > 0;
    ctx_set(a, col, "enum_check",
            has_enum ? check(a, t, c, "enum", enum_list(a, c)) : ctx_bool(false));
    ctx_set(a, col, "min_check",
            c->min.set ? check(a, t, c, "min", bound_text(a, c, &c->min)) : ctx_bool(false));
    ctx_set(a, col, "max_check",
            c->max.set ? check(a, t, c, "max", bound_text(a, c, &c->max)) : ctx_bool(false));
    ctx_set(a, col, "length_check",
            c->max_length ? check(a, t, c, "length", arena_printf(a, "%" PRId64, c->max_length))
                          : ctx_bool(false));
    const char *comment = column_comment(a, c);
    ctx_set_string(a, col, "comment", comment ? esc_sql_literal(a, comment) : NULL);
    return col;
}

ctx_value *context_postgres(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    const char *schema_q = esc_sql_ident(a, schema->pg_schema);
    ctx_set_string(a, root, "schema_q", schema_q);
    ctx_set_bool(a, root, "custom_schema", strcmp(schema->pg_schema, "public") != 0);
    ctx_set_string(a, root, "publication_q", esc_sql_ident(a, schema->publication));
    ctx_set_string(a, root, "publication_literal", esc_sql_literal(a, schema->publication));
    ctx_value *tables = ctx_list(a, schema->table_count);
    strbuf publication = STRBUF_INIT;
    for (size_t i = 0; i < schema->table_count; i++) {
        const syncspec_table *t = &schema->tables[i];
        if (t->local_only) continue;
        ctx_value *table = ctx_object(a);
        const char *q = arena_printf(a, "%s.%s", schema_q, esc_sql_ident(a, t->name));
        if (publication.len) sb_append(&publication, ", ");
        sb_append(&publication, q);
        ctx_set_string(a, table, "name", t->name);
        ctx_set_string(a, table, "q", q);
        ctx_set_string(a, table, "table_q", q);
        ctx_set(a, table, "description", context_lines(a, t->description));
        ctx_set_string(a, table, "comment",
                       t->description ? esc_sql_literal(a, t->description) : NULL);
        ctx_value *columns = ctx_list(a, t->column_count);
        for (size_t k = 0; k < t->column_count; k++)
            ctx_push(a, columns, column_context(a, t, &t->columns[k]));
        ctx_mark_ends(a, columns);
        ctx_set(a, table, "columns", columns);
        ctx_value *indexes = ctx_list(a, t->index_count);
        for (size_t k = 0; k < t->index_count; k++) {
            ctx_value *index = ctx_object(a);
            ctx_set_string(a, index, "q", esc_sql_ident(a, t->indexes[k].name));
            ctx_set_bool(a, index, "unique", t->indexes[k].unique);
            ctx_set_string(a, index, "columns", context_index_columns(a, &t->indexes[k]));
            ctx_push(a, indexes, index);
        }
        ctx_set(a, table, "indexes", indexes);
        ctx_push(a, tables, table);
    }
    ctx_mark_ends(a, tables);
    ctx_set(a, root, "tables", tables);
    ctx_set_bool(a, root, "has_tables", tables->count > 0);
    ctx_set_string(a, root, "publication_tables",
                   arena_strndup(a, sb_str(&publication), publication.len));
    sb_free(&publication);
    return root;
}

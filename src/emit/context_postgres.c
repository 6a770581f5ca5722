/* postgres.sql: synced tables only, CHECK constraints, comments, the publication. */
#include <string.h>

#include "emit/escape.h"
#include "emit/targets.h"
#include "emit/types.h"
#include "util/strbuf.h"

/* A named CHECK: {name_q, value, expression}. Names are deterministic and at most 63
 * bytes; the expression is the whole condition, as the other targets write it too. */
static ctx_value *check(arena *a, const syncspec_table *t, const syncspec_column *c,
                        model_check_kind kind) {
    ctx_value *ck = ctx_object(a);
    const char *name = pg_check_name(a, t->name, c->name, kind);
    ctx_set_string(a, ck, "name_q", esc_sql_ident(a, name));
    ctx_set_string(a, ck, "value", pg_check_value(a, c, kind));
    ctx_set_string(a, ck, "expression", pg_check_expression(a, c, kind));
    return ck;
}

/* The COMMENT ON text: the description, and where the column points for references. */
static const char *column_comment(arena *a, const syncspec_column *c) {
    const char *description = context_trim(a, c->description);
    if (c->references && description)
        return arena_printf(a, "%s (references %s.id, enforced by the app)", description,
                            c->references);
    if (c->references)
        return arena_printf(a, "References %s.id, enforced by the app.", c->references);
    return description;
}

static ctx_value *column_context(arena *a, const syncspec_schema *schema, const syncspec_table *t,
                                 const syncspec_column *c) {
    ctx_value *col = ctx_object(a);
    ctx_set_string(a, col, "name", c->name);
    ctx_set_string(a, col, "q", esc_sql_ident(a, c->name));
    ctx_set_string(a, col, "type", pg_type_name(c->type));
    ctx_set_bool(a, col, "primary_key", c->role == SYNCSPEC_ROLE_ID);
    ctx_set_bool(a, col, "not_null", pg_not_null(c) && c->role != SYNCSPEC_ROLE_ID);
    ctx_set_string(a, col, "default", pg_default_literal(a, c));
    /* Every kind is a key, "<kind>_check", false when the column has no such CHECK; and
     * "checks" lists one item a CHECK (the column's q, the CHECK's name_q and expression,
     * and its one kind set), which check.sql renders alone for repair SQL too. */
    model_check_kind kinds[MODEL_CHECK_COUNT];
    size_t n = pg_check_kinds(kinds, schema, c);
    const ctx_value *found[MODEL_CHECK_COUNT];
    ctx_value *checks = ctx_list(a, n);
    for (size_t i = 0; i < MODEL_CHECK_COUNT; i++) {
        bool wanted = false;
        for (size_t k = 0; k < n; k++) wanted |= kinds[k] == (model_check_kind)i;
        found[i] = wanted ? check(a, t, c, (model_check_kind)i) : ctx_bool(false);
        ctx_set(a, col, model_check_of((model_check_kind)i)->key, found[i]);
    }
    for (size_t i = 0; i < MODEL_CHECK_COUNT; i++) {
        if (found[i]->kind != CTX_OBJECT) continue;
        ctx_value *item = ctx_object(a);
        ctx_set_string(a, item, "kind", model_check_of((model_check_kind)i)->name);
        ctx_set_string(a, item, "q", esc_sql_ident(a, c->name));
        ctx_set(a, item, "name_q", ctx_get(found[i], "name_q", 6));
        ctx_set(a, item, "expression", ctx_get(found[i], "expression", 10));
        for (size_t k = 0; k < MODEL_CHECK_COUNT; k++)
            ctx_set(a, item, model_check_of((model_check_kind)k)->key,
                    k == i ? found[i] : ctx_bool(false));
        ctx_push(a, checks, item);
    }
    ctx_set(a, col, "checks", checks);
    const char *comment = column_comment(a, c);
    ctx_set_string(a, col, "comment", comment ? esc_pg_literal(a, comment) : NULL);
    return col;
}

typedef struct pg_tables {
    const syncspec_schema *schema;
    const syncspec_table **tables; /* synced only */
    const char *schema_q;
} pg_tables;

/* One table's context, built while rendering (see ctx_lazy_list). */
static const ctx_value *table_context(arena *a, const void *data, size_t position, size_t count) {
    const pg_tables *all = data;
    const syncspec_table *t = all->tables[position];
    ctx_value *table = ctx_object(a);
    const char *q = arena_concat(a, all->schema_q, ".", esc_sql_ident(a, t->name), NULL);
    ctx_set_string(a, table, "name", t->name);
    ctx_set_string(a, table, "q", q);
    ctx_set_string(a, table, "table_q", q); /* for index and column items, which have a q */
    ctx_set(a, table, "description", context_lines(a, t->description));
    const char *description = context_trim(a, t->description);
    ctx_set_string(a, table, "comment", description ? esc_pg_literal(a, description) : NULL);
    ctx_set_bool(a, table, "insert_only", t->insert_only);
    ctx_set_bool(a, table, "soft_delete", t->soft_delete);
    ctx_value *columns = ctx_list(a, t->column_count);
    for (size_t k = 0; k < t->column_count; k++)
        ctx_push(a, columns, column_context(a, all->schema, t, &t->columns[k]));
    ctx_mark_ends(a, columns);
    ctx_set(a, table, "columns", columns);
    ctx_set(a, table, "indexes", context_sql_indexes(a, t, true));
    ctx_set_ends(a, table, position, count);
    return table;
}

ctx_value *context_postgres(arena *a, const syncspec_schema *schema) {
    ctx_value *root = context_root(a, schema);
    pg_tables *all = arena_alloc(a, sizeof *all);
    size_t count;
    all->schema = schema;
    all->tables = context_synced_tables(a, schema, &count);
    all->schema_q = esc_sql_ident(a, schema->pg_schema);
    ctx_set_string(a, root, "schema_q", all->schema_q);
    ctx_set_bool(a, root, "custom_schema", strcmp(schema->pg_schema, "public") != 0);
    ctx_set_string(a, root, "publication_q", esc_sql_ident(a, schema->publication));
    ctx_set_string(a, root, "publication_literal", esc_pg_literal(a, schema->publication));
    ctx_set(a, root, "tables", ctx_lazy_list(a, count, table_context, all));
    ctx_set_bool(a, root, "has_tables", count > 0);
    strbuf publication = STRBUF_INIT;
    for (size_t i = 0; i < count; i++) {
        if (i) sb_append(&publication, ", ");
        sb_append(&publication, all->schema_q);
        sb_putc(&publication, '.');
        sb_append(&publication, esc_sql_ident(a, all->tables[i]->name));
    }
    ctx_set_string(a, root, "publication_tables",
                   arena_strndup(a, sb_str(&publication), publication.len));
    sb_free(&publication);
    return root;
}

#include "emit/types.h"

#include <inttypes.h>
#include <string.h>

#include "emit/escape.h"
#include "model/types.h"
#include "spec/names.h"
#include "spec/values.h"
#include "util/strbuf.h"

const char *sqlite_type_name(syncspec_type type) { return model_type_of(type)->sqlite; }

const char *pg_type_name(syncspec_type type) { return syncspec_pg_type_name(type); }

bool sqlite_not_null(const syncspec_column *c) {
    return c->role == SYNCSPEC_ROLE_ID || (c->required && c->role != SYNCSPEC_ROLE_OWNER);
}

bool pg_not_null(const syncspec_column *c) { return c->required || c->role == SYNCSPEC_ROLE_ID; }

const char *pg_check_name(arena *a, const char *table, const char *column, model_check_kind kind) {
    return spec_shorten_name(
        a, arena_concat(a, "ck_", table, "_", column, "_", model_check_of(kind)->name, NULL));
}

const char pg_uuid_regex[] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

size_t pg_check_kinds(model_check_kind *kinds, const syncspec_schema *schema,
                      const syncspec_column *c) {
    size_t n = 0;
    if (c->enum_count > 0) kinds[n++] = MODEL_CHECK_ENUM;
    if (c->min.set) kinds[n++] = MODEL_CHECK_MIN;
    if (c->max.set) kinds[n++] = MODEL_CHECK_MAX;
    if (c->max_length > 0) kinds[n++] = MODEL_CHECK_LENGTH;
    if (c->role == SYNCSPEC_ROLE_ID && schema->id_format == SYNCSPEC_ID_UUID)
        kinds[n++] = MODEL_CHECK_FORMAT;
    return n;
}

syncspec_index pg_index(arena *a, const syncspec_table *table, const syncspec_index *index) {
    syncspec_index out = *index;
    if (!index->unique || table->owner_index < 0) return out;
    const char *owner = table->columns[table->owner_index].name;
    for (size_t k = 0; k < index->column_count; k++)
        if (strcmp(index->columns[k], owner) == 0) return out;
    const char **columns = arena_calloc(a, index->column_count + 1, sizeof *columns);
    columns[0] = owner;
    for (size_t k = 0; k < index->column_count; k++) columns[k + 1] = index->columns[k];
    out.columns = columns;
    out.column_count = index->column_count + 1;
    return out;
}

static const char *bound_text(arena *a, const syncspec_column *c, const syncspec_bound *b) {
    if (c->type == SYNCSPEC_TYPE_INTEGER) return arena_printf(a, "%" PRId64, b->i);
    char buf[32];
    spec_format_real(buf, b->r);
    return arena_strdup(a, buf);
}

static const char *enum_list(arena *a, const syncspec_column *c) {
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < c->enum_count; i++) {
        if (i) sb_append(&sb, ", ");
        bool numeric = c->type == SYNCSPEC_TYPE_INTEGER || c->type == SYNCSPEC_TYPE_REAL;
        sb_append(&sb, numeric ? c->enum_values[i] : esc_pg_literal(a, c->enum_values[i]));
    }
    const char *out = arena_strndup(a, sb_str(&sb), sb.len);
    sb_free(&sb);
    return out;
}

const char *pg_check_value(arena *a, const syncspec_column *c, model_check_kind kind) {
    switch (kind) {
    case MODEL_CHECK_ENUM:
        return enum_list(a, c);
    case MODEL_CHECK_MIN:
        return bound_text(a, c, &c->min);
    case MODEL_CHECK_MAX:
        return bound_text(a, c, &c->max);
    case MODEL_CHECK_LENGTH:
        return arena_printf(a, "%" PRId64, c->max_length);
    case MODEL_CHECK_FORMAT:
        break;
    }
    return esc_pg_literal(a, pg_uuid_regex);
}

const char *pg_check_expression(arena *a, const syncspec_column *c, model_check_kind kind) {
    const model_check *k = model_check_of(kind);
    const char *q = esc_sql_ident(a, c->name), *value = pg_check_value(a, c, kind);
    if (k->of_length) q = arena_concat(a, "char_length(", q, ")", NULL);
    if (kind == MODEL_CHECK_ENUM) value = arena_concat(a, "(", value, ")", NULL);
    return arena_concat(a, q, " ", k->emitted, " ", value, NULL);
}

const char *pg_default_literal(arena *a, const syncspec_column *c) {
    if (!c->default_value) return NULL;
    switch (c->type) {
    case SYNCSPEC_TYPE_BOOLEAN:
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_REAL:
        return c->default_value;
    default:
        return esc_pg_literal(a, c->default_value);
    }
}

#include "emit/types.h"

#include <string.h>

#include "spec/names.h"

const char *sqlite_type_name(syncspec_type type) {
    switch (type) {
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_BOOLEAN:
        return "INTEGER";
    case SYNCSPEC_TYPE_REAL:
        return "REAL";
    default: /* text, id, json, and timestamps as ISO 8601 text */
        return "TEXT";
    }
}

const char *pg_type_name(syncspec_type type) { return syncspec_pg_type_name(type); }

bool sqlite_not_null(const syncspec_column *c) {
    return c->role == SYNCSPEC_ROLE_ID || (c->required && c->role != SYNCSPEC_ROLE_OWNER);
}

bool pg_not_null(const syncspec_column *c) { return c->required || c->role == SYNCSPEC_ROLE_ID; }

const char *pg_check_name(arena *a, const char *table, const char *column, const char *kind) {
    return spec_shorten_name(a, arena_printf(a, "ck_%s_%s_%s", table, column, kind));
}

const char pg_uuid_regex[] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

size_t pg_check_kinds(const char **kinds, const syncspec_schema *schema, const syncspec_column *c) {
    size_t n = 0;
    if (c->enum_count > 0) kinds[n++] = "enum";
    if (c->min.set) kinds[n++] = "min";
    if (c->max.set) kinds[n++] = "max";
    if (c->max_length > 0) kinds[n++] = "length";
    if (c->role == SYNCSPEC_ROLE_ID && schema->id_format == SYNCSPEC_ID_UUID) kinds[n++] = "format";
    return n;
}

syncspec_index pg_index(arena *a, const syncspec_table *table, const syncspec_index *index) {
    syncspec_index out = *index;
    if (!index->unique || table->owner_column < 0) return out;
    const char *owner = table->columns[table->owner_column].name;
    for (size_t k = 0; k < index->column_count; k++)
        if (strcmp(index->columns[k], owner) == 0) return out;
    const char **columns = arena_calloc(a, index->column_count + 1, sizeof *columns);
    columns[0] = owner;
    for (size_t k = 0; k < index->column_count; k++) columns[k + 1] = index->columns[k];
    out.columns = columns;
    out.column_count = index->column_count + 1;
    return out;
}

#include "emit/types.h"

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

#include "model/types.h"

#include <string.h>

/*
 * One row a type: enum suffix, spec name, SQLite, PostgreSQL, C row value, PowerSync
 * helper, Drizzle pg-core builder, numeric. Timestamps are ISO 8601 text on SQLite (and so
 * on the device) and milliseconds in C rows; booleans are 0/1 integers on SQLite.
 * Rows are in enum order (checked below), so the table is indexed by syncspec_type.
 */
#define MODEL_TYPES(X)                                                                             \
    X(TEXT, "text", "TEXT", "text", "syncspec_text_value", "text", "text", false)                   \
    X(INTEGER, "integer", "INTEGER", "bigint", "syncspec_int_value", "integer", "bigint", true)     \
    X(REAL, "real", "REAL", "double precision", "syncspec_real_value", "real", "doublePrecision",   \
      true)                                                                                        \
    X(BOOLEAN, "boolean", "INTEGER", "boolean", "syncspec_bool_value", "integer", "boolean", true) \
    X(TIMESTAMP, "timestamp", "TEXT", "timestamp(3) with time zone", "syncspec_int_value", "text", \
      "timestamp", false)                                                                          \
    X(JSON, "json", "TEXT", "jsonb", "syncspec_text_value", "text", "jsonb", false)                 \
    X(ID, "id", "TEXT", "text", "syncspec_text_value", "text", "text", false)

#define TYPE_ROW(e, spec, sqlite, pg, c_value, powersync, pg_core, numeric)                        \
    [SYNCSPEC_TYPE_##e] = {spec, "SYNCSPEC_TYPE_" #e, sqlite, pg, c_value, powersync, pg_core, numeric},
#define TYPE_NAME(e, spec, ...) [SYNCSPEC_TYPE_##e] = spec,
#define TYPE_ONE(e, ...) +1

static const model_type types[] = {MODEL_TYPES(TYPE_ROW)};
static const char *const names[MODEL_TYPE_COUNT + 1] = {MODEL_TYPES(TYPE_NAME)};

/* A type added to the enum without a row (or the reverse) fails to compile. */
_Static_assert(0 MODEL_TYPES(TYPE_ONE) == MODEL_TYPE_COUNT, "one row per syncspec_type");
_Static_assert(sizeof types / sizeof types[0] == MODEL_TYPE_COUNT, "rows indexed by type");

const model_type *model_type_of(syncspec_type type) {
    return &types[(unsigned)type < MODEL_TYPE_COUNT ? type : SYNCSPEC_TYPE_TEXT];
}

bool model_type_lookup(const char *name, syncspec_type *out) {
    for (size_t i = 0; i < MODEL_TYPE_COUNT; i++)
        if (strcmp(types[i].spec, name) == 0) {
            *out = (syncspec_type)i;
            return true;
        }
    return false;
}

const char *const *model_type_names(void) { return names; }

#include <string.h>

#include "syncspec.h"

const syncspec_table *syncspec_schema_table(const syncspec_schema *schema, const char *name) {
    for (size_t i = 0; i < schema->table_count; i++)
        if (strcmp(schema->tables[i].name, name) == 0) return &schema->tables[i];
    return NULL;
}

const syncspec_column *syncspec_table_column(const syncspec_table *table, const char *name) {
    for (size_t i = 0; i < table->column_count; i++)
        if (strcmp(table->columns[i].name, name) == 0) return &table->columns[i];
    return NULL;
}

const char *syncspec_type_name(syncspec_type type) {
    static const char *const names[] = {"text",      "integer", "real", "boolean",
                                        "timestamp", "json",    "id"};
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

const char *syncspec_pg_type_name(syncspec_type type) {
    switch (type) {
    case SYNCSPEC_TYPE_INTEGER:
        return "bigint";
    case SYNCSPEC_TYPE_REAL:
        return "double precision";
    case SYNCSPEC_TYPE_BOOLEAN:
        return "boolean";
    case SYNCSPEC_TYPE_TIMESTAMP:
        return "timestamp(3) with time zone";
    case SYNCSPEC_TYPE_JSON:
        return "jsonb";
    default: /* text, id */
        return "text";
    }
}

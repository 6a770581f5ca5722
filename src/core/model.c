#include <string.h>

#include "syncspec.h"

#include "model/types.h"

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
    return (unsigned)type < MODEL_TYPE_COUNT ? model_type_of(type)->spec : "unknown";
}

const char *syncspec_pg_type_name(syncspec_type type) { return model_type_of(type)->postgres; }

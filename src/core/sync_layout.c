/* Row layouts for a spec loaded at run time: offsets as a generated row struct has them. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "syncspec.h"

static size_t value_size(syncspec_type type, size_t *align) {
    switch (type) {
    case SYNCSPEC_TYPE_INTEGER:
    case SYNCSPEC_TYPE_TIMESTAMP:
        *align = alignof(syncspec_int_value);
        return sizeof(syncspec_int_value);
    case SYNCSPEC_TYPE_REAL:
        *align = alignof(syncspec_real_value);
        return sizeof(syncspec_real_value);
    case SYNCSPEC_TYPE_BOOLEAN:
        *align = alignof(syncspec_bool_value);
        return sizeof(syncspec_bool_value);
    default:
        *align = alignof(syncspec_text_value);
        return sizeof(syncspec_text_value);
    }
}

int syncspec_schema_layout(syncspec_schema **out, const syncspec_schema *schema) {
    *out = NULL;
    size_t columns = 0;
    for (size_t t = 0; t < schema->table_count; t++) columns += schema->tables[t].column_count;
    /* One block: the schema, its tables, then every table's columns. */
    size_t size = sizeof(syncspec_schema) + schema->table_count * sizeof(syncspec_table) +
                  columns * sizeof(syncspec_column);
    char *block = calloc(1, size);
    if (!block) return -1;
    syncspec_schema *copy = (syncspec_schema *)block;
    syncspec_table *tables = (syncspec_table *)(block + sizeof *copy);
    syncspec_column *cols = (syncspec_column *)(tables + schema->table_count);
    *copy = *schema;
    copy->tables = tables;
    for (size_t t = 0; t < schema->table_count; t++) {
        const syncspec_table *src = &schema->tables[t];
        tables[t] = *src;
        tables[t].columns = cols;
        size_t offset = 0, max_align = alignof(syncspec_text_value);
        for (size_t c = 0; c < src->column_count; c++) {
            cols[c] = src->columns[c];
            size_t align;
            size_t n = value_size(src->columns[c].type, &align);
            offset = (offset + align - 1) / align * align;
            cols[c].offset = offset;
            offset += n;
            if (align > max_align) max_align = align;
        }
        tables[t].row_size = (offset + max_align - 1) / max_align * max_align;
        if (tables[t].row_size == 0) tables[t].row_size = max_align;
        cols += src->column_count;
    }
    *out = copy;
    return 0;
}

void syncspec_schema_layout_free(syncspec_schema *layout) { free(layout); }

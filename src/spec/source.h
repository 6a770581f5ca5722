/*
 * Where each part of a loaded model was written in the spec: the loader records it beside
 * the model so the validator can point at the exact value a rule is about. Arrays run
 * parallel to the model's (implicit columns and indexes have zero positions).
 */
#ifndef SYNCSPEC_SPEC_SOURCE_H
#define SYNCSPEC_SPEC_SOURCE_H

#include <stdbool.h>

#include "syncspec.h"

typedef struct spec_pos {
    unsigned line, col; /* 1-based; 0 when not written in the spec */
} spec_pos;

typedef struct spec_column_src {
    spec_pos name; /* the column's key */
    spec_pos default_value, min, max, pattern, references;
    const spec_pos *enum_items; /* one per model enum value */
} spec_column_src;

typedef struct spec_index_src {
    spec_pos pos;
    const spec_pos *columns; /* one per model index column */
} spec_index_src;

typedef struct spec_table_src {
    spec_pos name;
    spec_pos insert_only;
    const spec_column_src *columns;
    const spec_index_src *indexes;
} spec_table_src;

typedef struct spec_source {
    const char *file;
    spec_pos root;
    spec_pos name, owner_column, pg_schema, publication, sync_format, bucket;
    const spec_table_src *tables; /* parallel to schema->tables */
} spec_source;

#endif

{{#banner}}
/* {{.}} */
{{/banner}}
#ifndef {{upper_prefix}}_SCHEMA_H
#define {{upper_prefix}}_SCHEMA_H

#include "syncspec.h"

/*
 * One row struct per table: every column is a syncspec_*_value whose state tells
 * "absent" (not in the upload) from "null" (cleared) from "set". Text borrows its bytes.
 */
{{#tables}}

{{#description}}
/* {{.}} */
{{/description}}
typedef struct {{prefix}}_{{name}}_row {
{{#columns}}
    {{value_type}} {{field}}; /* {{type_name}}{{#implicit}} (implicit){{/implicit}}{{#note}}: {{note}}{{/note}} */
{{/columns}}
} {{prefix}}_{{name}}_row;
{{/tables}}

/* Positions in {{prefix}}_tables, in spec order. */
enum {
{{#tables}}
    {{upper_prefix}}_{{upper_name}} = {{index}},
{{/tables}}
};

/* The table descriptors, and the whole schema. */
extern const syncspec_table {{prefix}}_tables[{{table_count}}];
extern const syncspec_schema {{prefix}}_schema;

/*
 * Sanitizers ({{prefix}}_sanitize.c): one upload op for the user `user_id` into a typed row.
 * Return 0 with *row set (valid until the next call on the sanitizer), 1 with out->errors,
 * -1 when memory is exhausted. An op for another table is an unknown-table error.
 */
int {{prefix}}_sanitize(syncspec_op *out, syncspec_sanitizer *sanitizer, const json_t *op,
{{! keep the continuation aligned }}
                  const char *user_id);
{{#tables}}
{{#synced}}
int {{prefix}}_{{name}}_row_sanitize(const {{prefix}}_{{name}}_row **row, syncspec_op *out,
                          syncspec_sanitizer *sanitizer, const json_t *op, const char *user_id);
{{/synced}}
{{/tables}}

#endif

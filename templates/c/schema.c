{{#banner}}
/* {{.}} */
{{/banner}}
#include <stddef.h>
#include <stdint.h>

#include "{{prefix}}_schema.h"
{{#tables}}

/* {{name}} */
static const syncspec_column {{prefix}}_{{name}}_columns[] = {
{{#columns}}
    {.name = {{name_c}}, .property = {{property_c}}, .type = {{type_enum}}, .role = {{role_enum}},
     .required = {{required}}, .default_value = {{default_c}}, .max_length = {{max_length}},
     .min = {{min}}, .max = {{max}}, .pattern = {{pattern_c}},
     .enum_values = {{#has_enum}}(const char *const[]){ {{enum_values}} }{{/has_enum}}{{^has_enum}}NULL{{/has_enum}},
     .enum_count = {{enum_count}}, .references = {{references_c}},
     .description = {{description_c}}, .offset = offsetof({{prefix}}_{{name}}_row, {{field}}),
     .line = {{line}}, .col = {{col}}},
{{/columns}}
};
{{#indexes}}
static const char *const {{prefix}}_{{name}}_index_{{position}}_columns[] = { {{columns}} };
{{/indexes}}
{{#has_indexes}}
static const syncspec_index {{prefix}}_{{name}}_indexes[] = {
{{#indexes}}
    {.name = {{name_c}}, .columns = {{prefix}}_{{name}}_index_{{position}}_columns, .column_count = {{count}}, .unique = {{unique}},
     .implicit = {{implicit}}, .line = {{line}}, .col = {{col}}},
{{/indexes}}
};
{{/has_indexes}}
{{/tables}}

const syncspec_table {{prefix}}_tables[{{table_count}}] = {
{{#tables}}
    {.name = {{table_name_c}}, .description = {{description_c}}, .local_only = {{local_only}},
     .insert_only = {{insert_only}}, .timestamps = {{timestamps}}, .soft_delete = {{soft_delete}},
     .columns = {{prefix}}_{{name}}_columns, .column_count = {{column_count}},
     {{#has_indexes}}.indexes = {{prefix}}_{{name}}_indexes, {{/has_indexes}}.index_count = {{index_count}},
     .owner_index = {{owner_index}}, .row_size = sizeof({{prefix}}_{{name}}_row), .line = {{line}}, .col = {{col}}},
{{/tables}}
};

const syncspec_schema {{prefix}}_schema = {
    .name = {{name_c}},
    .owner_name = {{owner_name_c}},
    .id_format = {{id_format_enum}},
    .pg_schema = {{pg_schema_c}},
    .publication = {{publication_c}},
    .sync_format = {{sync_format_enum}},
    .bucket = {{bucket_c}},
    .tables = {{prefix}}_tables,
    .table_count = {{table_count}},
    .source_path = {{source_path_c}},
    .source_sha256 = {{source_sha256_c}},
};

{{#banner}}
// {{.}}
{{/banner}}
//
// The PowerSync client schema (@powersync/common): one Table per table of the spec, each
// column typed as rows arrive from the generated sync rules (booleans as integers 1/0,
// timestamps and JSON as text). PowerSync adds the id column itself.
import { column, Schema, Table } from '@powersync/common';
{{#tables}}

{{#description}}
//{{#.}} {{.}}{{/.}}
{{/description}}
{{#local_only}}
// Local-only: stays on this device, never uploaded.
{{/local_only}}
{{#insert_only}}
// Insert-only in the spec: the server accepts only inserts. A regular PowerSync table all
// the same (not insertOnly), so that rows written here stay on the device and sync back.
{{/insert_only}}
export const {{var}} = new Table(
  {
{{#columns}}
    {{name}}: column.{{helper}},{{#is_boolean}} // boolean: 1 or 0{{/is_boolean}}{{#is_timestamp}} // timestamp: UTC text{{/is_timestamp}}{{#is_json}} // JSON text{{/is_json}}
{{/columns}}
  },
  {
{{#local_only}}
    localOnly: true,
{{/local_only}}
    indexes: {
{{#indexes}}
      {{name}}: [{{#columns}}{{name_ts}}{{^last}}, {{/last}}{{/columns}}],
{{/indexes}}
    },
  },
);
{{/tables}}

export const {{pascal}}Schema = new Schema({
{{#names}}
  {{#shorthand}}{{name}}{{/shorthand}}{{^shorthand}}{{name}}: {{var}}{{/shorthand}},
{{/names}}
});

// The row types, as PowerSync reads them (every column but id may be null).
export type {{pascal}}Database = (typeof {{pascal}}Schema)['types'];
{{#names}}
export type {{type}}Record = {{pascal}}Database['{{name}}'];
{{/names}}

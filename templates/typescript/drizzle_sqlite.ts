{{#banner}}
// {{.}}
{{/banner}}
//
// Drizzle sqlite-core tables for the device, over PowerSync (@powersync/drizzle-driver):
// camelCase properties over the spec's snake_case columns, values in the form the device
// stores them (booleans as integers 1/0 read as true/false, JSON as text read as values,
// timestamps as UTC text). No foreign keys: offline writes reach the server out of order.
import { DrizzleAppSchema } from '@powersync/drizzle-driver';
import {
{{#uses_index}}
  index,
{{/uses_index}}
{{#uses_sqlite_integer}}
  integer,
{{/uses_sqlite_integer}}
{{#uses_real}}
  real,
{{/uses_real}}
  sqliteTable,
  text,
{{#uses_unique_index}}
  uniqueIndex,
{{/uses_unique_index}}
} from 'drizzle-orm/sqlite-core';
{{#tables}}

{{#description}}
//{{#.}} {{.}}{{/.}}
{{/description}}
{{#local_only}}
// Local-only: stays on this device, never uploaded.
{{/local_only}}
{{#insert_only}}
// Insert-only: the server accepts only inserts of this table's rows.
{{/insert_only}}
export const {{var}} = sqliteTable(
  {{name_ts}},
  {
{{#columns}}
{{#description}}
    //{{#.}} {{.}}{{/.}}
{{/description}}
    {{property}}: {{helper}}({{name_ts}}{{#boolean}}, { mode: 'boolean' }{{/boolean}}{{#json}}, { mode: 'json' }{{/json}}{{#enum}}, { enum: [{{enum}}] }{{/enum}}){{#enum_type}}.$type<{{enum_type}}>(){{/enum_type}}{{#primary_key}}.primaryKey(){{/primary_key}}{{#not_null}}.notNull(){{/not_null}}{{#default_literal}}.default({{default_literal}}){{/default_literal}}{{#default_json}}.default(JSON.parse({{default_json}})){{/default_json}},
{{/columns}}
  }{{#has_indexes}},
  (t) => [
{{#indexes}}
    {{#unique}}uniqueIndex{{/unique}}{{^unique}}index{{/unique}}({{name_ts}}).on({{#columns}}t.{{property}}{{^last}}, {{/last}}{{/columns}}),
{{/indexes}}
  ]{{/has_indexes}},
);
{{/tables}}

// Every table, for wrapPowerSyncWithDrizzle(db, { schema: {{pascal}}Tables }).
export const {{pascal}}Tables = {
{{#names}}
  {{var}},
{{/names}}
};

// The PowerSync schema of these tables, local-only ones marked: the same schema as
// {{pascal}}Schema in the generated PowerSync client schema.
export const {{pascal}}DrizzleSchema = new DrizzleAppSchema({
{{#names}}
{{#local_only}}
  {{var}}: { tableDefinition: {{var}}, options: { localOnly: true } },
{{/local_only}}
{{^local_only}}
  {{var}},
{{/local_only}}
{{/names}}
});

// Row types: what a select returns, and what an insert takes.
{{#names}}
export type {{type}}Row = typeof {{var}}.$inferSelect;
export type New{{type}}Row = typeof {{var}}.$inferInsert;
{{/names}}

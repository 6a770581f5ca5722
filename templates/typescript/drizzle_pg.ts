{{#banner}}
// {{.}}
{{/banner}}
//
// Drizzle pg-core tables for the server, matching the generated postgres.sql: synced
// tables only, the same types, NOT NULL, defaults, and CHECK constraints and indexes of
// the same names. No foreign keys: offline uploads arrive out of order. The publication
// the sync service reads is not a table: it stays in postgres.sql.
{{#uses_sql}}
import { sql } from 'drizzle-orm';
{{/uses_sql}}
import {
{{#uses_integer}}
  bigint,
{{/uses_integer}}
{{#uses_boolean}}
  boolean,
{{/uses_boolean}}
{{#uses_check}}
  check,
{{/uses_check}}
{{#uses_real}}
  doublePrecision,
{{/uses_real}}
{{#uses_index}}
  index,
{{/uses_index}}
{{#uses_json}}
  jsonb,
{{/uses_json}}
{{#custom_schema}}
  pgSchema,
{{/custom_schema}}
{{^custom_schema}}
  pgTable,
{{/custom_schema}}
  text,
{{#uses_timestamp}}
  timestamp,
{{/uses_timestamp}}
{{#uses_unique_index}}
  uniqueIndex,
{{/uses_unique_index}}
} from 'drizzle-orm/pg-core';
{{#custom_schema}}

export const dbSchema = pgSchema({{schema_ts}});
{{/custom_schema}}
{{#tables}}

{{#description}}
//{{#.}} {{.}}{{/.}}
{{/description}}
{{#insert_only}}
// Insert-only: uploads may only insert rows (PATCH and DELETE are rejected).
{{/insert_only}}
export const {{var}} = {{#custom_schema}}dbSchema.table{{/custom_schema}}{{^custom_schema}}pgTable{{/custom_schema}}(
  {{name_ts}},
  {
{{#columns}}
{{#description}}
    //{{#.}} {{.}}{{/.}}
{{/description}}
    {{property}}: {{helper}}({{name_ts}}{{#bigint}}, { mode: 'number' }{{/bigint}}{{#timestamp}}, { precision: 3, withTimezone: true, mode: 'string' }{{/timestamp}}{{#enum}}, { enum: [{{enum}}] }{{/enum}}){{#enum_type}}.$type<{{enum_type}}>(){{/enum_type}}{{#primary_key}}.primaryKey(){{/primary_key}}{{#not_null}}.notNull(){{/not_null}}{{#default_bare}}.default({{default_bare}}){{/default_bare}}{{#default_sql}}.default(sql`{{default_sql}}`){{/default_sql}},
{{/columns}}
  }{{#has_constraints}},
  (t) => [
{{#checks}}
    check({{name_ts}}, sql`{{sql}}`),
{{/checks}}
{{#indexes}}
    {{#unique}}uniqueIndex{{/unique}}{{^unique}}index{{/unique}}({{name_ts}}).on({{#columns}}t.{{property}}{{^last}}, {{/last}}{{/columns}}),
{{/indexes}}
  ]{{/has_constraints}},
);
{{/tables}}

// Row types: what a select returns, and what an insert takes.
{{#names}}
export type {{type}}Row = typeof {{var}}.$inferSelect;
export type New{{type}}Row = typeof {{var}}.$inferInsert;
{{/names}}

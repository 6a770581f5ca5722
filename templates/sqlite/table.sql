{{! One table of sqlite.sql. generate renders it for each table, and check renders it
    alone for repair SQL, so it uses only the names of the table's own context. A comment
    line prints its blank and text only when the line is not empty: no trailing blanks. }}
{{#description}}
--{{#.}} {{.}}{{/.}}
{{/description}}
{{#local_only}}
-- Local-only: never uploaded, not in PostgreSQL or the sync rules.
{{/local_only}}
{{#insert_only}}
-- Insert-only: uploads may only insert rows (PATCH and DELETE are rejected).
{{/insert_only}}
CREATE TABLE IF NOT EXISTS {{q}} (
{{#columns}}
{{#description}}
  --{{#.}} {{.}}{{/.}}
{{/description}}
  {{>column.sql}}{{^last}},{{/last}}{{#references}} -- references {{references}}.id (enforced by the app){{/references}}
{{/columns}}
);
{{#indexes}}
{{>index.sql}}
{{/indexes}}

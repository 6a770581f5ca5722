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
  {{q}} {{type}}{{#primary_key}} PRIMARY KEY NOT NULL{{/primary_key}}{{#not_null}} NOT NULL{{/not_null}}{{#default}} DEFAULT {{default}}{{/default}}{{#is_boolean}} CHECK ({{q}} IN (0, 1)){{/is_boolean}}{{^last}},{{/last}}{{#references}} -- references {{references}}.id (enforced by the app){{/references}}
{{/columns}}
);
{{#indexes}}
CREATE {{#unique}}UNIQUE {{/unique}}INDEX IF NOT EXISTS {{q}} ON {{table_q}} ({{columns}});
{{/indexes}}

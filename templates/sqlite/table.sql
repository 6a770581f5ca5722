{{#description}}
-- {{.}}
{{/description}}
{{#local_only}}
-- Local-only: never uploaded, not in PostgreSQL or the sync rules.
{{/local_only}}
CREATE TABLE IF NOT EXISTS {{q}} (
{{#columns}}
  {{q}} {{type}}{{#primary_key}} PRIMARY KEY NOT NULL{{/primary_key}}{{#not_null}} NOT NULL{{/not_null}}{{#default}} DEFAULT {{default}}{{/default}}{{#is_boolean}} CHECK ({{q}} IN (0, 1)){{/is_boolean}}{{^last}},{{/last}}{{#references}} -- references {{references}}.id (enforced by the app){{/references}}
{{/columns}}
);
{{#indexes}}
CREATE {{#unique}}UNIQUE {{/unique}}INDEX IF NOT EXISTS {{q}} ON {{table_q}} ({{columns}});
{{/indexes}}

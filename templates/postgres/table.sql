{{! One table of postgres.sql. generate renders it for each synced table, and check
    renders it alone for repair SQL, so it uses only the names of the table's own context.
    CHECK constraints continue their column's definition on lines indented by four. }}
{{#description}}
--{{#.}} {{.}}{{/.}}
{{/description}}
{{#insert_only}}
-- Insert-only: uploads may only insert rows (PATCH and DELETE are rejected).
{{/insert_only}}
{{#soft_delete}}
-- Soft delete: a DELETE upload sets deleted_at instead of removing the row.
{{/soft_delete}}
CREATE TABLE IF NOT EXISTS {{q}} (
{{#columns}}
  {{q}} {{type}}{{#primary_key}} PRIMARY KEY{{/primary_key}}{{#not_null}} NOT NULL{{/not_null}}{{#default}} DEFAULT {{default}}{{/default}}{{#enum_check}}
    CONSTRAINT {{name_q}} CHECK ({{expression}}){{/enum_check}}{{#min_check}}
    CONSTRAINT {{name_q}} CHECK ({{expression}}){{/min_check}}{{#max_check}}
    CONSTRAINT {{name_q}} CHECK ({{expression}}){{/max_check}}{{#length_check}}
    CONSTRAINT {{name_q}} CHECK ({{expression}}){{/length_check}}{{#format_check}}
    CONSTRAINT {{name_q}} CHECK ({{expression}}){{/format_check}}{{^last}},{{/last}}
{{/columns}}
);
{{#indexes}}
CREATE {{#unique}}UNIQUE {{/unique}}INDEX IF NOT EXISTS {{q}} ON {{table_q}} ({{columns}});
{{/indexes}}
{{#comment}}
COMMENT ON TABLE {{q}} IS {{comment}};
{{/comment}}
{{#columns}}
{{#comment}}
COMMENT ON COLUMN {{table_q}}.{{q}} IS {{comment}};
{{/comment}}
{{/columns}}

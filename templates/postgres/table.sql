{{! One table of postgres.sql. generate renders it for each synced table, and check
    renders it alone for repair SQL, so it uses only the names of the table's own context. }}
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
  {{>column.sql}}{{^last}},{{/last}}
{{/columns}}
);
{{#indexes}}
{{>index.sql}}
{{/indexes}}
{{#comment}}
COMMENT ON TABLE {{q}} IS {{comment}};
{{/comment}}
{{#columns}}
{{#comment}}
COMMENT ON COLUMN {{table_q}}.{{q}} IS {{comment}};
{{/comment}}
{{/columns}}

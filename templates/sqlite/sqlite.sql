{{#banner}}
-- {{.}}
{{/banner}}
--
-- Client schema: synced and local-only tables. No FOREIGN KEY constraints: offline writes
-- reach the server out of order, so references are enforced by the app. Idempotent.
{{#tables}}

{{>table.sql}}
{{/tables}}

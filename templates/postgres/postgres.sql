{{#banner}}
-- {{.}}
{{/banner}}
--
-- Server schema: synced tables only, and the publication the sync service replicates.
-- No FOREIGN KEY constraints: offline uploads arrive out of order, so references are
-- enforced by the app. Idempotent: safe to run again.
{{#custom_schema}}

CREATE SCHEMA IF NOT EXISTS {{schema_q}};
{{/custom_schema}}
{{#tables}}

{{>table.sql}}
{{/tables}}

-- The publication the sync service reads: exactly the synced tables, every operation.
{{>publication.sql}}

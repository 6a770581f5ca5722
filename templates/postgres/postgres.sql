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
DO $syncspec$
{{^has_tables}}
DECLARE
  t record;
{{/has_tables}}
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {{publication_literal}}) THEN
    CREATE PUBLICATION {{publication_q}}{{#has_tables}} FOR TABLE {{publication_tables}}{{/has_tables}}
      WITH (publish = 'insert, update, delete, truncate', publish_via_partition_root = false);
  ELSE
{{#has_tables}}
    ALTER PUBLICATION {{publication_q}} SET TABLE {{publication_tables}};
{{/has_tables}}
{{^has_tables}}
    -- No synced table: SET TABLE needs at least one, so drop each table it still has.
    FOR t IN SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables
             WHERE pubname = {{publication_literal}} LOOP
      EXECUTE format('ALTER PUBLICATION %I DROP TABLE %I.%I', {{publication_literal}},
                     t.schemaname, t.tablename);
    END LOOP;
{{/has_tables}}
    ALTER PUBLICATION {{publication_q}}
      SET (publish = 'insert, update, delete, truncate', publish_via_partition_root = false);
  END IF;
END
$syncspec$;

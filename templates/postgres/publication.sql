{{! The publication block of postgres.sql; check --fix-sql repeats it (repair.sql) for a
    publication that is missing. }}
DO $syncspec$
{{^has_tables}}
DECLARE
  t record;
{{/has_tables}}
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = {{publication_literal}}) THEN
    CREATE PUBLICATION {{publication_q}}{{#has_tables}} FOR TABLE {{publication_tables}}{{/has_tables}}
      WITH {{>publish.sql}};
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
      SET {{>publish.sql}};
  END IF;
END
$syncspec$;

{{! check --fix-sql: the statement that repairs one finding. Rendered over the root of
    postgres.sql's context, with "table" (one table's context, as table.sql has it) and one
    of the keys below set: to the piece the statement needs (a column, an item of a
    column's "checks", an index), or to true; the others are false. }}
{{#table}}
{{#create_table}}
{{>table.sql}}
{{/create_table}}
{{#add_column}}
{{#not_null}}
{{^default}}
-- fails while the table has rows: add it nullable, fill it, then SET NOT NULL
{{/default}}
{{/not_null}}
ALTER TABLE {{table_q}} ADD COLUMN {{>column.sql}};
{{/add_column}}
{{#add_check}}
ALTER TABLE {{table_q}} ADD {{>check.sql}};
{{/add_check}}
{{#replace_check}}
-- fails, changing nothing, while a row breaks the spec's CHECK
ALTER TABLE {{table_q}} DROP CONSTRAINT {{name_q}}, ADD {{>check.sql}};
{{/replace_check}}
{{#validate_check}}
-- fails, changing nothing, while a row breaks the CHECK
ALTER TABLE {{table_q}} VALIDATE CONSTRAINT {{name_q}};
{{/validate_check}}
{{#set_not_null}}
-- fails, changing nothing, while a row holds NULL
ALTER TABLE {{table_q}} ALTER COLUMN {{q}} SET NOT NULL;
{{/set_not_null}}
{{#drop_not_null}}
ALTER TABLE {{table_q}} ALTER COLUMN {{q}} DROP NOT NULL;
{{/drop_not_null}}
{{#add_primary_key}}
ALTER TABLE {{table_q}} ADD PRIMARY KEY ({{q}});
{{/add_primary_key}}
{{#set_logged}}
ALTER TABLE {{q}} SET LOGGED;
{{/set_logged}}
{{#replica_identity}}
ALTER TABLE {{q}} REPLICA IDENTITY DEFAULT;
{{/replica_identity}}
{{#create_index}}
{{>index.sql}}
{{/create_index}}
{{#publication_add_table}}
ALTER PUBLICATION {{publication_q}} ADD TABLE {{q}};
{{/publication_add_table}}
{{#publication_drop_table}}
ALTER PUBLICATION {{publication_q}} DROP TABLE {{q}};
{{/publication_drop_table}}
{{#publication_readd_table}}
-- Out of the publication and back in, with every column and row: one statement, so that
-- no change is missed between the two.
DO $syncspec$
BEGIN
  ALTER PUBLICATION {{publication_q}} DROP TABLE {{q}};
  ALTER PUBLICATION {{publication_q}} ADD TABLE {{q}};
END
$syncspec$;
{{/publication_readd_table}}
{{/table}}
{{#publication_options}}
ALTER PUBLICATION {{publication_q}} SET {{>publish.sql}};
{{/publication_options}}
{{#publication}}
{{>publication.sql}}
{{/publication}}

{{! check --fix-sql: the statement that repairs one finding. Rendered over the root of
    sqlite.sql's context, with "table" (one table's context, as table.sql has it) and one
    of the keys below set: to the piece the statement needs (a column, an index), or to
    true; the others are false. }}
{{#table}}
{{#create_table}}
{{>table.sql}}
{{/create_table}}
{{#add_column}}
ALTER TABLE {{table_q}} ADD COLUMN {{>column.sql}};
{{/add_column}}
{{#create_index}}
{{>index.sql}}
{{/create_index}}
{{/table}}

{{! One column's definition: in CREATE TABLE (table.sql) and in ALTER TABLE ... ADD COLUMN
    (repair.sql). No line end: the caller ends the line. }}
{{q}} {{type}}{{#primary_key}} PRIMARY KEY NOT NULL{{/primary_key}}{{#not_null}} NOT NULL{{/not_null}}{{#default}} DEFAULT {{default}}{{/default}}{{#is_boolean}} CHECK ({{q}} IN (0, 1)){{/is_boolean}}
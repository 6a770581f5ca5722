{{! One column's definition: in CREATE TABLE (table.sql) and in ALTER TABLE ... ADD COLUMN
    (repair.sql). Its CHECK constraints continue it on lines indented by four. No line end:
    the caller ends the line. }}
{{q}} {{type}}{{#primary_key}} PRIMARY KEY{{/primary_key}}{{#not_null}} NOT NULL{{/not_null}}{{#default}} DEFAULT {{default}}{{/default}}{{#checks}}
    {{>check.sql}}{{/checks}}
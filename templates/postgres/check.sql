{{! One named CHECK constraint of a column: an item of its "checks" (name_q, expression).
    In column.sql and in ALTER TABLE ... ADD (repair.sql). }}
CONSTRAINT {{name_q}} CHECK ({{expression}})
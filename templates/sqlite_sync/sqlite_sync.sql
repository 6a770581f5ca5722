{{#banner}}
-- {{.}}
{{/banner}}
--
-- Client change capture for libsyncspec: run after sqlite.sql. Every write to a synced
-- table lands in "syncspec_crud", grouped by local transaction (tx_id); local-only tables
-- have no triggers. The triggers (and the queue's view) call functions that syncspec_store
-- registers on its connection (syncspec_store_register_functions() adds them to any other):
--   syncspec_capture()      0 while the store applies server changes, so those are never queued
--   syncspec_tx()           the id of the current local transaction
--   syncspec_json_value(v)  v as JSON can carry it: a BLOB, text that is not UTF-8 or an
--                           infinite real becomes text the server refuses, so such a write is
--                           rejected and recorded whole, and never fails or blocks the queue
-- A connection without them cannot write to a synced table: it fails, it never loses a write.
--
-- A PUT carries the row's non-null columns, and null for a nullable column with a default
-- (the server gives a column a PUT leaves out its default, so the null must be said).
-- A PUT is stored as its row id only and its data is read from the row when the queue is
-- read ("syncspec_crud_entries"), so capturing an insert costs one small append. Before the
-- row changes in a way its PUT must not show, the row as it was is copied into the PUT: at
-- the first update by a later local transaction, at any delete (so a row inserted again
-- under the same id is not read by the old PUT), and before an insert of its id (INSERT OR
-- REPLACE deletes the row it replaces without firing delete triggers). So a PUT never
-- carries another transaction's changes (a rejected later transaction must not reach the
-- server through it), and the first upload copies every PUT it sends, so a resent
-- transaction is the same text. A PATCH stores the changed columns at write time, with null
-- where a value was cleared. Idempotent.

-- "op" is 'PUT', 'PATCH' or 'DELETE', written by the triggers below only; a CHECK saying so
-- made every captured insert about a fifth slower (make bench), and the server's sanitizer
-- refuses any other op anyway.
CREATE TABLE IF NOT EXISTS "syncspec_crud" (
  "id" INTEGER PRIMARY KEY,
  "tx_id" INTEGER NOT NULL,
  "op" TEXT NOT NULL,
  "type" TEXT NOT NULL,
  "row_id" TEXT NOT NULL,
  "data" TEXT
);
-- Finds the PUT that still reads its row, for the copy above.
CREATE INDEX IF NOT EXISTS "syncspec_crud_pending_put" ON "syncspec_crud" ("row_id")
  WHERE "op" = 'PUT' AND "data" IS NULL;

-- The rows the statement running now may delete through a unique key (see below).
CREATE TABLE IF NOT EXISTS "syncspec_clashes" (
  "type" TEXT NOT NULL,
  "row_id" TEXT NOT NULL,
  "by_id" TEXT NOT NULL
);

-- Device id, signed-in user, checkpoint and the last uploaded tx_id.
CREATE TABLE IF NOT EXISTS "syncspec_state" (
  "key" TEXT PRIMARY KEY NOT NULL,
  "value" TEXT
);
{{#tables}}

-- {{name}}
CREATE TRIGGER IF NOT EXISTS {{insert_q}} AFTER INSERT ON {{q}}
WHEN syncspec_capture()
BEGIN
  INSERT INTO "syncspec_crud" ("tx_id", "op", "type", "row_id")
  VALUES (syncspec_tx(), 'PUT', {{literal}}, NEW."id");
END;
CREATE TRIGGER IF NOT EXISTS {{replace_q}} BEFORE INSERT ON {{q}}
WHEN syncspec_capture() AND EXISTS (SELECT 1 FROM "syncspec_crud" WHERE "op" = 'PUT'
  AND "data" IS NULL AND "row_id" = NEW."id" AND "type" = {{literal}})
BEGIN
  UPDATE "syncspec_crud" SET "data" = (
    SELECT {{#as_row}}{{>put_data.sql}}{{/as_row}}
    FROM {{q}} AS r WHERE r."id" = NEW."id")
  WHERE "op" = 'PUT' AND "data" IS NULL AND "row_id" = NEW."id" AND "type" = {{literal}};
END;
{{#unique_match}}
-- A row NEW clashes with on another unique key is deleted by INSERT OR REPLACE and UPDATE OR
-- REPLACE without its delete trigger: noted before (its PUT given its row), its DELETE
-- queued after when it is gone, and the new row's op moved after that DELETE, so the
-- server never holds both rows at once.
{{#clash_events}}
CREATE TRIGGER IF NOT EXISTS {{clash_q}} BEFORE {{event}} ON {{q}}
WHEN syncspec_capture() AND EXISTS (SELECT 1 FROM {{q}} AS r
  WHERE ({{unique_match}}) AND r."id" IS NOT NEW."id")
BEGIN
  DELETE FROM "syncspec_clashes";
  INSERT INTO "syncspec_clashes" ("type", "row_id", "by_id")
  SELECT {{literal}}, r."id", NEW."id" FROM {{q}} AS r
  WHERE ({{unique_match}}) AND r."id" IS NOT NEW."id";
  UPDATE "syncspec_crud" SET "data" = (
    SELECT {{#as_row}}{{>put_data.sql}}{{/as_row}}
    FROM {{q}} AS r WHERE r."id" = "syncspec_crud"."row_id")
  WHERE "op" = 'PUT' AND "data" IS NULL AND "type" = {{literal}}
    AND "row_id" IN (SELECT "row_id" FROM "syncspec_clashes");
END;
CREATE TRIGGER IF NOT EXISTS {{clashed_q}} AFTER {{event}} ON {{q}}
WHEN syncspec_capture() AND EXISTS (SELECT 1 FROM "syncspec_clashes"
  WHERE "by_id" = NEW."id" AND "type" = {{literal}})
BEGIN
  INSERT INTO "syncspec_crud" ("tx_id", "op", "type", "row_id")
  SELECT syncspec_tx(), 'DELETE', {{literal}}, x."row_id" FROM "syncspec_clashes" AS x
  WHERE x."by_id" = NEW."id" AND x."type" = {{literal}}
    AND NOT EXISTS (SELECT 1 FROM {{q}} AS r WHERE r."id" = x."row_id");
  UPDATE "syncspec_crud" SET "id" = (SELECT max("id") + 1 FROM "syncspec_crud")
  WHERE "id" = (SELECT max("id") FROM "syncspec_crud" WHERE "row_id" = NEW."id"
      AND "type" = {{literal}} AND "tx_id" = syncspec_tx() AND "op" <> 'DELETE')
    AND "id" < (SELECT max("id") FROM "syncspec_crud" WHERE "op" = 'DELETE'
      AND "tx_id" = syncspec_tx());
  DELETE FROM "syncspec_clashes";
END;
{{/clash_events}}
{{/unique_match}}
CREATE TRIGGER IF NOT EXISTS {{id_q}} BEFORE UPDATE OF "id" ON {{q}}
WHEN NEW."id" IS NOT OLD."id"
BEGIN
  SELECT RAISE(ABORT, 'syncspec: the id of a synced row cannot change');
END;
CREATE TRIGGER IF NOT EXISTS {{update_q}} AFTER UPDATE ON {{q}}
WHEN syncspec_capture() AND ({{#chunks}}{{^first}} OR {{/first}}({{#columns}}{{^first}} OR {{/first}}NEW.{{q}} IS NOT OLD.{{q}}{{/columns}}){{/chunks}})
BEGIN
  UPDATE "syncspec_crud" SET "data" = {{#as_old}}{{>put_data.sql}}{{/as_old}}
  WHERE "op" = 'PUT' AND "data" IS NULL AND "row_id" = OLD."id" AND "type" = {{literal}}
    AND "tx_id" <> syncspec_tx();
  INSERT INTO "syncspec_crud" ("tx_id", "op", "type", "row_id", "data")
  VALUES (syncspec_tx(), 'PATCH', {{literal}}, NEW."id", (SELECT json_group_object("key", "value") FROM (
{{#chunks}}
    {{^first}}UNION ALL {{/first}}SELECT "key", "value" FROM json_each(json_remove(json_object({{#columns}}{{^first}}, {{/first}}{{literal}}, syncspec_json_value(NEW.{{q}}){{/columns}}),
      {{#columns}}{{^first}}, {{/first}}CASE WHEN NEW.{{q}} IS NOT OLD.{{q}} THEN '$."-"' ELSE '$.{{name}}' END{{/columns}}))
{{/chunks}}
  )));
END;
CREATE TRIGGER IF NOT EXISTS {{delete_q}} AFTER DELETE ON {{q}}
WHEN syncspec_capture()
BEGIN
  UPDATE "syncspec_crud" SET "data" = {{#as_old}}{{>put_data.sql}}{{/as_old}}
  WHERE "op" = 'PUT' AND "data" IS NULL AND "row_id" = OLD."id" AND "type" = {{literal}};
  INSERT INTO "syncspec_crud" ("tx_id", "op", "type", "row_id")
  VALUES (syncspec_tx(), 'DELETE', {{literal}}, OLD."id");
END;
{{/tables}}

-- The queue in PowerSync's ps_crud shape, {"op", "type", "id", "data"}: a PUT carries every
-- non-null column of the row (and null for a nullable column with a default) as its
-- transaction left it (as it is now, unless a later transaction changed it), a PATCH the
-- columns it changed (null where a value was cleared), a DELETE no data. A PUT whose row is
-- gone has a null "data": a DELETE of it follows in the queue.
DROP VIEW IF EXISTS "syncspec_crud_entries";
CREATE VIEW "syncspec_crud_entries" AS
SELECT c."id", c."tx_id", c."op", c."type", c."row_id", CASE
  WHEN c."data" IS NOT NULL THEN json(c."data")
{{#tables}}
  WHEN c."op" = 'PUT' AND c."type" = {{literal}} THEN (
    SELECT {{#as_row}}{{>put_data.sql}}{{/as_row}}
    FROM {{q}} AS r WHERE r."id" = c."row_id")
{{/tables}}
  END AS "data"
FROM "syncspec_crud" AS c;

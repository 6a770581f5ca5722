{{#banner}}
-- {{.}}
{{/banner}}
--
-- Server side of libsyncspec: run after postgres.sql. Idempotent.
--   syncspec_applied_ops       the op_id of every client transaction already handled from a
--                              client that names itself, written in the same database
--                              transaction as its effects: a retried upload applies nothing twice
--   syncspec_rejected_uploads  client transactions refused whole, with their errors
--   syncspec_changes           the change log: one entry per changed row and owner, from any
--                              writer, stamped with the writing transaction's id and the
--                              time it was written (so old entries can be pruned)
--   syncspec_feed_horizon      one row: the highest transaction id of any entry pruned from
--                              the log; when the sequencer may miss one it reads every row
--   syncspec_ops               the PowerSync op log: each bucket's PUT, REMOVE, MOVE and CLEAR
--                              ops, appended by the sequencer from syncspec_changes
--   syncspec_buckets           per bucket: the wrapping sum of its ops' checksums, their
--                              count and its last op id, so a checkpoint reads no rows
--   syncspec_sequencer         one row: the snapshot the sequencer last read at, last op id
--   syncspec_write_checkpoints per user: the write checkpoint last handed out
-- A team that serves downloads with the PowerSync Service needs the first two only; the
-- change log, the horizon, the op log and the triggers are what the embedded server reads.
{{#custom_schema}}

CREATE SCHEMA IF NOT EXISTS {{schema_q}};
{{/custom_schema}}

-- An op_id is a client's name for one of its transactions, so it is unique per user and
-- client (PowerSync's transaction ids start at 1 on every device); "digest" (MD5 of the
-- transaction's text) tells a retry of it from another transaction that reuses the name.
-- Transactions of a client that does not name itself are applied every time, not recorded.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_applied_ops" (
  "user_id" text NOT NULL,
  "client_id" text NOT NULL,
  "op_id" text NOT NULL,
  "digest" text NOT NULL,
  "status" text NOT NULL CHECK ("status" IN ('applied', 'rejected')),
  "applied_at" timestamp(3) with time zone NOT NULL DEFAULT now(),
  PRIMARY KEY ("user_id", "client_id", "op_id")
);

CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_rejected_uploads" (
  "id" bigserial PRIMARY KEY,
  "op_id" text NOT NULL,
  "user_id" text NOT NULL,
  "client_id" text NOT NULL, -- '' when the client named none
  "transaction" text NOT NULL, -- as sent: jsonb would refuse \u0000 and reorder keys
  "errors" jsonb NOT NULL,
  "rejected_at" timestamp(3) with time zone NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS "idx_syncspec_rejected_uploads_user_id"
  ON {{schema_q}}."syncspec_rejected_uploads" ("user_id");

-- CREATE TABLE IF NOT EXISTS keeps tables made by an earlier version of this file as they
-- were, and every upload would then fail on the missing "digest": upgrade them in place.
-- Each change is guarded by the catalogs, so running this again changes nothing.
DO $syncspec$
DECLARE
  applied regclass := '{{schema_q}}."syncspec_applied_ops"';
  rejected regclass := '{{schema_q}}."syncspec_rejected_uploads"';
  table_name regclass;
  primary_key name;
  key_columns int2[];
BEGIN
  -- '' marks an op_id recorded before digests: a retry of it is answered "duplicate".
  IF NOT EXISTS (SELECT FROM pg_attribute
                 WHERE attrelid = applied AND attname = 'digest' AND NOT attisdropped) THEN
    ALTER TABLE {{schema_q}}."syncspec_applied_ops" ADD COLUMN "digest" text NOT NULL DEFAULT '';
    ALTER TABLE {{schema_q}}."syncspec_applied_ops" ALTER COLUMN "digest" DROP DEFAULT;
  END IF;
  -- Both tables once had no client id: '' marks what was recorded before it existed.
  FOREACH table_name IN ARRAY ARRAY[applied, rejected] LOOP
    IF NOT EXISTS (SELECT FROM pg_attribute
                   WHERE attrelid = table_name AND attname = 'client_id' AND NOT attisdropped) THEN
      EXECUTE format('ALTER TABLE %s ADD COLUMN "client_id" text NOT NULL DEFAULT %L',
                     table_name, '');
      EXECUTE format('ALTER TABLE %s ALTER COLUMN "client_id" DROP DEFAULT', table_name);
    END IF;
  END LOOP;
  -- The key was once op_id alone, which made one user's op_id refuse another's, then
  -- (user_id, op_id), which made one device's op_id refuse another's.
  SELECT conname, conkey INTO primary_key, key_columns FROM pg_constraint
  WHERE conrelid = applied AND contype = 'p';
  IF key_columns IS DISTINCT FROM ARRAY(
       SELECT attnum FROM unnest(ARRAY['user_id', 'client_id', 'op_id']) WITH ORDINALITY AS k(name, n)
       JOIN pg_attribute ON attrelid = applied AND attname = k.name ORDER BY k.n) THEN
    EXECUTE format('ALTER TABLE %s %s ADD PRIMARY KEY ("user_id", "client_id", "op_id")',
                   applied, CASE WHEN primary_key IS NULL THEN ''
                                 ELSE format('DROP CONSTRAINT %I,', primary_key) END);
  END IF;
  -- Refused transactions were once jsonb, which cannot hold \u0000: now the text as sent.
  IF (SELECT atttypid FROM pg_attribute WHERE attrelid = rejected AND attname = 'transaction')
     = 'jsonb'::regtype THEN
    ALTER TABLE {{schema_q}}."syncspec_rejected_uploads"
      ALTER COLUMN "transaction" TYPE text USING "transaction"::text;
  END IF;
END
$syncspec$;

-- "version" orders entries as they were written, which is not commit order; the sequencer
-- reads by "xid" against the snapshot it last read at, so a transaction that commits late
-- is still delivered.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_changes" (
  "version" bigserial PRIMARY KEY,
  "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
  "table_name" text NOT NULL,
  "row_id" text NOT NULL,
  "owner_id" text NOT NULL,
  "written_at" timestamptz NOT NULL DEFAULT now()
);
-- Every write to a synced table adds an entry, and nothing reads the log by owner: an
-- index on ("owner_id", "xid") made by an earlier version only slows those writes.
DROP INDEX IF EXISTS {{schema_q}}."idx_syncspec_changes_owner_id_xid";
-- The sequencer reads the entries of transactions that became visible since its last
-- snapshot: those with an xid at or above that snapshot's xmin.
CREATE INDEX IF NOT EXISTS "idx_syncspec_changes_xid" ON {{schema_q}}."syncspec_changes" ("xid");

-- A log made before pruning has no "written_at": add it in place. The default is one value
-- per statement, so PostgreSQL 11+ stores it once instead of rewriting the table, and the
-- old entries count as written now (prunable once they are as old as the cut-off). Guarded
-- by the catalogs, so running this again changes nothing and does not lock the log.
DO $syncspec$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_attribute
                 WHERE attrelid = '{{schema_q}}."syncspec_changes"'::regclass
                   AND attname = 'written_at' AND NOT attisdropped) THEN
    ALTER TABLE {{schema_q}}."syncspec_changes"
      ADD COLUMN IF NOT EXISTS "written_at" timestamptz NOT NULL DEFAULT now();
  END IF;
END
$syncspec$;

-- Written by syncspec_sync_prune_changes, read by the sequencer: the highest xid of any entry
-- ever pruned (NULL: none yet). It only rises. "one" makes it a single row.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_feed_horizon" (
  "one" boolean PRIMARY KEY DEFAULT true CHECK ("one"),
  "pruned_xid" xid8
);
INSERT INTO {{schema_q}}."syncspec_feed_horizon" ("one") VALUES (true) ON CONFLICT DO NOTHING;

-- The op log of the PowerSync protocol. "op_id" is global and grows in commit order (one
-- sequencer at a time, each committing before the next starts), so any snapshot sees a
-- prefix of it. "checksum" is a u32; MOVE and CLEAR ops carry no object. "line" is the op
-- as clients read it (JSON, the row's data in it): written once, sent to every client.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_ops" (
  "op_id" bigint PRIMARY KEY,
  "bucket" text NOT NULL,
  "op" text NOT NULL CHECK ("op" IN ('PUT', 'REMOVE', 'MOVE', 'CLEAR')),
  "object_type" text,
  "object_id" text,
  "checksum" bigint NOT NULL CHECK ("checksum" BETWEEN 0 AND 4294967295),
  "line" text NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_syncspec_ops_bucket_op_id"
  ON {{schema_q}}."syncspec_ops" ("bucket", "op_id");

-- Kept by the sequencer and compaction in the transaction that changes the bucket's ops:
-- "checksum" is the sum of its ops' checksums modulo 2^32, what a client computes.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_buckets" (
  "bucket" text PRIMARY KEY,
  "checksum" bigint NOT NULL,
  "count" bigint NOT NULL,
  "last_op_id" bigint NOT NULL
);

-- "snapshot" is NULL until the first run, which logs a PUT of every existing row.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_sequencer" (
  "one" boolean PRIMARY KEY DEFAULT true CHECK ("one"),
  "snapshot" text,
  "last_op_id" bigint NOT NULL DEFAULT 0
);
INSERT INTO {{schema_q}}."syncspec_sequencer" ("one") VALUES (true) ON CONFLICT DO NOTHING;

-- Raised after the user's writes are sequenced; every checkpoint carries the value read
-- with its buckets, so a client waiting for its upload never applies an older state.
CREATE TABLE IF NOT EXISTS {{schema_q}}."syncspec_write_checkpoints" (
  "user_id" text PRIMARY KEY,
  "write_checkpoint" bigint NOT NULL
);

-- Raised inside an upload's statements when a row belongs to another user, so the client
-- transaction stops there and is rolled back.
CREATE OR REPLACE FUNCTION {{schema_q}}."syncspec_forbidden"(table_name text, row_id text)
RETURNS boolean LANGUAGE plpgsql AS $syncspec$
BEGIN
  RAISE EXCEPTION 'row % of table % belongs to another user', row_id, table_name
    USING ERRCODE = 'SY403';
END
$syncspec$;
{{#tables}}

-- {{name}}: one statement-level trigger per operation (TRUNCATE included). An update that moves a row to
-- another owner logs it for both, so the old owner's clients receive a deletion. The
-- notification reaches listeners when the transaction commits (one per transaction).
CREATE OR REPLACE FUNCTION {{function_q}}() RETURNS trigger LANGUAGE plpgsql AS $syncspec$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO {{schema_q}}."syncspec_changes" ("table_name", "row_id", "owner_id")
    SELECT {{literal}}, n."id", n.{{owner_q}} FROM "syncspec_new" AS n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO {{schema_q}}."syncspec_changes" ("table_name", "row_id", "owner_id")
    SELECT {{literal}}, n."id", n.{{owner_q}} FROM "syncspec_new" AS n
    UNION
    SELECT {{literal}}, o."id", o.{{owner_q}} FROM "syncspec_old" AS o;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO {{schema_q}}."syncspec_changes" ("table_name", "row_id", "owner_id")
    SELECT {{literal}}, o."id", o.{{owner_q}} FROM "syncspec_old" AS o;
  ELSE -- TRUNCATE, before it runs: every row becomes a deletion
    INSERT INTO {{schema_q}}."syncspec_changes" ("table_name", "row_id", "owner_id")
    SELECT {{literal}}, t."id", t.{{owner_q}} FROM {{table_q}} AS t;
  END IF;
  PERFORM pg_notify('syncspec_changes', '');
  RETURN NULL;
END
$syncspec$;
CREATE OR REPLACE TRIGGER "syncspec_log_insert" AFTER INSERT ON {{table_q}}
  REFERENCING NEW TABLE AS "syncspec_new" FOR EACH STATEMENT EXECUTE FUNCTION {{function_q}}();
CREATE OR REPLACE TRIGGER "syncspec_log_update" AFTER UPDATE ON {{table_q}}
  REFERENCING OLD TABLE AS "syncspec_old" NEW TABLE AS "syncspec_new"
  FOR EACH STATEMENT EXECUTE FUNCTION {{function_q}}();
CREATE OR REPLACE TRIGGER "syncspec_log_delete" AFTER DELETE ON {{table_q}}
  REFERENCING OLD TABLE AS "syncspec_old" FOR EACH STATEMENT EXECUTE FUNCTION {{function_q}}();
CREATE OR REPLACE TRIGGER "syncspec_log_truncate" BEFORE TRUNCATE ON {{table_q}}
  FOR EACH STATEMENT EXECUTE FUNCTION {{function_q}}();
{{/tables}}

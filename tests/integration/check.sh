#!/usr/bin/env bash
# The drift checker on real databases built from the generated DDL: clean databases are
# aligned in every format; each drift injected alone gives exactly the expected findings
# (code, table, column) and exit 1; the repair SQL for additive drift brings the database
# back to aligned; a PowerSync-managed SQLite database reads correctly; what cannot be
# checked exits 2 with the cause; the reports' shapes hold; and the GitHub Actions example
# works as written. Every case prints ok or FAIL (never a skip: no PostgreSQL is a FAIL).
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
bin="$build/syncspec"
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
dbs=()
pgmin=
cleanup() {
  for d in "${dbs[@]}"; do psql -d postgres -qc "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  [ -n "$pgmin" ] && scripts/pg.sh stop "$pgmin" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
spec=schemas/app.yaml
"$bin" generate "$spec" -o "$work/gen" 2>/dev/null || { echo "generate failed"; exit 1; }

# Findings as sorted "code table column" lines, from the JSON report.
findings_of() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);
    console.log(r.findings.map(f=>[f.code,f.table||"-",f.column||"-"].join(" ")).sort().join("\n"))})'
}

# check NAME EXPECTED_EXIT "EXPECTED FINDINGS (sorted, ;-separated)" ARGS...
run_check() {
  local name=$1 want_rc=$2 want=$3; shift 3
  local out rc got
  out=$("$bin" check "$spec" --format json "$@" 2>"$work/stderr"); rc=$?
  if [ $rc -ne "$want_rc" ]; then fail "$name" "exit $rc, expected $want_rc: $(cat "$work/stderr") $out"; return 1; fi
  got=$(findings_of <<<"$out" | paste -sd';' -)
  if [ "$got" != "$want" ]; then fail "$name" "findings [$got], expected [$want]"; return 1; fi
  return 0
}

# ---- SQLite
base_sqlite="$work/base.db"
sqlite3 "$base_sqlite" < "$work/gen/sqlite.sql"
projects_sql() { # the projects table with one definition replaced: OLD NEW
  { sed -n '/CREATE TABLE IF NOT EXISTS "projects"/,/^);/p' "$work/gen/sqlite.sql"
    grep 'INDEX IF NOT EXISTS .* ON "projects"' "$work/gen/sqlite.sql"; } | sed "s|$1|$2|"
}
sqlite_case() { # name, want-exit, expected, drift SQL, [fix]
  local name=$1 rc=$2 want=$3 drift=$4 fix=${5:-}
  local db="$work/$name.db"
  cp "$base_sqlite" "$db"
  if ! sqlite3 "$db" "$drift" 2>"$work/err"; then fail "$name" "drift SQL: $(cat "$work/err")"; return; fi
  run_check "$name" "$rc" "$want" --sqlite "$db" --strict --fix-sql "$work/$name.fix.sql" || return
  if [ "$fix" = fix ]; then
    sqlite3 "$db" < "$work/$name.fix.sql" 2>"$work/err" || { fail "$name" "fix SQL failed: $(cat "$work/err")"; return; }
    run_check "$name (after fix)" 0 "" --sqlite "$db" --strict || return
  fi
  ok "$name"
}

t=sqlite-clean
if run_check $t 0 "" --sqlite "$base_sqlite" --strict; then
  text=$("$bin" check "$spec" --sqlite "$base_sqlite"); gh=$("$bin" check "$spec" --sqlite "$base_sqlite" --format github)
  if [ "$text" = "aligned: no drift" ] && [ -z "$gh" ]; then ok $t; else fail $t "text [$text] github [$gh]"; fi
fi
# A device database of libsyncspec's store: its queue, state and capture triggers
# (syncspec_*) are the runtime's, not drift.
t=sqlite-device-database
cp "$base_sqlite" "$work/$t.db"
if ! sqlite3 "$work/$t.db" < "$work/gen/sqlite_sync.sql" 2>"$work/err"; then fail $t "$(cat "$work/err")"
else run_check $t 0 "" --sqlite "$work/$t.db" --strict && ok $t; fi
sqlite_case sqlite-dropped-table 1 "missing-table groups -" 'DROP TABLE "groups"' fix
sqlite_case sqlite-extra-table 1 "extra-table extra -" 'CREATE TABLE extra (x TEXT)'
sqlite_case sqlite-dropped-column 1 "missing-column documents title" 'ALTER TABLE documents DROP COLUMN title' fix
sqlite_case sqlite-extra-column 1 "extra-column documents extra" 'ALTER TABLE documents ADD COLUMN extra TEXT'
sqlite_case sqlite-changed-type 1 "type-mismatch projects name" \
  "DROP TABLE projects; $(projects_sql '"name" TEXT NOT NULL' '"name" INTEGER NOT NULL')"
sqlite_case sqlite-lost-not-null 1 "nullability projects name" \
  "DROP TABLE projects; $(projects_sql '"name" TEXT NOT NULL' '"name" TEXT')"
sqlite_case sqlite-gained-not-null 1 "nullability projects deleted_at" \
  "DROP TABLE projects; $(projects_sql '"deleted_at" TEXT' '"deleted_at" TEXT NOT NULL')"
sqlite_case sqlite-lost-primary-key 1 "missing-primary-key projects id" \
  "DROP TABLE projects; $(projects_sql '"id" TEXT PRIMARY KEY NOT NULL' '"id" TEXT NOT NULL')"
sqlite_case sqlite-lost-boolean-check 1 "missing-boolean-check projects is_default" \
  "DROP TABLE projects; $(projects_sql ' CHECK ("is_default" IN (0, 1))' '')"
sqlite_case sqlite-dropped-index 1 "missing-index documents -" 'DROP INDEX idx_documents_project_id' fix
sqlite_case sqlite-changed-index 1 "index-mismatch documents -" \
  'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (title)'
sqlite_case sqlite-index-collation 1 "index-mismatch documents -" \
  'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id COLLATE NOCASE)'
sqlite_case sqlite-extra-index 1 "extra-index documents -" 'CREATE INDEX by_title ON documents (title)'
# A UNIQUE inside CREATE TABLE has an automatic index (origin "u"): reported all the same.
sqlite_case sqlite-extra-unique-constraint 1 "extra-index projects -" \
  "DROP TABLE projects; $(projects_sql '"name" TEXT NOT NULL' '"name" TEXT NOT NULL UNIQUE')"
sqlite_case sqlite-foreign-key 1 "foreign-key document_groups group_id" \
  'DROP TABLE document_groups; CREATE TABLE document_groups ("id" TEXT PRIMARY KEY NOT NULL, "document_id" TEXT NOT NULL, "group_id" TEXT NOT NULL REFERENCES groups (id), "owner_id" TEXT, "created_at" TEXT NOT NULL, "updated_at" TEXT NOT NULL); CREATE INDEX "idx_document_groups_owner_id" ON document_groups (owner_id); CREATE INDEX "idx_document_groups_group_id" ON document_groups (group_id); CREATE UNIQUE INDEX "uq_document_groups_document_id_group_id" ON document_groups (document_id, group_id)'

# A view that PowerSync does not manage (no ps_data__<table> behind it) is not the table.
sqlite_case sqlite-not-a-table 1 "not-a-table groups -" 'DROP TABLE groups; CREATE VIEW groups AS SELECT 1 AS id'
# SQLite ignores ASCII case in names: a table, column or index spelled in other case is
# the same object, and the repair of the one real drift applies to it.
sqlite_case sqlite-names-ignore-case 1 "missing-column groups color" \
  'ALTER TABLE groups RENAME TO g_tmp; ALTER TABLE g_tmp RENAME TO "Groups"; ALTER TABLE "Groups" DROP COLUMN color; ALTER TABLE documents RENAME COLUMN title TO "Title"; DROP INDEX idx_documents_project_id; CREATE INDEX "IDX_Documents_Project_ID" ON documents ("PROJECT_ID")' fix

# A PowerSync-managed database, laid out as PowerSync's core extension lays out the
# generated client schema (app_powersync.json): every table is a view over ps_data__<t>
# (JSON rows), or ps_data_local__<t> for local-only tables, casting each column, with
# INSTEAD OF triggers and indexes ps_data__<t>__<index> over the same casts.
powersync_db() { # file, [column to leave out of documents]
  local sql
  sql=$(SKIP=${2:-} node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const out = ["CREATE TABLE ps_crud (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT, tx_id INTEGER);"];
    const cast = (c) => `CAST(json_extract(data, '\''$.${c.name}'\'') as ${c.type})`;
    for (const t of s.tables) {
      const store = (t.local_only ? "ps_data_local__" : "ps_data__") + t.name;
      const cols = t.columns.filter((c) => !(t.name === "documents" && c.name === process.env.SKIP));
      out.push(`CREATE TABLE "${store}" (id TEXT PRIMARY KEY NOT NULL, data TEXT);`,
        `CREATE VIEW "${t.name}"("id"${cols.map((c) => `, "${c.name}"`).join("")}) AS SELECT id${cols.map((c) => ", " + cast(c)).join("")} FROM "${store}";`);
      for (const op of ["INSERT", "UPDATE", "DELETE"])
        out.push(`CREATE TRIGGER "ps_view_${op.toLowerCase()}_${t.name}" INSTEAD OF ${op} ON "${t.name}" FOR EACH ROW BEGIN SELECT 1; END;`);
      for (const x of t.indexes)
        out.push(`CREATE INDEX "${store}__${x.name}" ON "${store}"(${x.columns.map(cast).join(", ")});`);
    }
    console.log(out.join("\n"))' "$work/gen/app_powersync.json")
  sqlite3 "$1" "$sql"
}
t=sqlite-powersync-views
powersync_db "$work/ps.db"
run_check $t 0 "" --sqlite "$work/ps.db" --strict && ok $t
t=sqlite-powersync-views-missing-column
powersync_db "$work/ps2.db" title
run_check $t 1 "missing-column documents title" --sqlite "$work/ps2.db" && ok $t
# The store behind a view says whether PowerSync syncs the table: synced in the spec but
# kept in ps_data_local__<t>, or local-only in the spec but kept in ps_data__<t>.
ps_move() { # file, table, from-store, to-store (the view, its triggers and the indexes too)
  local objects drops
  objects=$(sqlite3 "$1" "SELECT sql || ';' FROM sqlite_schema WHERE tbl_name IN ('$2', '$3$2')
    AND type IN ('view', 'trigger', 'index') AND sql IS NOT NULL ORDER BY type = 'view' DESC")
  drops=$(sqlite3 "$1" "SELECT 'DROP INDEX \"' || name || '\";' FROM sqlite_schema
    WHERE type = 'index' AND tbl_name = '$3$2' AND sql IS NOT NULL")
  sqlite3 "$1" "DROP VIEW \"$2\"; $drops ALTER TABLE \"$3$2\" RENAME TO \"$4$2\"; ${objects//$3$2/$4$2}"
}
t=sqlite-powersync-local-only-mismatch
powersync_db "$work/ps3.db"
ps_move "$work/ps3.db" documents ps_data__ ps_data_local__
ps_move "$work/ps3.db" preferences ps_data_local__ ps_data__
run_check $t 1 "local-only-mismatch documents -;local-only-mismatch preferences -" --sqlite "$work/ps3.db" && ok $t

# ---- PostgreSQL: each case in its own database, cloned from one built from postgres.sql.
base=check_base_$$
psql -d postgres -qc "CREATE DATABASE $base" && dbs+=("$base")
psql -d "$base" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/gen/postgres.sql" >/dev/null
n=0
pg_case() { # name, want-exit, expected, drift SQL, [fix]
  local name=$1 rc=$2 want=$3 drift=$4 fix=${5:-}
  local db="check_${$}_$((n++))"
  psql -d postgres -qc "CREATE DATABASE $db TEMPLATE $base" >/dev/null && dbs+=("$db")
  if ! psql -d "$db" -q -v ON_ERROR_STOP=1 -c "$drift" >/dev/null 2>"$work/err"; then fail "$name" "drift SQL: $(cat "$work/err")"; return; fi
  run_check "$name" "$rc" "$want" --postgres "dbname=$db" ${strict---strict} --fix-sql "$work/$name.fix.sql" || return
  if [ "$fix" = fix ]; then
    psql -d "$db" -q -v ON_ERROR_STOP=1 -f "$work/$name.fix.sql" >/dev/null 2>"$work/err" ||
      { fail "$name" "fix SQL failed: $(cat "$work/err")"; return; }
    run_check "$name (after fix)" 0 "" --postgres "dbname=$db" --strict || return
  fi
  ok "$name"
}
t=postgres-clean
run_check $t 0 "" --postgres "dbname=$base" --strict && ok $t
pg_case postgres-dropped-table 1 "missing-table groups -;publication-table-missing groups -" 'DROP TABLE groups' fix
pg_case postgres-dropped-column 1 "missing-column documents title" 'ALTER TABLE documents DROP COLUMN title' fix
pg_case postgres-extra-column 1 "extra-column documents extra" 'ALTER TABLE documents ADD COLUMN extra text'
pg_case postgres-changed-type 1 "type-mismatch documents title" 'ALTER TABLE documents ALTER COLUMN title TYPE varchar(50)'
# The type the spec says, once when PostgreSQL calls it by the spec's own name.
t=type-message-says-the-type-once
out=$("$bin" check "$spec" --postgres "dbname=check_${$}_$((n - 1))" --format json)
grep -q '"message": "column documents.title is character varying(50), the spec says text",' <<<"$out" && ok $t || fail $t "$out"
pg_case postgres-owner-nullable 1 "owner-nullable documents owner_id" 'ALTER TABLE documents ALTER COLUMN owner_id DROP NOT NULL' fix
pg_case postgres-lost-not-null 1 "nullability documents content" 'ALTER TABLE documents ALTER COLUMN content DROP NOT NULL' fix
pg_case postgres-gained-not-null 1 "nullability documents title" "UPDATE documents SET title = ''; ALTER TABLE documents ALTER COLUMN title SET NOT NULL" fix
pg_case postgres-lost-primary-key 1 "missing-primary-key projects id" 'ALTER TABLE projects DROP CONSTRAINT projects_pkey' fix
pg_case postgres-dropped-index 1 "missing-index documents -" 'DROP INDEX idx_documents_project_id' fix
pg_case postgres-changed-index 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (title)'
pg_case postgres-extra-index 1 "extra-index documents -" 'CREATE INDEX by_title ON documents (title)'
# The repair file names the index an index finding is about.
t=fix-sql-names-the-index
if grep -qx -- '-- missing-index idx_documents_project_id on documents' "$work/postgres-dropped-index.fix.sql" &&
   grep -qx -- '-- index-mismatch idx_documents_project_id on documents' "$work/postgres-changed-index.fix.sql" &&
   grep -qx -- '-- extra-index by_title on documents' "$work/postgres-extra-index.fix.sql"; then ok $t
else fail $t "$(cat "$work/postgres-dropped-index.fix.sql" "$work/postgres-changed-index.fix.sql" "$work/postgres-extra-index.fix.sql")"; fi
pg_case postgres-dropped-check 1 "missing-check projects name" 'ALTER TABLE projects DROP CONSTRAINT ck_projects_name_length' fix
pg_case postgres-dropped-id-check 1 "missing-check documents id" 'ALTER TABLE documents DROP CONSTRAINT ck_documents_id_format' fix
# An extra unique constraint: its commented repair drops the constraint (PostgreSQL
# refuses DROP INDEX on a constraint's index), and once uncommented it applies.
pg_case postgres-extra-unique-constraint 1 "extra-index documents -" 'ALTER TABLE documents ADD CONSTRAINT uq_title UNIQUE (title)'
t=postgres-extra-unique-constraint-repair
db="check_${$}_$((n - 1))"
stmt=$(sed -n 's/^-- not applied: //p' "$work/postgres-extra-unique-constraint.fix.sql")
if [ "$stmt" != 'ALTER TABLE "public"."documents" DROP CONSTRAINT "uq_title";' ]; then
  fail $t "repair [$stmt]"
elif ! psql -d "$db" -q -v ON_ERROR_STOP=1 -c "$stmt" 2>"$work/err"; then
  fail $t "repair failed: $(cat "$work/err")"
else
  run_check $t 0 "" --postgres "dbname=$db" --strict && ok $t
fi
pg_case postgres-extra-check 1 "extra-check documents title" "ALTER TABLE documents ADD CONSTRAINT title_short CHECK (char_length(title) < 10)"
# A generated CHECK recreated under its own name with another definition.
pg_case postgres-changed-check 1 "check-mismatch projects name" \
  'ALTER TABLE projects DROP CONSTRAINT ck_projects_name_length, ADD CONSTRAINT ck_projects_name_length CHECK (char_length(name) <= 5)' fix
pg_case postgres-changed-id-check 1 "check-mismatch documents id" \
  "ALTER TABLE documents DROP CONSTRAINT ck_documents_id_format, ADD CONSTRAINT ck_documents_id_format CHECK (id ~ '^[0-9a-f-]+\$')" fix
# Added NOT VALID, as on a large table: the repair validates it.
pg_case postgres-check-not-valid 1 "check-not-valid projects name" \
  'ALTER TABLE projects DROP CONSTRAINT ck_projects_name_length, ADD CONSTRAINT ck_projects_name_length CHECK (char_length(name) <= 200) NOT VALID' fix
pg_case postgres-index-desc 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id DESC)'
pg_case postgres-index-partial 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id) WHERE deleted_at IS NULL'
pg_case postgres-index-nulls-first 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id NULLS FIRST)'
pg_case postgres-index-collation 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id COLLATE "C")'
pg_case postgres-index-operator-class 1 "index-mismatch documents -" 'DROP INDEX idx_documents_project_id; CREATE INDEX idx_documents_project_id ON documents (project_id text_pattern_ops)'
pg_case postgres-index-lost-unique 1 "index-mismatch document_versions -" 'DROP INDEX uq_document_versions_document_id_version; CREATE INDEX uq_document_versions_document_id_version ON document_versions (document_id, version)'
# A unique key over the spec's columns alone, as postgres.sql made it before unique keys
# held per owner: the repair replaces it (it can only accept more rows).
pg_case postgres-unique-across-owners 1 "index-mismatch document_versions -" \
  'DROP INDEX uq_document_versions_document_id_version; CREATE UNIQUE INDEX uq_document_versions_document_id_version ON document_versions (document_id, version)' fix
pg_case postgres-composite-primary-key 1 "missing-primary-key projects id" 'ALTER TABLE projects DROP CONSTRAINT projects_pkey, ADD PRIMARY KEY (id, owner_id)'
# Without --strict: a nullable server-only column is a warning (exit 0), a NOT NULL one
# without a default breaks every insert of a spec row (an error, exit 1).
strict= pg_case postgres-extra-column-warning-only 0 "extra-column documents note" 'ALTER TABLE documents ADD COLUMN note text'
strict= pg_case postgres-extra-column-not-null 1 "extra-column documents tenant" 'ALTER TABLE documents ADD COLUMN tenant text NOT NULL'
strict= pg_case postgres-extra-column-not-null-default 0 "extra-column documents tenant" "ALTER TABLE documents ADD COLUMN tenant text NOT NULL DEFAULT 'x'"
# A view named after a synced table: CREATE TABLE IF NOT EXISTS would skip it and it
# cannot be published, so it is reported as what it is.
pg_case postgres-view-not-a-table 1 "not-a-table groups -" 'DROP TABLE groups; CREATE VIEW groups AS SELECT 1 AS id'
pg_case postgres-matview-not-a-table 1 "not-a-table group_hierarchy -" \
  'DROP TABLE group_hierarchy; CREATE MATERIALIZED VIEW group_hierarchy AS SELECT 1 AS id'
pg_case postgres-foreign-key 1 "foreign-key document_groups group_id" 'ALTER TABLE document_groups ADD CONSTRAINT fk_group FOREIGN KEY (group_id) REFERENCES groups (id)'
pg_case postgres-table-left-publication 1 "publication-table-missing groups -" 'ALTER PUBLICATION powersync DROP TABLE groups' fix
pg_case postgres-publication-dropped 1 "publication-missing - -" 'DROP PUBLICATION powersync' fix
t=fix-sql-heading-without-table
grep -qx -- '-- publication-missing' "$work/postgres-publication-dropped.fix.sql" && ok $t ||
  fail $t "$(cat "$work/postgres-publication-dropped.fix.sql")"
pg_case postgres-publication-operation 1 "publication-operation - -" "ALTER PUBLICATION powersync SET (publish = 'insert, update')" fix
pg_case postgres-publication-via-root 1 "publication-via-root - -" 'ALTER PUBLICATION powersync SET (publish_via_partition_root = true)' fix
pg_case postgres-publication-extra-table 1 "publication-extra-table audit -" 'CREATE TABLE audit (id bigint PRIMARY KEY); ALTER PUBLICATION powersync ADD TABLE audit'
pg_case postgres-publication-other-schema 1 "publication-extra-table other.groups -" \
  'CREATE SCHEMA other; CREATE TABLE other.groups (id text PRIMARY KEY); ALTER PUBLICATION powersync ADD TABLE other.groups'
pg_case postgres-publication-all-tables 1 "publication-all-tables - -" 'DROP PUBLICATION powersync; CREATE PUBLICATION powersync FOR ALL TABLES'
pg_case postgres-publication-column-list 1 "publication-columns documents -" \
  'ALTER PUBLICATION powersync SET TABLE projects, documents (id, owner_id), document_versions, groups, group_hierarchy, document_groups' fix
pg_case postgres-publication-row-filter 1 "publication-row-filter documents -" \
  "ALTER PUBLICATION powersync SET TABLE projects, documents WHERE (title = 'x'), document_versions, groups, group_hierarchy, document_groups" fix
pg_case postgres-replica-identity-nothing 1 "replica-identity-nothing projects -" 'ALTER TABLE projects REPLICA IDENTITY NOTHING' fix
pg_case postgres-unlogged-table 1 "publication-table-missing groups -;unlogged-table groups -" \
  'ALTER PUBLICATION powersync DROP TABLE groups; ALTER TABLE groups SET UNLOGGED' fix
pg_case postgres-row-level-security 1 "row-level-security projects -" 'ALTER TABLE projects ENABLE ROW LEVEL SECURITY'
pg_case postgres-local-only-table 1 "local-only-in-postgres preferences -" 'CREATE TABLE preferences (id text PRIMARY KEY)'
pg_case postgres-local-only-published 1 "local-only-in-postgres preferences -;publication-local-only preferences -" \
  'CREATE TABLE preferences (id text PRIMARY KEY); ALTER PUBLICATION powersync ADD TABLE preferences'
# The publication repair of a published local-only table takes it out; the table itself
# stays (dropping it is left to the user), so only that warning remains.
t=postgres-local-only-published-repair
db="check_${$}_$((n - 1))"
if ! psql -d "$db" -q -v ON_ERROR_STOP=1 -f "$work/postgres-local-only-published.fix.sql" >/dev/null 2>"$work/err"; then
  fail $t "fix SQL failed: $(cat "$work/err")"
else
  run_check $t 0 "local-only-in-postgres preferences -" --postgres "dbname=$db" && ok $t
fi

# The edge spec's CHECKs (keywords as names, negative, real and large bounds, enums of
# text, integer and real) read back from PostgreSQL exactly as the checker expects them;
# one of them changed is found and repaired.
espec=tests/golden/edge/spec.yaml
"$bin" generate "$espec" -o "$work/gen-edge" --only postgres >/dev/null 2>&1
edge=check_${$}_edge
psql -d postgres -qc "CREATE DATABASE $edge" >/dev/null && dbs+=("$edge")
psql -d "$edge" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/gen-edge/postgres.sql" >/dev/null
t=postgres-edge-clean
spec=$espec run_check $t 0 "" --postgres "dbname=$edge" --strict && ok $t
t=postgres-edge-changed-check
psql -d "$edge" -q -c "ALTER TABLE \"order\" DROP CONSTRAINT ck_order_total_min, ADD CONSTRAINT ck_order_total_min CHECK (total >= -2.5)"
if spec=$espec run_check $t 1 "check-mismatch order total" --postgres "dbname=$edge" --fix-sql "$work/$t.fix.sql"; then
  if psql -d "$edge" -q -v ON_ERROR_STOP=1 -f "$work/$t.fix.sql" >/dev/null 2>"$work/err"; then
    spec=$espec run_check "$t (after fix)" 0 "" --postgres "dbname=$edge" --strict && ok $t
  else
    fail $t "fix SQL failed: $(cat "$work/err")"
  fi
fi

# An inactive replication slot, with max_slot_wal_keep_size at its default (-1). Slots
# belong to the cluster, so this one lives only for its own check.
t=postgres-inactive-slot
psql -d postgres -qAtc "SELECT pg_create_physical_replication_slot('syncspec_check_idle_$$')" >/dev/null
run_check $t 1 "inactive-slot - -" --postgres "dbname=$base" --strict && ok $t
psql -d postgres -qAtc "SELECT pg_drop_replication_slot('syncspec_check_idle_$$')" >/dev/null

# A second cluster that cannot serve logical replication: wal_level minimal, no WAL
# senders, no replication slots (these settings need a restart, so a cluster of its own).
t=postgres-not-ready-for-replication
pgmin=/tmp/syncspec-check-minimal-$$
if ! env=$(SYNCSPEC_PG_OPTIONS="-c wal_level=minimal -c max_wal_senders=0 -c max_replication_slots=0" \
           scripts/pg.sh start "$pgmin" 2>"$work/err"); then
  fail $t "cannot start a cluster: $(cat "$work/err")"
else
  port=$(sed -n 's/.*PGPORT=\([0-9]*\).*/\1/p' <<<"$env")
  minimal="host=127.0.0.1 port=$port user=postgres dbname=syncspec_test"
  if ! psql -d "$minimal" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = error' -f "$work/gen/postgres.sql" >/dev/null 2>"$work/err"; then
    fail $t "postgres.sql: $(cat "$work/err")"
  else
    # Each finding gets a line in the repair file: these settings need a restart.
    if run_check $t 1 "replication-slots - -;wal-level - -;wal-senders - -" --postgres "$minimal" --fix-sql "$work/$t.fix.sql"; then
      missing=
      for setting in wal_level max_replication_slots max_wal_senders; do
        grep -q "^-- needs a restart, not applied: ALTER SYSTEM SET $setting = " "$work/$t.fix.sql" || missing+=" $setting"
      done
      [ -z "$missing" ] && ok $t || fail $t "no repair for$missing: $(cat "$work/$t.fix.sql")"
    fi
  fi
fi
scripts/pg.sh stop "$pgmin" >/dev/null 2>&1; pgmin=

# ---- Sync rules
rules="$work/gen/sync_rules.yaml"
rules_case() { # name, expected, sed expression
  local name=$1 want=$2
  sed "$3" "$rules" > "$work/$name.yaml"
  if cmp -s "$rules" "$work/$name.yaml"; then fail "$name" "the edit changed nothing"; return; fi
  run_check "$name" 1 "$want" --sync-rules "$work/$name.yaml" && ok "$name"
}
t=sync-rules-clean
run_check $t 0 "" --sync-rules "$rules" --strict && ok $t
rules_case sync-rules-missing-table "sync-rules-missing-table documents -" '/FROM "documents"/d'
rules_case sync-rules-owner-filter "sync-rules-owner-filter groups -" '/FROM "groups"/s/"owner_id" = bucket.user_id/"device_id" = bucket.user_id/'
rules_case sync-rules-missing-column "sync-rules-columns documents title" '/FROM "documents"/s/"title", //'
rules_case sync-rules-select-star "sync-rules-select-star projects -" '/FROM "projects"/s/SELECT .* FROM/SELECT * FROM/'
rules_case sync-rules-extra-table "sync-rules-extra-table users -" '$a\      - SELECT id FROM users WHERE owner_id = bucket.user_id'
rules_case sync-rules-local-only "sync-rules-local-only preferences -" '$a\      - SELECT id, key, value FROM preferences WHERE owner_id = bucket.user_id'

# FROM other.groups is not the spec's groups (public).
rules_case sync-rules-other-schema "sync-rules-extra-table other.groups -;sync-rules-missing-table groups -" \
  's/FROM "groups"/FROM other."groups"/'
# A cast has no name of its own (PowerSync's compiler: "alias is required"), so sort_order
# is missing; with an alias, bare or after AS, it is the column again.
rules_case sync-rules-cast-without-alias "sync-rules-columns groups -;sync-rules-columns groups sort_order" \
  's/"sort_order", /"sort_order"::text, /'
for alias in '"sort_order"::text sort_order' '"sort_order"::text AS "sort_order"'; do
  t="sync-rules-cast-alias ($alias)"
  sed "s/\"sort_order\", /$alias, /" "$rules" > "$work/cast-alias.yaml"
  if cmp -s "$rules" "$work/cast-alias.yaml"; then fail "$t" "the edit changed nothing"; else
    run_check "$t" 0 "" --sync-rules "$work/cast-alias.yaml" --strict && ok "$t"
  fi
done
rules_case sync-rules-parameters "sync-rules-parameters - -" 's/parameters: SELECT request.user_id() as user_id/parameters: SELECT 1 as user_id/'
# The same table twice: a correct query, then one without a filter.
rules_case sync-rules-second-query-leaks "sync-rules-owner-filter documents -" '/FROM "documents"/{p;s/ WHERE "owner_id" = bucket.user_id'"'"'$/'"'"'/}'
# Streams (edition 3), with the spec that asks for them.
sspec=tests/golden/streams/spec.yaml
"$bin" generate "$sspec" -o "$work/gen-streams" --only sync-rules 2>/dev/null
srules="$work/gen-streams/sync_rules.yaml"
streams_case() { # name, want-exit, expected, sed expression
  local name=$1
  sed "$4" "$srules" > "$work/$name.yaml"
  if cmp -s "$srules" "$work/$name.yaml"; then fail "$name" "the edit changed nothing"; return; fi
  spec=$sspec run_check "$name" "$2" "$3" --sync-rules "$work/$name.yaml" --strict && ok "$name"
}
t=sync-rules-streams-clean
spec=$sspec run_check $t 0 "" --sync-rules "$srules" --strict && ok $t
streams_case sync-rules-streams-owner-filter 1 "sync-rules-owner-filter order -" '/FROM "order"/s/"user_id" = auth.user_id()/"parent" = auth.user_id()/'
streams_case sync-rules-streams-auto-subscribe 1 "sync-rules-auto-subscribe - -" '0,/auto_subscribe: true/s//auto_subscribe: false/'
streams_case sync-rules-streams-missing-table 1 "sync-rules-missing-table order -" '/^  order:/,/query:/d'
streams_case sync-rules-streams-missing-column 1 "sync-rules-columns order note" '/FROM "order"/s/"note", //'
# The app spec's queries as streams: the spec asks for bucket_definitions.
t=sync-rules-format
{ echo "config:"; echo "  edition: 3"; echo "streams:"
  sed -n "s/^      - '\(SELECT .* FROM \"\([a-z_]*\)\" WHERE .*\) = bucket.user_id'\$/  \2:\n    auto_subscribe: true\n    query: '\1 = auth.user_id()'/p" "$rules"
} > "$work/$t.yaml"
run_check $t 1 "sync-rules-format - -" --sync-rules "$work/$t.yaml" --strict && ok $t
# ---- Generated files
cp -r "$work/gen" "$work/gen-stale"; echo "-- edited" >> "$work/gen-stale/sqlite.sql"
t=generated-stale
if run_check $t 1 "generated-stale - -" --generated "$work/gen-stale"; then
  out=$("$bin" check "$spec" --generated "$work/gen-stale")
  [ "$(head -1 <<<"$out")" = "(generated files)" ] && ok $t || fail $t "heading: $out"
fi
cp -r "$work/gen" "$work/gen-missing"; rm "$work/gen-missing/sync_rules.yaml"
t=generated-missing
run_check $t 1 "generated-missing - -" --generated "$work/gen-missing" && ok $t
t=generated-clean
run_check $t 0 "" --generated "$work/gen" --strict && ok $t
# The spec under another path, even an absolute one: the same files (banners name the
# spec's base name only).
t=generated-other-spec-path
spec=./$spec run_check $t 0 "" --generated "$work/gen" --strict &&
  spec=$PWD/$spec run_check $t 0 "" --generated "$work/gen" --strict && ok $t
# A renamed spec: the finding names both names instead of "stale", for every file whose
# banner names the spec (JSON has no comments, so the PowerSync schema JSON names none and
# stays the same).
t=generated-renamed-spec
cp "$spec" "$work/renamed.yaml"
out=$("$bin" check "$work/renamed.yaml" --generated "$work/gen" --format json)
n=$(grep -l "Generated by syncspec from app.yaml" "$work/gen"/* | wc -l)
if [ "$(grep -c '"message": ".* was generated from a spec named app.yaml, this check was given .*/renamed.yaml' <<<"$out")" = "$n" ] &&
   [ "$(grep -c '"code": "generated-stale"' <<<"$out")" = "$n" ]; then ok $t; else fail $t "$out"; fi

# ---- Could not check: exit 2, the cause named, nothing created.
cannot() { # name, expected message, args
  local name=$1 want=$2; shift 2
  "$bin" check "$spec" "$@" >/dev/null 2>"$work/err"; local rc=$?
  if [ $rc -ne 2 ]; then fail "$name" "exit $rc"; elif ! grep -q "$want" "$work/err"; then fail "$name" "$(cat "$work/err")"; else ok "$name"; fi
}
cannot unreachable-postgres "cannot connect to PostgreSQL" --postgres "host=127.0.0.1 port=1 connect_timeout=3"
cannot missing-sqlite-file "cannot open SQLite database" --sqlite "$work/nope.db"
[ -e "$work/nope.db" ] && fail missing-sqlite-file-not-created "the checker created it"
printf 'bucket_definitions:\n  user_data: [\n' > "$work/broken.yaml"
cannot malformed-sync-rules "malformed sync rules" --sync-rules "$work/broken.yaml"
echo 'just: text' > "$work/notrules.yaml"
cannot not-sync-rules "not a sync rules file" --sync-rules "$work/notrules.yaml"
cannot no-target "nothing to check"
echo 'not a database, only text' > "$work/text.db"
cannot not-a-database "file is not a database" --sqlite "$work/text.db"
cannot missing-sync-rules "cannot read sync rules" --sync-rules "$work/nope.yaml"
cannot missing-generated-folder "cannot read generated folder" --generated "$work/nope"
cannot unknown-format "unknown format" --sqlite "$base_sqlite" --format xml
cannot fix-sql-unwritable "cannot write" --sqlite "$base_sqlite" --fix-sql "$work/nope/fix.sql"
cp "$spec" "$work/bad-spec.yaml"; echo "  oops: { columns: { x: txt } }" >> "$work/bad-spec.yaml"
"$bin" check "$work/bad-spec.yaml" --sqlite "$base_sqlite" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok invalid-spec-exits-2 || fail invalid-spec-exits-2 "exit $rc"

# GitHub annotations point at the spec line of the table or column.
t=github-annotation
db="$work/gh.db"; cp "$base_sqlite" "$db"; sqlite3 "$db" 'ALTER TABLE documents DROP COLUMN title'
line=$(grep -n '^      title:' "$spec" | cut -d: -f1)
out=$("$bin" check "$spec" --sqlite "$db" --format github)
grep -q "^::error file=$spec,line=$line,title=missing-column::sqlite: column documents.title is missing" <<<"$out" && ok $t || fail $t "$out"

# Every target at once, clean, in every format: nothing printed but the verdict.
t=all-targets-clean
all=(--sqlite "$base_sqlite" --postgres "dbname=$base" --sync-rules "$rules" --generated "$work/gen" --strict)
if run_check $t 0 "" "${all[@]}"; then
  text=$("$bin" check "$spec" "${all[@]}" 2>&1); rc_text=$?
  gh=$("$bin" check "$spec" "${all[@]}" --format github 2>&1); rc_gh=$?
  json=$("$bin" check "$spec" "${all[@]}" --format json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    const r=JSON.parse(s); console.log(r.aligned, r.findings.length, r.summary.errors, r.summary.warnings)})')
  if [ "$text" = "aligned: no drift" ] && [ $rc_text -eq 0 ] && [ -z "$gh" ] && [ $rc_gh -eq 0 ] &&
     [ "$json" = "true 0 0 0" ]; then ok $t; else fail $t "text [$text] github [$gh] json [$json]"; fi
fi

# The text report groups findings under their table, in colour only on a terminal and
# never with NO_COLOR set.
db="$work/text-report.db"; cp "$base_sqlite" "$db"
sqlite3 "$db" 'ALTER TABLE documents DROP COLUMN title; ALTER TABLE projects DROP COLUMN deleted_at; DROP INDEX idx_documents_deleted_at'
t=text-grouped-by-table
out=$("$bin" check "$spec" --sqlite "$db")
if [ "$(grep -c '^documents$' <<<"$out")" = 1 ] && [ "$(grep -c '^projects$' <<<"$out")" = 1 ] &&
   [ "$(grep -c '^  error\[' <<<"$out")" = 3 ] && grep -q '^3 errors, 0 warnings$' <<<"$out" &&
   ! grep -q $'\e' <<<"$out"; then ok $t; else fail $t "$out"; fi
t=text-colour-on-terminal
out=$(script -qec "env -u NO_COLOR '$bin' check '$spec' --sqlite '$db'" /dev/null)
if grep -q $'\e\[31m' <<<"$out"; then ok $t; else fail $t "no colour on a terminal: $out"; fi
t=text-no-color
out=$(script -qec "NO_COLOR=1 '$bin' check '$spec' --sqlite '$db'" /dev/null)
if grep -q $'\e' <<<"$out"; then fail $t "colour despite NO_COLOR"; else ok $t; fi
t=fix-sql-to-stdout
out=$("$bin" check "$spec" --sqlite "$db" --fix-sql -)
if grep -q '^ALTER TABLE "documents" ADD COLUMN "title" TEXT;$' <<<"$out" &&
   grep -q '^CREATE INDEX IF NOT EXISTS "idx_documents_deleted_at"' <<<"$out"; then ok $t; else fail $t "$out"; fi

# The GitHub Actions example, its own steps as written: migrate a fresh database, then the
# drift check is silent; after a drift it fails with an annotation on the spec line.
# (Installing syncspec and restarting the service container are GitHub's part.)
t=github-actions-example
example_step() { # step name → its run command
  python3 -c 'import sys, yaml
for s in yaml.safe_load(open(sys.argv[1]))["jobs"]["drift"]["steps"]:
    if s.get("name") == sys.argv[2]: print(s["run"])' examples/github-actions/syncspec.yml "$1"
}
ex_db=check_${$}_example
psql -d postgres -qc "CREATE DATABASE $ex_db" >/dev/null && dbs+=("$ex_db")
migrate=$(example_step "Migrate a scratch database"); drift=$(example_step "Drift check")
if [ -z "$migrate" ] || [ -z "$drift" ]; then
  fail $t "steps not found in examples/github-actions/syncspec.yml"
elif ! DATABASE_URL="dbname=$ex_db" bash -c "$migrate" >/dev/null 2>"$work/err"; then
  fail $t "migration step: $(cat "$work/err")"
else
  out=$(DATABASE_URL="dbname=$ex_db" PATH="$build:$PATH" bash -c "$drift" 2>&1); rc=$?
  psql -d "$ex_db" -qc 'ALTER TABLE documents DROP COLUMN title'
  out2=$(DATABASE_URL="dbname=$ex_db" PATH="$build:$PATH" bash -c "$drift" 2>&1); rc2=$?
  line=$(grep -n '^      title:' "$spec" | cut -d: -f1)
  if [ $rc -eq 0 ] && [ -z "$out" ] && [ $rc2 -eq 1 ] &&
     grep -q "^::error file=schemas/app.yaml,line=$line,title=missing-column::" <<<"$out2"; then
    ok $t
  else
    fail $t "clean: exit $rc [$out]; drifted: exit $rc2 [$out2]"
  fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

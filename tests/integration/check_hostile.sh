#!/usr/bin/env bash
# Repair SQL for a hostile spec (check_hostile.yaml: SQL in defaults, enum values and
# descriptions). For each drift, the script `check --fix-sql` writes runs under
# `sqlite3 -bail` or `psql -v ON_ERROR_STOP=1 -1`; afterwards the database matches the
# spec again and nothing else changed: the table "victim", beside it, keeps its rows (and
# its place in the publication, which the report names but leaves alone).
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
bin="$build/syncspec"
cd "$(dirname "$0")/../.."
spec=tests/integration/check_hostile.yaml
work=$(mktemp -d)
dbs=()
cleanup() {
  for d in "${dbs[@]}"; do psql -d postgres -qc "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
"$bin" generate "$spec" -o "$work/gen" --only sqlite --only postgres >/dev/null 2>&1 || { echo "generate failed"; exit 1; }
victim_sql="CREATE TABLE victim (id integer PRIMARY KEY, v text);
INSERT INTO victim VALUES (1, 'one'), (2, 'two -- x'), (3, 'it''s');"
victim_rows='1|one;2|two -- x;3|it'"'"'s'

# Findings as sorted "code table column", ;-separated, from the JSON report.
findings_of() {
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);
    console.log(r.findings.map(f=>[f.code,f.table||"-",f.column||"-"].join(" ")).sort().join(";"))})'
}

# case NAME TARGET-ARGS WANT-BEFORE WANT-AFTER APPLY VICTIM-QUERY
# The drift was made; its findings must be WANT-BEFORE, the repair must apply, and then
# the findings must be WANT-AFTER and the victim's rows as they were.
repair_case() {
  local name=$1 target=$2 before=$3 after=$4 apply=$5 rows=$6 got
  got=$("$bin" check "$spec" --format json $target --fix-sql "$work/$name.sql" 2>"$work/err" | findings_of)
  if [ "$got" != "$before" ]; then fail "$name" "findings [$got], expected [$before] $(cat "$work/err")"; return; fi
  if ! $apply "$work/$name.sql" >/dev/null 2>"$work/err"; then
    fail "$name" "the repair script failed: $(cat "$work/err")"; return
  fi
  got=$("$bin" check "$spec" --format json $target 2>"$work/err" | findings_of)
  if [ "$got" != "$after" ]; then fail "$name" "after repair: findings [$got], expected [$after]"; return; fi
  got=$($rows | paste -sd';' -)
  if [ "$got" != "$victim_rows" ]; then fail "$name" "victim rows [$got]"; return; fi
  ok "$name"
}

# ---- SQLite
base="$work/base.db"
sqlite3 -bail "$base" < "$work/gen/sqlite.sql" && sqlite3 -bail "$base" "$victim_sql" || exit 1
db=
sqlite_apply() { sqlite3 -bail "$db" < "$1"; }
sqlite_rows() { sqlite3 "$db" 'SELECT id, v FROM victim ORDER BY id'; }
sqlite_case() { # name, drift SQL, expected findings
  db="$work/$1.db"; cp "$base" "$db"
  if ! sqlite3 -bail "$db" "$2" 2>"$work/err"; then fail "$1" "drift SQL: $(cat "$work/err")"; return; fi
  repair_case "$1" "--sqlite $db" "$3" "extra-table victim -" sqlite_apply sqlite_rows
}
sqlite_case sqlite-hostile-missing-table 'DROP TABLE notes' "extra-table victim -;missing-table notes -"
declared=(cut drop sep cr blk con quote back meta size title flag)
drop_columns=; want=
for c in "${declared[@]}"; do drop_columns+="ALTER TABLE notes DROP COLUMN \"$c\"; "; want+="missing-column notes $c;"; done
sqlite_case sqlite-hostile-missing-columns "DROP INDEX idx_notes_title; DROP INDEX uq_notes_cut_drop; $drop_columns" \
  "$(tr ';' '\n' <<<"${want}extra-table victim -;missing-index notes -;missing-index notes -" | sort | paste -sd';' -)"
# A name read from the database, with a line break and a statement after it: the repair
# file's comments keep it all commented out.
sqlite_name=$'x\nDROP TABLE victim; --'
db="$work/sqlite-hostile-names.db"; cp "$base" "$db"
sqlite3 -bail "$db" "CREATE TABLE \"$sqlite_name\" (a)"
repair_case sqlite-hostile-names "--sqlite $db" "extra-table victim -;extra-table $sqlite_name -" \
  "extra-table victim -;extra-table $sqlite_name -" sqlite_apply sqlite_rows

# ---- PostgreSQL: each case in its own database, cloned from one built from postgres.sql.
pgbase=check_hostile_$$
psql -d postgres -qc "CREATE DATABASE $pgbase" && dbs+=("$pgbase")
psql -d "$pgbase" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/gen/postgres.sql" -c "$victim_sql" >/dev/null || exit 1
pg_apply() { psql -d "$db" -q -v ON_ERROR_STOP=1 -1 -c 'SET client_min_messages = warning' -f "$1"; }
pg_rows() { psql -d "$db" -qAt -c 'SELECT id, v FROM victim ORDER BY id'; }
n=0
pg_case() { # name, drift SQL, expected findings, [findings after the repair]
  db="check_hostile_${$}_$((n++))"
  psql -d postgres -qc "CREATE DATABASE $db TEMPLATE $pgbase" >/dev/null && dbs+=("$db")
  if ! psql -d "$db" -q -v ON_ERROR_STOP=1 -c "$2" >/dev/null 2>"$work/err"; then fail "$1" "drift SQL: $(cat "$work/err")"; return; fi
  repair_case "$1" "--postgres dbname=$db" "$3" "${4:-}" pg_apply pg_rows
}
# Every generated CHECK, in a loop: dropped, or replaced by another definition.
each_check() { # the statement for one constraint, with %I for its name
  echo "DO \$\$ DECLARE c record; BEGIN FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'notes'::regclass AND contype = 'c' LOOP EXECUTE format('$1', c.conname); END LOOP; END \$\$"
}
checks=$(psql -d "$pgbase" -qAt -c "SELECT 'notes ' || (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1]) FROM pg_constraint WHERE conrelid = 'notes'::regclass AND contype = 'c'")
want_checks() { sort <<<"$(sed "s/^/$1 /" <<<"$checks")" | paste -sd';' -; }
# PostgreSQL ends a comment at a carriage return too.
pg_case postgres-hostile-names "ALTER TABLE notes ADD CONSTRAINT \"c$(printf '\r')DROP TABLE victim; --\" CHECK (title <> 'x')" \
  "extra-check notes title" "extra-check notes title"
pg_case postgres-hostile-missing-table 'DROP TABLE notes' "missing-table notes -;publication-table-missing notes -"
pg_drop=; want=
for c in "${declared[@]}"; do pg_drop+="ALTER TABLE notes DROP COLUMN \"$c\"; "; want+="missing-column notes $c;"; done
pg_case postgres-hostile-missing-columns "$pg_drop" \
  "$(tr ';' '\n' <<<"${want}missing-index notes -;missing-index notes -" | sort | paste -sd';' -)"
pg_case postgres-hostile-missing-checks "$(each_check 'ALTER TABLE notes DROP CONSTRAINT %I')" "$(want_checks missing-check)"
pg_case postgres-hostile-changed-checks "$(each_check 'ALTER TABLE notes DROP CONSTRAINT %1$I, ADD CONSTRAINT %1$I CHECK (true)')" \
  "$(want_checks check-mismatch)"
pg_case postgres-hostile-missing-indexes 'DROP INDEX idx_notes_title, uq_notes_cut_drop, idx_notes_owner_id' \
  "missing-index notes -;missing-index notes -;missing-index notes -"
# The publication: its repairs change what the findings are about, and leave the extra
# table the report names (and does not repair) where it is.
pg_case postgres-hostile-publication-operation \
  "ALTER PUBLICATION powersync ADD TABLE victim; ALTER PUBLICATION powersync SET (publish = 'insert', publish_via_partition_root = true)" \
  "publication-extra-table victim -;publication-operation - -;publication-via-root - -" "publication-extra-table victim -"
pg_case postgres-hostile-publication-column-list 'ALTER PUBLICATION powersync SET TABLE notes (id, cut), victim' \
  "publication-columns notes -;publication-extra-table victim -" "publication-extra-table victim -"
pg_case postgres-hostile-publication-row-filter "ALTER PUBLICATION powersync SET TABLE notes WHERE (cut <> 'x'), victim" \
  "publication-extra-table victim -;publication-row-filter notes -" "publication-extra-table victim -"
pg_case postgres-hostile-publication-missing 'DROP PUBLICATION powersync' "publication-missing - -"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

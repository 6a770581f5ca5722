#!/usr/bin/env bash
# PowerSync's own sync rules compiler (npm @powersync/service-sync-rules) accepts every
# generated sync_rules.yaml, in both formats, with no error and no warning, given the
# PostgreSQL schema read from a live database that the generated postgres.sql built; and
# PowerSync's own client-schema generator, given the same, makes the tables, columns and
# column types of the generated client schema.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
[ -d tests/powersync/node_modules/@powersync/service-sync-rules ] ||
  { echo "PowerSync's compiler is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }

tables_json() { # database → the tables JSON the compiler takes, from the live catalog
  psql -d "$1" -qAt -c "SELECT coalesce(json_agg(t ORDER BY t.name), '[]') FROM (
    SELECT c.table_name AS name, json_agg(json_build_object('name', c.column_name, 'pg_type', c.udt_name)
           ORDER BY c.ordinal_position) AS columns
    FROM information_schema.columns c WHERE c.table_schema = 'public' GROUP BY c.table_name) t"
}

n=0
check_spec() { # name, spec
  local name=$1 spec=$2 db="ps_$$_$((n++))"
  if ! "$build/syncspec" generate "$spec" -o "$work/$name" 2>"$work/err"; then fail "$name" "$(cat "$work/err")"; return; fi
  psql -d postgres -qc "CREATE DATABASE $db" >/dev/null &&
    psql -d "$db" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/$name/postgres.sql" >"$work/err" 2>&1 ||
    { fail "$name" "postgres.sql: $(cat "$work/err")"; return; }
  tables_json "$db" > "$work/$name.tables.json"
  if out=$(node tests/powersync/validate.mjs "$work/$name/sync_rules.yaml" "$work/$name.tables.json" 2>&1); then
    ok "$name"
  else fail "$name" "$out"; fi
  if out=$(node tests/powersync/schema_crosscheck.mjs "$work/$name/sync_rules.yaml" "$work/$name.tables.json" \
      "$work/$name"/*_powersync.json 2>&1); then
    ok "$name-client-schema"
  else fail "$name-client-schema" "$out"; fi
  cp "$work/$name.tables.json" "$work/last.tables.json"; cp "$work/$name/sync_rules.yaml" "$work/last.yaml"
  psql -d postgres -qc "DROP DATABASE $db" >/dev/null
}

check_spec app-buckets schemas/app.yaml
sed 's/format: bucket_definitions/format: streams/' schemas/app.yaml > "$work/app-streams.yaml"
check_spec app-streams "$work/app-streams.yaml"
check_spec edge-buckets tests/golden/edge/spec.yaml
check_spec edge-streams tests/golden/streams/spec.yaml

# The compiler can fail: a misspelled column is reported (as a warning) and exits 1.
t=validator-rejects-unknown-column
sed 's/"order", "select"/"order", "selekt"/' "$work/edge-streams/sync_rules.yaml" > "$work/bad.yaml"
if ! grep -q selekt "$work/bad.yaml"; then fail $t "could not build the bad file"
elif out=$(node tests/powersync/validate.mjs "$work/bad.yaml" "$work/last.tables.json" 2>&1); then fail $t "accepted: $out"
elif ! grep -qi 'column not found' <<<"$out"; then fail $t "unexpected message: $out"
else ok $t; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

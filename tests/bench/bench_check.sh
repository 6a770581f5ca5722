#!/usr/bin/env bash
# check --postgres on a 1,000-table database built from the synthetic spec, beside its floor
# measured in the same run: psql running the same catalog queries (taken from the server's
# statement log) and discarding the output. Also the number of catalog queries, which must
# not grow with the table count.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
pgdir=$(mktemp -d /tmp/syncspec-bench-pg.XXXXXX)
trap 'scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"' EXIT
eval "$(SYNCSPEC_PG_OPTIONS='-c log_statement=all -c log_line_prefix=' scripts/pg.sh start "$pgdir")"
queries_for() { # tables → catalog query count reported by check
  tests/bench/synthetic_spec.sh "$1" > "$work/spec$1.yaml"
  "$build/syncspec" generate "$work/spec$1.yaml" -o "$work/gen$1" --only postgres 2>/dev/null
  psql -qc "CREATE DATABASE bench$1" >/dev/null
  psql -d "bench$1" -q -v ON_ERROR_STOP=1 -c 'SET client_min_messages = warning' -f "$work/gen$1/postgres.sql" >/dev/null
  "$build/syncspec" check "$work/spec$1.yaml" --postgres "dbname=bench$1" --format json |
    sed -n 's/.*"catalog_queries": \([0-9]*\).*/\1/p'
}
q10=$(queries_for 10)
q1000=$(queries_for 1000)
# The statements the checker sent, with their two parameters (schema, publication) inlined.
: > "$pgdir/server.log.mark"
sudo_log=$(ls "$pgdir"/server.log)
before=$(wc -l < "$sudo_log")
"$build/syncspec" check "$work/spec1000.yaml" --postgres "dbname=bench1000" --format json >/dev/null
tail -n +"$((before + 1))" "$sudo_log" | sed -n 's/^LOG:  execute <unnamed>: //p' |
  sed -e "s/\\\$1/'public'/g" -e "s/\\\$2/'powersync'/g" -e 's/$/;/' > "$work/queries.sql"
n=$(wc -l < "$work/queries.sql")
read -r check_ms check_rss < <("$build/tools/benchrun" 5 -- "$build/syncspec" check "$work/spec1000.yaml" --postgres "dbname=bench1000")
read -r floor_ms _ < <("$build/tools/benchrun" 5 -- psql -d bench1000 -q -o /dev/null -f "$work/queries.sql")
awk -v c="$check_ms" -v f="$floor_ms" -v r="$check_rss" -v q10="$q10" -v q1000="$q1000" -v n="$n" 'BEGIN {
  printf "check --postgres, 1000 tables: median %.1f ms, peak RSS %.1f MiB (target: <= 2x floor, < 64 MiB)\n", c, r / 1024
  printf "  floor  psql running the same %d catalog queries: median %.1f ms\n", n, f
  printf "  ratio  check / floor = %.2f (target <= 2.00)\n", c / f
  printf "  catalog queries: %d for 10 tables, %d for 1000 tables (target: constant)\n", q10, q1000
}'

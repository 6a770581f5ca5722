#!/usr/bin/env bash
# generate on a 1,000-table x 12-column spec (all targets), beside its floor: the time
# sqlite3 takes to execute the generated sqlite.sql on an in-memory database.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/bench/synthetic_spec.sh 1000 > "$work/spec.yaml"
"$build/syncspec" generate "$work/spec.yaml" -o "$work/out" 2>/dev/null
read -r gen_ms gen_rss < <("$build/tools/benchrun" 11 -- "$build/syncspec" generate "$work/spec.yaml" -o "$work/out2")
read -r floor_ms _ < <("$build/tools/benchrun" 5 --stdin "$work/out/sqlite.sql" -- sqlite3 :memory:)
# Where the time goes: the SQL and YAML targets alone, loading the spec alone (lint reads
# and validates it and renders nothing), and starting the program.
read -r sql_ms _ < <("$build/tools/benchrun" 11 -- "$build/syncspec" generate "$work/spec.yaml" \
  -o "$work/out2" --only sqlite,postgres,sync-rules)
read -r load_ms _ < <("$build/tools/benchrun" 11 -- "$build/syncspec" lint "$work/spec.yaml")
read -r start_ms _ < <("$build/tools/benchrun" 11 -- "$build/syncspec" --help)
awk -v g="$gen_ms" -v f="$floor_ms" -v r="$gen_rss" -v q="$sql_ms" -v l="$load_ms" -v s="$start_ms" 'BEGIN {
  printf "generate 1000 tables x 12 columns: median %.1f ms, peak RSS %.1f MiB (targets: < 100 ms, < 64 MiB)\n", g, r / 1024
  printf "  parts  --only sqlite,postgres,sync-rules %.1f ms; lint (load only) %.1f ms; --help (start) %.1f ms\n", q, l, s
  printf "  floor  sqlite3 :memory: < sqlite.sql: median %.1f ms\n", f
  printf "  ratio  generate / floor = %.2f (target <= 1.00)\n", g / f
}'

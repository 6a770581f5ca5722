#!/usr/bin/env bash
# generate on a 1,000-table x 12-column spec (all targets), beside its floor: the time
# sqlite3 takes to execute the generated sqlite.sql on an in-memory database.
#
# Every figure is the median of several runs with a warm cache: the spec, the program and
# the output folder are read once before timing, and the timed runs find the files up to
# date, so they render and compare every file and write none (what a build that runs
# generate on every change does). The load average is printed beside them: other work on
# the machine slows every figure, the floor too.
set -euo pipefail
build=${1:-build}
runs=11
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tests/bench/synthetic_spec.sh 1000 > "$work/spec.yaml"
# Warm-up: writes the folder the timed runs compare against.
"$build/syncspec" generate "$work/spec.yaml" -o "$work/out" 2>/dev/null
time_it() { "$build/tools/benchrun" "$runs" -- "$build/syncspec" "$@"; }
read -r gen_ms gen_rss < <(time_it generate "$work/spec.yaml" -o "$work/out")
# The processor time of those runs (user and system, both threads), which other work on the
# machine changes less than the time they take.
cpu=$( { TIMEFORMAT='%3U %3S'; time for ((i = 0; i < runs; i++)); do
  "$build/syncspec" generate "$work/spec.yaml" -o "$work/out" >/dev/null 2>&1; done; } 2>&1 )
read -r floor_ms _ < <("$build/tools/benchrun" 5 --stdin "$work/out/sqlite.sql" -- sqlite3 :memory:)
# Where the time goes: the SQL and YAML targets alone, loading the spec alone (lint reads
# and validates it and renders nothing), and starting the program.
read -r sql_ms _ < <(time_it generate "$work/spec.yaml" -o "$work/out" --only sqlite,postgres,sync-rules)
read -r load_ms _ < <(time_it lint "$work/spec.yaml")
read -r start_ms _ < <(time_it --help)
load_avg=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo unknown)
awk -v g="$gen_ms" -v f="$floor_ms" -v r="$gen_rss" -v q="$sql_ms" -v l="$load_ms" -v s="$start_ms" \
    -v n="$runs" -v cpu="$cpu" -v cores="$(getconf _NPROCESSORS_ONLN)" -v la="$load_avg" 'BEGIN {
  printf "generate 1000 tables x 12 columns: median %.1f ms, peak RSS %.1f MiB (targets: < 100 ms, < 64 MiB)\n", g, r / 1024
  printf "  how    median of %d runs, warm cache, outputs up to date (compared, not written); %d cores, load average %s\n", n, cores, la
  split(cpu, c, " ")
  printf "  cpu    user %.1f ms + system %.1f ms a run (mean of %d runs)\n", c[1] * 1000 / n, c[2] * 1000 / n, n
  printf "  parts  --only sqlite,postgres,sync-rules %.1f ms; lint (load only) %.1f ms; --help (start) %.1f ms\n", q, l, s
  printf "  floor  sqlite3 :memory: < sqlite.sql: median %.1f ms\n", f
  printf "  ratio  generate / floor = %.2f (target <= 1.00)\n", g / f
}'

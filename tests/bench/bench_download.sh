#!/usr/bin/env bash
# Downloads through the PowerSync protocol (see bench_download.c): the C store applying a
# 100,000-row initial sync beside plain inserts of the same rows, and the per-checkpoint
# cost of one changed row with 1,000 and 100,000 rows held; then the real @powersync/node
# client applying the very same stream (tests/node/bench_download.mjs). Times are CPU time:
# on a shared machine, the part that is the program's own.
set -euo pipefail
build=${1:-build}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make -s "$build/tests/bench_download" BUILD="$build" >/dev/null
"$build/syncspec" generate schemas/app.yaml -o "$work" --only sqlite,sqlite-sync,powersync-ts 2>/dev/null
"$build/tests/bench_download" "$work/sqlite.sql" "$work/sqlite_sync.sql" "$work/stream.ndjson"
node tests/node/bench_download.mjs "$work/stream.ndjson" "$work/app_powersync.ts"

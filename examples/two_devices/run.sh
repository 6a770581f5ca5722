#!/usr/bin/env bash
# Runs the two-devices example: generates the SQL and C for schemas/app.yaml, builds the
# program against libsyncspec, starts a throwaway PostgreSQL 15 (unless PG* variables point
# at one already) in a fresh database, and runs it.   make example-two-devices
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/syncspec-two-devices.XXXXXX)
pgdir=
cleanup() { [ -n "$pgdir" ] && scripts/pg.sh stop "$pgdir" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
if [ -z "${PGHOST:-}" ]; then
  pgdir=$(mktemp -d /tmp/syncspec-pg.XXXXXX)
  eval "$(scripts/pg.sh start "$pgdir")"
fi
db=two_devices_$$
psql -qAt -c "CREATE DATABASE $db" >/dev/null
export PGDATABASE=$db
"$build/examples/two_devices" "$build/two_devices_gen" "$work"

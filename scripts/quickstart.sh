#!/usr/bin/env bash
# The main job on the embedded default, in C only: install what building needs and is
# missing (scripts/bootstrap.sh --c-only: no npm, no PostgreSQL server), build, generate
# from schemas/app.yaml into generated/, build an SQLite database from the generated DDL,
# check that database against the spec, and say what was made and what to do next.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }
step "installing what the build needs (scripts/bootstrap.sh --c-only)"
bash scripts/bootstrap.sh --c-only
step "building the tool and the library (make)"
make -s -j2
step "generating from schemas/app.yaml into generated/"
build/syncspec generate schemas/app.yaml -o generated
step "building an SQLite database from generated/sqlite.sql: build/app.db"
rm -f build/app.db
sqlite3 build/app.db < generated/sqlite.sql
step "checking build/app.db and generated/ against the spec"
build/syncspec check schemas/app.yaml --sqlite build/app.db --generated generated
tables=$(sqlite3 build/app.db "SELECT count(*) FROM sqlite_master WHERE type = 'table'")
cat <<SUMMARY

Done. What this made:
  build/syncspec          the tool (build/syncspec --help)
  build/libsyncspec.a     the runtime library generated C links with (also .so)
  generated/              every file generated from schemas/app.yaml: sqlite.sql,
                          postgres.sql, sync_rules.yaml, app_schema.[ch], app_sanitize.c,
                          sqlite_sync.sql, postgres_sync.sql
  build/app.db            an SQLite database made from generated/sqlite.sql: $tables
                          tables (sqlite3 build/app.db .tables)

Next:
  start a project of your own: build/syncspec init ~/myapp (a spec, a Makefile
  fragment, a CI workflow), or try this one: edit schemas/app.yaml, or add a table:
    build/syncspec new-table schemas/app.yaml tags --column label:text:required
  then regenerate and check again:
    build/syncspec generate schemas/app.yaml
    build/syncspec check schemas/app.yaml --sqlite build/app.db --generated generated
  check a PostgreSQL database too: --postgres "postgresql://..."
  install it: sudo make install (docs/cli.md, "Installing")
  run the whole test suite: scripts/test-all.sh (it installs PostgreSQL and Node too)
SUMMARY

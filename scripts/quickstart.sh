#!/usr/bin/env bash
# The main job on the embedded default: install what is missing, build, generate from
# schemas/app.yaml into generated/, build an SQLite database from the generated DDL, and
# check that database against the spec.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
make -s -j2
build/syncspec generate schemas/app.yaml -o generated
rm -f build/app.db
sqlite3 build/app.db < generated/sqlite.sql
build/syncspec check schemas/app.yaml --sqlite build/app.db --generated generated

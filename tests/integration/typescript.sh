#!/usr/bin/env bash
# The generated TypeScript against the real packages (tests/node/node_modules, from the
# committed lockfile): tsc --strict over every case; Drizzle's pg-core schema pushed into
# a fresh PostgreSQL by drizzle-kit is what check --postgres expects; a real
# @powersync/node database opened with the generated client schema is what check --sqlite
# expects, and drifted ones are reported; values of every type written and read back
# through the generated schemas; the connector against `syncspec serve` and each answer a
# server can give; a real device writing every type through `syncspec serve` to
# PostgreSQL and a second device; and PowerSync's own client-schema generator agrees with the generated one.
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
cases=(app)
for dir in tests/golden/*/; do
  case=$(basename "$dir")
  [ "$case" = app ] && continue
  mkdir "$work/$case" && cp "$dir"expected/*.ts "$dir"expected/*.json "$work/$case/"
  cases+=("$case")
done
spec_of() { if [ "$1" = app ]; then echo schemas/app.yaml; else echo "tests/golden/$1/spec.yaml"; fi; }
cp tests/node/typescript_types.ts "$work/"

# Strict, with no unused import, over the generated files and the type checks of
# typescript_types.ts; the packages' own declarations are not ours to check (drizzle-orm's
# cover every dialect).
t=tsc-strict
cat >"$work/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true,
    "noUnusedLocals": true,
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

# Drizzle's pg-core schema, made into SQL by drizzle-kit and applied to a fresh database,
# is what check --postgres expects: the only finding is the publication, which is not a
# table and stays in postgres.sql.
n=0
for case in "${cases[@]}"; do
  t="drizzle-kit-pg-$case" db="ts_$$_$((n++))" spec=$(spec_of "$case")
  if ! out=$(cd "$work" && node "$modules/drizzle-kit/bin.cjs" generate --dialect=postgresql \
      --schema="./$case/${case}_drizzle_pg.ts" --out="./drizzle-$case" 2>&1); then
    fail "$t" "drizzle-kit: $out"; continue
  fi
  psql -d postgres -qc "CREATE DATABASE $db" && dbs+=("$db")
  if ! out=$(cat "$work/drizzle-$case"/*.sql | psql -d "$db" -q -v ON_ERROR_STOP=1 2>&1); then
    fail "$t" "applying drizzle-kit's SQL: $out"; continue
  fi
  got=$("$bin" check "$spec" --postgres "dbname=$db" --format json 2>&1 | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () =>
      console.log(JSON.parse(s).findings.map((f) => `${f.severity} ${f.code}`).join("; ")))')
  if [ "$got" = "error publication-missing" ]; then ok "$t"; else fail "$t" "findings: $got"; fi
done

# The node tests: each test is a case of its own here.
for file in tests/node/typescript_*.test.mjs; do
  out=$(SYNCSPEC_TS_WORK=$work SYNCSPEC_BIN=$bin node --test --test-reporter=tap "$file" 2>&1)
  while read -r line; do
    case $line in
      "ok "*) ok "${line#ok [0-9]* - }" ;;
      "not ok "*) fail "${line#not ok [0-9]* - }" "$(grep -A30 -F "$line" <<<"$out" | sed -n '2,30p'; grep '^# ' <<<"$out" | head -20)" ;;
    esac
  done < <(grep -E '^(not )?ok ' <<<"$out")
  grep -qE '^(not )?ok ' <<<"$out" || fail "$(basename "$file")" "$out"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

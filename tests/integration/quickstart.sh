#!/usr/bin/env bash
# The C-only first run needs no npm registry: scripts/bootstrap.sh --c-only, on a machine
# that has the build's packages, succeeds without calling npm, node or apt-get (each
# replaced on PATH by a program that fails and leaves a trace); and the quickstart uses it.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

mkdir "$work/bin"
for tool in npm node npx apt-get; do
  printf '#!/bin/sh\necho "%s $*" >> "%s/called"\nexit 1\n' "$tool" "$work" > "$work/bin/$tool"
  chmod +x "$work/bin/$tool"
done
# In a bare copy (no tests/*/node_modules), where a full bootstrap would run npm.
mkdir -p "$work/repo/scripts"; cp scripts/bootstrap.sh "$work/repo/scripts/"
t=bootstrap-c-only-needs-no-npm
if out=$(PATH="$work/bin:$PATH" bash "$work/repo/scripts/bootstrap.sh" --c-only 2>&1) &&
   [ ! -e "$work/called" ]; then
  ok $t
else fail $t "$out $(cat "$work/called" 2>/dev/null)"; fi

t=bootstrap-refuses-unknown-flag
PATH="$work/bin:$PATH" bash "$work/repo/scripts/bootstrap.sh" --everything >/dev/null 2>&1
[ $? = 2 ] && ok $t || fail $t "an unknown flag is not a usage error"

t=quickstart-is-c-only-and-says-what-it-made
if grep -q 'bootstrap.sh --c-only' scripts/quickstart.sh &&
   grep -q 'build/syncspec  ' scripts/quickstart.sh && grep -q 'build/app.db  ' scripts/quickstart.sh &&
   bash -n scripts/quickstart.sh; then ok $t
else fail $t "scripts/quickstart.sh"; fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

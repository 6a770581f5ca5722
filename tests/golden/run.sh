#!/usr/bin/env bash
# Golden files: tests/golden/<case>/spec.yaml beside expected/<file> for every generated
# file, compared byte for byte (and the file lists must match). Each case is also
# generated twice into two folders, which must be identical (determinism), and
# `generate --check` must find expected/ up to date. The reference spec is a case too:
# schemas/app.yaml, whose expected output is the committed generated/ (kept once).
#   tests/golden/run.sh BUILD_DIR            prints ok/FAIL per case, then "N passed, N failed"
#   UPDATE_GOLDEN=1 tests/golden/run.sh ...  rewrites expected/ for review in the diff
# Banners name the spec by its file name only, so the path it is given by does not matter.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
if [ ! -x "$build/syncspec" ]; then
  echo "no $build/syncspec: build it first (make)"; echo "0 passed, 1 failed"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
cases=("app schemas/app.yaml generated")
for dir in tests/golden/*/; do
  case=$(basename "$dir")
  [ -f "${dir}spec.yaml" ] && cases+=("$case ${dir}spec.yaml ${dir}expected")
done
for entry in "${cases[@]}"; do
  read -r case spec expected <<<"$entry"
  if ! "$build/syncspec" generate "$spec" -o "$work/$case.1" >/dev/null 2>"$work/err" ||
     ! "$build/syncspec" generate "$spec" -o "$work/$case.2" >/dev/null 2>>"$work/err"; then
    fail "$case" "generate failed"; sed 's/^/    /' "$work/err"; continue
  fi
  if ! diff -r "$work/$case.1" "$work/$case.2" >/dev/null; then
    fail "$case" "two runs differ"; continue
  fi
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    rm -rf "$expected"; cp -r "$work/$case.1" "$expected"
    echo "updated $case"; passed=$((passed + 1)); continue
  fi
  if ! d=$(diff -r -u "$expected" "$work/$case.1"); then
    fail "$case" "output differs from $expected (UPDATE_GOLDEN=1 to accept)"
    head -80 <<<"$d" | sed 's/^/    /'; continue
  fi
  if ! "$build/syncspec" generate "$spec" -o "$expected" --check >"$work/out" 2>&1; then
    fail "$case" "generate --check does not find $expected up to date"
    sed 's/^/    /' "$work/out"; continue
  fi
  echo "ok $case"; passed=$((passed + 1))
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# Golden files: tests/golden/<case>/spec.yaml beside expected/<file> for every generated
# file, compared byte for byte (and the file lists must match). Each case is also
# generated twice into two folders, which must be identical (determinism).
# UPDATE_GOLDEN=1 rewrites expected/ for review in the diff.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
for dir in tests/golden/*/; do
  case=$(basename "$dir")
  spec="tests/golden/$case/spec.yaml"
  [ -f "$spec" ] || continue
  # A relative spec path, so the banners in expected/ do not depend on the checkout.
  if ! "$build/syncspec" generate "$spec" -o "$work/$case.1" 2>"$work/err" ||
     ! "$build/syncspec" generate "$spec" -o "$work/$case.2" 2>>"$work/err"; then
    echo "FAIL $case: generate failed"; sed 's/^/    /' "$work/err"; failed=$((failed + 1)); continue
  fi
  if ! diff -r "$work/$case.1" "$work/$case.2" >/dev/null; then
    echo "FAIL $case: two runs differ"; failed=$((failed + 1)); continue
  fi
  if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
    rm -rf "$dir/expected"; cp -r "$work/$case.1" "$dir/expected"
    echo "updated $case"; passed=$((passed + 1)); continue
  fi
  if d=$(diff -r -u "$dir/expected" "$work/$case.1"); then
    echo "ok $case"; passed=$((passed + 1))
  else
    echo "FAIL $case: output differs from $dir""expected (UPDATE_GOLDEN=1 to accept)"
    head -80 <<<"$d" | sed 's/^/    /'; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

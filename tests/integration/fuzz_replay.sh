#!/usr/bin/env bash
# Every committed fuzz input (tests/fuzz/corpus/<target>/: seeds, and the inputs that once
# crashed, hung or broke an invariant) replayed through its target, built without libFuzzer
# (BUILD/tests/fuzz/<target>) and with the suite's flags: under make test-asan, ASan and
# UBSan. A crash, an invariant broken or an input over 30 seconds fails the step.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
passed=0 failed=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  bin="$build/tests/fuzz/$name" corpus="tests/fuzz/corpus/$name"
  if [ ! -x "$bin" ]; then echo "FAIL $name: $bin is not built"; failed=$((failed + 1)); continue; fi
  if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
    echo "FAIL $name: no committed corpus in $corpus"; failed=$((failed + 1)); continue
  fi
  if out=$("$bin" "$corpus" 2>&1); then
    echo "ok $name: $(tail -1 <<<"$out")"; passed=$((passed + 1))
  else
    echo "FAIL $name"; tail -30 <<<"$out" | sed 's/^/    /'; failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

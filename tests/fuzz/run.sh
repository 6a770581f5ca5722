#!/usr/bin/env bash
# Runs every libFuzzer target of FUZZ_BUILD for SECONDS each (make fuzz does this):
#   tests/fuzz/run.sh FUZZ_BUILD SECONDS [NAME...]
# Each target starts from its committed corpus (tests/fuzz/corpus/<name>/) and its
# dictionary (tests/fuzz/<name>.dict when there is one); what it finds new goes to
# FUZZ_BUILD/corpus/<name>/ and a crashing input to FUZZ_BUILD/artifacts/<name>/, never into
# the tree. Prints one summary line a target; exits 1 when any target failed.
set -uo pipefail
build=${1:?usage: tests/fuzz/run.sh FUZZ_BUILD SECONDS [NAME...]}
seconds=${2:?usage: tests/fuzz/run.sh FUZZ_BUILD SECONDS [NAME...]}
shift 2
cd "$(dirname "$0")/../.."
names=("$@")
if ((${#names[@]} == 0)); then
  for f in tests/fuzz/fuzz_*.c; do names+=("$(basename "$f" .c | sed 's/^fuzz_//')"); done
fi
failed=0
for name in "${names[@]}"; do
  bin="$build/fuzz/$name"
  [ -x "$bin" ] || { echo "$name: $bin is not built (make fuzz-build)"; failed=1; continue; }
  work="$build/corpus/$name" artifacts="$build/artifacts/$name/"
  mkdir -p "$work" "$artifacts"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  log="$build/$name.log"
  # A 64 MiB quarantine instead of ASan's 256: freed memory comes back sooner, so inputs that
  # make SQLite allocate a lot stop faulting in fresh pages (the download target runs
  # several times faster); a use after a recent free is still caught.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=64}"
  # The outputs of a render or a generate are large: allow the memory ASan needs for them.
  if "$bin" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$artifacts" "${dict[@]}" "$work" "tests/fuzz/corpus/$name" \
       >"$log" 2>&1; then
    status=ok
  else
    status="FAILED (see $log and $artifacts)"; failed=1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
  printf '%-10s %s: %s execs, %s, %s, corpus %s files\n' "$name" "$status" "${execs:-?}" \
    "${cov:-cov: ?}" "${ft:-ft: ?}" "$(ls "$work" | wc -l)"
done
exit $failed

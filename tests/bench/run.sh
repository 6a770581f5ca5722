#!/usr/bin/env bash
# make bench: every tests/bench/bench_*.sh, each printing its figures beside a floor
# measured in the same run. Figures are reported, not asserted: absolute times on a shared
# machine drift, which is why each comes with its own floor.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/../.."
make -s "$build/tools/benchrun" BUILD="$build" >/dev/null
status=0
for bench in tests/bench/bench_*.sh; do
  echo "== ${bench#tests/bench/}"
  if ! bash "$bench" "$build"; then
    echo "   FAILED"
    status=1
  fi
done
exit $status

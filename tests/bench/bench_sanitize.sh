#!/usr/bin/env bash
# Upload sanitizing throughput beside jansson's parse-only floor (see bench_sanitize.c).
set -euo pipefail
build=${1:-build}
make -s "$build/tests/bench_sanitize" BUILD="$build" >/dev/null
"$build/tests/bench_sanitize"

#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test (unit, golden,
# invalid corpus, real SQLite, real PostgreSQL 15, PowerSync's compiler, the real PowerSync
# client), run it again under AddressSanitizer + UndefinedBehaviorSanitizer, and check that
# generated/ is fresh. The tool and the library must also build with no warning (-Wall
# -Wextra -Wpedantic and the rest of the Makefile's WARN) under both gcc and clang.
# Each phase prints its name when it starts and its time when it ends, then the total.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
phase_start=$SECONDS
phase() { # name: ends the previous phase (with its time) and announces the next
  if [ -n "${phase_name:-}" ]; then
    echo "== $phase_name: done in $((SECONDS - phase_start)) s"
  fi
  phase_name=$1 phase_start=$SECONDS
  [ -n "$phase_name" ] && echo "== $phase_name"
  return 0
}
phase "install what is missing"
bash scripts/bootstrap.sh
phase "build"
make -s -j2
phase "warning-free with gcc and with clang (-Werror), test programs included"
for cc in gcc clang; do
  make -s -j2 BUILD="build-werror-$cc" CC="$cc" CFLAGS="-O2 -Werror" test-build
done
phase "generated/ is fresh"
build/syncspec generate schemas/app.yaml -o generated --check
phase "test suite"
make -s test
phase "test suite under ASan + UBSan"
make -s test-asan
phase ""
echo "== all done in $((SECONDS - start)) s"

#!/usr/bin/env bash
# The whole test suite: install what is missing, build, run every test (unit, golden,
# invalid corpus, real SQLite, real PostgreSQL 15, PowerSync's compiler), run it again
# under AddressSanitizer + UndefinedBehaviorSanitizer, and check that generated/ is fresh.
# The tool and the library must also build with no warning (-Wall -Wextra -Wpedantic and
# the rest of the Makefile's WARN) under both gcc and clang.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
make -s -j2
echo "== warning-free with gcc and with clang (-Werror), test programs included"
for cc in gcc clang; do
  make -s -j2 BUILD="build-werror-$cc" CC="$cc" CFLAGS="-O2 -Werror" test-build
done
echo "== generated/ is fresh"
build/syncspec generate schemas/app.yaml -o generated --check
echo "== test suite"
make -s test
echo "== test suite under ASan + UBSan"
make -s test-asan

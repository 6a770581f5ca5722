#!/usr/bin/env bash
# The generated C of every golden spec compiles cleanly with gcc and clang under
# -std=c11 -Wall -Wextra -Wpedantic -Werror, including only syncspec.h and libc headers,
# and links into a program that walks the descriptors.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
flags="-std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude"
for dir in generated tests/golden/*/expected; do
  if [ "$dir" = generated ]; then case=app spec=schemas/app.yaml
  else case=$(basename "$(dirname "$dir")") spec="tests/golden/$case/spec.yaml"; fi
  prefix=$(sed -n 's/^name: *//p' "$spec" | head -1)
  [ -f "$dir/${prefix}_schema.c" ] || { fail "$case" "no generated C in $dir"; continue; }
  # Only syncspec.h and libc headers.
  if grep -h '#include' "$dir/${prefix}_schema.h" "$dir/${prefix}_schema.c" "$dir/${prefix}_sanitize.c" |
     grep -v -E '#include (<std[a-z]*\.h>|<stdio\.h>|"syncspec\.h"|"'"${prefix}"'_schema\.h")'; then
    fail "$case-includes" "an include beyond syncspec.h and libc"; continue
  fi
  cat > "$work/main_$case.c" <<C
#include <stdio.h>
#include "${prefix}_schema.h"
int main(void) {
    size_t columns = 0;
    for (size_t i = 0; i < ${prefix}_schema.table_count; i++) columns += ${prefix}_schema.tables[i].column_count;
    printf("%zu %zu\n", ${prefix}_schema.table_count, columns);
    return 0;
}
C
  for cc in gcc clang; do
    if ! command -v $cc >/dev/null; then fail "$case-$cc" "$cc is not installed"; continue; fi
    # Compiled by each compiler; linked by the one that built the library (in a sanitizer
    # build, its runtime), and run.
    if $cc $flags -I"$dir" -c "$work/main_$case.c" -o "$work/$case-$cc-main.o" 2>"$work/err" &&
       $cc $flags -I"$dir" -c "$dir/${prefix}_schema.c" -o "$work/$case-$cc-schema.o" 2>>"$work/err" &&
       $cc $flags -I"$dir" -c "$dir/${prefix}_sanitize.c" -o "$work/$case-$cc-sanitize.o" 2>>"$work/err" &&
       ${CC:-cc} "$work/$case-$cc-main.o" "$work/$case-$cc-schema.o" "$work/$case-$cc-sanitize.o" \
         "$build/libsyncspec.a" $(pkg-config --libs jansson libpcre2-8 sqlite3 libpq) -lm ${SYNCSPEC_LDFLAGS:-} \
         -o "$work/$case-$cc" 2>>"$work/err"; then
      out=$("$work/$case-$cc")
      want_tables=$(grep -c '^    {.name = .*\.description' "$dir/${prefix}_schema.c")
      [ "${out%% *}" = "$want_tables" ] && ok "$case-$cc" || fail "$case-$cc" "printed '$out', expected $want_tables tables"
    else
      fail "$case-$cc" "$(head -20 "$work/err")"
    fi
  done
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

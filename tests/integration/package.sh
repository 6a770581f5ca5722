#!/usr/bin/env bash
# make install into a temporary prefix (and a DESTDIR staging), then build and run an
# out-of-tree program that includes generated code, with pkg-config alone and with
# examples/cmake; a device program with syncspec-client (no libpq) and a server program with
# syncspec-server; the man page renders; bash completion loads; make uninstall removes
# everything.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
prefix="$work/prefix"

t=install
if make -s -C "$root" BUILD="$build" install PREFIX="$prefix" >"$work/log" 2>&1; then
  missing=
  sonames=
  for f in bin/syncspec bin/syncspec-serve lib/libsyncspec.a include/syncspec.h include/syncspec/client.h \
           share/man/man1/syncspec.1 share/bash-completion/completions/syncspec; do
    [ -e "$prefix/$f" ] || missing="$missing $f"
  done
  for l in libsyncspec libsyncspec-client libsyncspec-server; do
    for f in lib/$l.so lib/$l.so.0 lib/pkgconfig/${l#lib}.pc; do
      [ -e "$prefix/$f" ] || missing="$missing $f"
    done
    sonames="$sonames $(objdump -p "$prefix/lib/$l.so.0" 2>/dev/null | awk '/SONAME/ {print $2}')"
  done
  if [ -n "$missing" ]; then fail $t "missing:$missing"
  elif [ "$sonames" != " libsyncspec.so.0 libsyncspec-client.so.0 libsyncspec-server.so.0" ]; then
    fail $t "sonames '$sonames'"
  elif ! env PATH=/usr/bin:/bin "$prefix/bin/syncspec" serve --help 2>&1 | grep -q -- '--jwks'; then
    fail $t "the installed syncspec does not find syncspec-serve beside it"
  else ok $t; fi
else fail $t "$(tail -5 "$work/log")"; fi

t=out-of-tree-program
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
mkdir -p "$work/app"
if "$prefix/bin/syncspec" generate "$root/schemas/app.yaml" -o "$work/app/gen" 2>"$work/log" &&
   cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$work/app/gen" "$root/tests/integration/package/main.c" \
      "$work/app/gen"/*.c $(pkg-config --cflags --libs syncspec) ${SYNCSPEC_LDFLAGS:-} -o "$work/app/prog" 2>>"$work/log" &&
   out=$(LD_LIBRARY_PATH="$prefix/lib" "$work/app/prog") && grep -q '^app: 8 tables, 6 synced' <<<"$out"; then
  ok $t
else fail $t "$(tail -20 "$work/log") ${out:-}"; fi

# A device app: syncspec/client.h, pkg-config syncspec-client (and sqlite3, which it calls
# itself); it runs, and neither it nor anything it loads is libpq.
t=device-program-without-libpq
out=
if cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$work/app/gen" "$root/tests/integration/package/device.c" \
      "$work/app/gen/app_schema.c" $(pkg-config --cflags --libs syncspec-client sqlite3) ${SYNCSPEC_LDFLAGS:-} \
      -o "$work/app/device" 2>"$work/log" &&
   deps=$(LD_LIBRARY_PATH="$prefix/lib" ldd "$work/app/device") &&
   out=$(LD_LIBRARY_PATH="$prefix/lib" "$work/app/device" "$work/app/device.db" "$work/app/gen/sqlite.sql" \
         "$work/app/gen/sqlite_sync.sql" 2>&1) && grep -q '^device ready: 1 op queued$' <<<"$out"; then
  if grep -q libpq <<<"$deps"; then fail $t "loads libpq: $deps"
  elif ! grep -q libsyncspec-client <<<"$deps"; then fail $t "does not load libsyncspec-client: $deps"
  else ok $t; fi
else fail $t "$(tail -20 "$work/log") $out"; fi

# A server program with pkg-config syncspec-server: it links libpq through the library.
t=server-program
out=
if cc -std=c11 -Wall -Wextra -Wpedantic -Werror -I"$work/app/gen" "$root/tests/integration/package/main.c" \
      "$work/app/gen"/app_schema.c $(pkg-config --cflags --libs syncspec-server) ${SYNCSPEC_LDFLAGS:-} \
      -o "$work/app/server" 2>"$work/log" &&
   deps=$(LD_LIBRARY_PATH="$prefix/lib" ldd "$work/app/server") &&
   out=$(LD_LIBRARY_PATH="$prefix/lib" "$work/app/server") && grep -q '^app: 8 tables, 6 synced' <<<"$out"; then
  if ! grep -q libsyncspec-server <<<"$deps" || ! grep -q libpq <<<"$deps"; then
    fail $t "does not load libsyncspec-server and libpq: $deps"
  else ok $t; fi
else fail $t "$(tail -20 "$work/log") $out"; fi

# examples/cmake as a user builds it against the installed syncspec: the first build
# generates and links; touching the spec regenerates once (and, the outputs unchanged,
# rebuilds nothing); a build with nothing changed does nothing.
t=cmake-example
cm() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS PATH="$prefix/bin:$PATH" cmake "$@" 2>&1; }
cmsrc="$work/cmake-src" cmbin="$work/cmake-build"
mkdir -p "$cmsrc/schemas"
cp "$root/examples/cmake/CMakeLists.txt" "$root/examples/cmake/main.c" "$cmsrc/"
cp "$root/schemas/app.yaml" "$cmsrc/schemas/app.yaml"
stamp() { stat -c %.9Y "$cmbin/generated/.stamp" 2>/dev/null; }
if ! command -v cmake >/dev/null; then fail $t "cmake is not installed (scripts/bootstrap.sh installs it)"
elif ! out=$(cm -S "$cmsrc" -B "$cmbin" -DCMAKE_EXE_LINKER_FLAGS="${SYNCSPEC_LDFLAGS:-}"); then
  fail $t "configure: $(tail -20 <<<"$out")"
elif ! out=$(cm --build "$cmbin") || ! run=$(LD_LIBRARY_PATH="$prefix/lib" "$cmbin/app"); then
  fail $t "first build: $(tail -20 <<<"$out")"
elif ! grep -q '^documents$' <<<"$run" || ! grep -q 'syncspec generate' <<<"$out"; then
  fail $t "first build did not generate or the program is wrong: $out $run"
elif grep -rq "$work" "$cmbin/generated"/*.[ch] "$cmbin/generated"/*.sql; then
  fail $t "the build folder's path is in the generated files"
else
  s1=$(stamp); out1=$(cm --build "$cmbin")
  sleep 1.1; touch "$cmsrc/schemas/app.yaml"
  out2=$(cm --build "$cmbin"); s2=$(stamp); out3=$(cm --build "$cmbin"); s3=$(stamp)
  if grep -q 'syncspec generate\|Building C\|Linking' <<<"$out1"; then fail $t "an unchanged build did work: $out1"
  elif [ "$s1" = "$s2" ] || [ "$(grep -c 'syncspec generate' <<<"$out2")" != 1 ]; then
    fail $t "touching the spec did not regenerate once: $out2"
  elif grep -q 'Building C\|Linking' <<<"$out2"; then fail $t "unchanged outputs were rebuilt: $out2"
  elif [ "$s2" != "$s3" ] || grep -q 'syncspec generate\|Building C\|Linking' <<<"$out3"; then
    fail $t "the build after regenerating did work: $out3"
  else ok $t; fi
fi

t=man-page-renders
if command -v man >/dev/null; then
  out=$(MANWIDTH=80 man -l "$prefix/share/man/man1/syncspec.1" 2>&1) && grep -q 'EXIT STATUS' <<<"$out" &&
    ! grep -qi 'warning' <<<"$out" && ok $t || fail $t "$out"
else fail $t "man is not installed (scripts/bootstrap.sh installs man-db)"; fi

t=bash-completion-loads
out=$(bash -c "source '$prefix/share/bash-completion/completions/syncspec' && complete -p syncspec" 2>&1) &&
  grep -q '_syncspec' <<<"$out" && ok $t || fail $t "$out"

t=destdir-staging
if make -s -C "$root" BUILD="$build" install PREFIX=/usr/local DESTDIR="$work/stage" >"$work/log" 2>&1 &&
   [ -x "$work/stage/usr/local/bin/syncspec" ] &&
   grep -q '^prefix=/usr/local$' "$work/stage/usr/local/lib/pkgconfig/syncspec.pc" &&
   grep -q '^prefix=/usr/local$' "$work/stage/usr/local/lib/pkgconfig/syncspec-client.pc"; then ok $t
else fail $t "$(tail -5 "$work/log")"; fi

# make clean in a copy of the Makefile, so the suite's own build folder stays.
t=make-clean-removes-build
mkdir -p "$work/clean/sub"
cp "$root/Makefile" "$work/clean/"
c() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$work/clean" "$@" >"$work/log" 2>&1; }
for d in build build-asan build-werror-gcc out; do mkdir -p "$work/clean/$d/x"; done
mkdir -p "$work/elsewhere/x"
if ! c clean BUILD=out || [ -e "$work/clean/build" ] || [ -e "$work/clean/build-asan" ] ||
   [ -e "$work/clean/build-werror-gcc" ] || [ -e "$work/clean/out" ]; then
  fail $t "BUILD=out: $(ls "$work/clean") $(cat "$work/log")"
elif ! c clean BUILD="$work/elsewhere" || [ -e "$work/elsewhere" ]; then
  fail $t "an absolute BUILD was not removed: $(cat "$work/log")"
elif c clean BUILD=. || c clean BUILD=.. || c clean BUILD=/ || [ ! -f "$work/clean/Makefile" ]; then
  fail $t "BUILD=. .. or / was not refused"
else ok $t; fi

t=uninstall
make -s -C "$root" BUILD="$build" uninstall PREFIX="$prefix" >/dev/null 2>&1
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] && ok $t || fail $t "left behind: $left"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# The shared libraries export the public API and nothing else, and each holds what its
# users need: every exported symbol is a syncspec_ function declared SYNCSPEC_API in
# include/; libsyncspec exports all of them; libsyncspec-client exports everything
# syncspec/client.h declares, nothing of the server's, and does not load libpq;
# libsyncspec-server exports everything syncspec/server.h declares and nothing of the
# store's; client.h pulls in neither jansson nor a server header.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

exported() { nm -D --defined-only "$build/$1" | awk '{print $3}' | sort; }
# The functions the given headers declare SYNCSPEC_API (a declaration may wrap its name).
declared() {
  awk '/^SYNCSPEC_API/ { d = $0; while (d !~ /\(/ && (getline l) > 0) d = d " " l
                         sub(/\(.*/, "", d); n = split(d, w, /[ *]+/); print w[n] }' "$@" | sort -u
}
# The syncspec headers a header includes, itself among them.
headers_of() { cc -MM -Iinclude -x c "$1" | tr ' \\' '\n\n' | grep '^include/syncspec' | sort -u; }

all_api=$(declared include/syncspec/*.h)
client_headers=$(headers_of include/syncspec/client.h)
server_headers=$(headers_of include/syncspec/server.h)
client_api=$(declared $client_headers)
server_api=$(declared $server_headers)
# What only one side has (the core, in both libraries, is neither).
client_only=$(declared include/syncspec/{store,download,http}.h)
server_only=$(declared include/syncspec/{server,protocol}.h)

[ "$(wc -l <<<"$all_api")" -gt 50 ] && ok declarations-found || fail declarations-found "$all_api"

for lib in libsyncspec.so.0 libsyncspec-client.so.0 libsyncspec-server.so.0; do
  t="only-syncspec-symbols/$lib"
  if [ ! -f "$build/$lib" ]; then fail "$t" "not built"; continue; fi
  others=$(exported $lib | grep -v '^syncspec_')
  undeclared=$(comm -23 <(exported $lib) <(echo "$all_api"))
  if [ -n "$others" ]; then fail "$t" "exports $(echo $others)"
  elif [ -n "$undeclared" ]; then fail "$t" "exports functions no header declares: $(echo $undeclared)"
  else ok "$t"; fi
done

t=libsyncspec-exports-the-whole-api
missing=$(comm -13 <(exported libsyncspec.so.0) <(echo "$all_api"))
[ -z "$missing" ] && ok $t || fail $t "declared but not exported: $(echo $missing)"

# One side's library: everything its header declares, nothing only the other side has.
side() { # test name, library, its header's functions, the other side's only
  local missing leaked
  missing=$(comm -13 <(exported "$2") <(echo "$3"))
  leaked=$(comm -12 <(exported "$2") <(echo "$4"))
  if [ -n "$missing" ]; then fail "$1" "not exported: $(echo $missing)"
  elif [ -n "$leaked" ]; then fail "$1" "exports the other side's: $(echo $leaked)"
  else ok "$1"; fi
}
side client-exports-client.h libsyncspec-client.so.0 "$client_api" "$server_only"
side server-exports-server.h libsyncspec-server.so.0 "$server_api" "$client_only"

t=client-without-libpq
deps=$(ldd "$build/libsyncspec-client.so.0" 2>&1)
if grep -q 'not found' <<<"$deps"; then fail $t "$deps"
elif grep -q 'libpq' <<<"$deps"; then fail $t "$(grep libpq <<<"$deps")"
elif ! grep -q 'libpq' <<<"$(ldd "$build/libsyncspec-server.so.0")"; then
  fail $t "the server library does not load libpq either: is this check blind?"
else ok $t; fi

t=client.h-alone
included=$(cc -M -Iinclude -x c include/syncspec/client.h | tr ' \\' '\n\n')
found=
for h in jansson.h syncspec/server.h syncspec/protocol.h syncspec/sanitize.h; do
  grep -q "/$h\$" <<<"$included" && found="$found $h"
done
[ -z "$found" ] && ok $t || fail $t "includes$found"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

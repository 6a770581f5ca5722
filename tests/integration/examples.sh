#!/usr/bin/env bash
# The examples run as the README shows: the upload server sanitizes the recipe's body.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
cd "$(dirname "$0")/../.."
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

t=upload-server
out=$("$build/examples/upload_server" user-1 < examples/upload_server/upload.json); rc=$?
expect() { grep -qF -- "$1" <<<"$out" || { fail $t "missing '$1' in:
$out"; return 1; }; }
if [ $rc -ne 1 ]; then fail $t "exit $rc, expected 1 (one transaction is rejected)"
elif expect '  op 0: PUT projects' && expect '$3 is_default   true' && expect '$4 owner_id     user-1' &&
     expect '$5 created_at   2025-09-22T14:29:30.120Z' && expect '$7 created_at   2025-09-22T14:29:30.000Z' &&
     expect '$8 updated_at   2025-09-22T14:29:30.123Z' && expect '  op 2: PATCH documents' &&
     expect '$2 title        NULL' && expect 'owner_id [forbidden-owner]' && expect 'color [unknown-key]' &&
     expect '- [local-only-table]'; then
  ok $t
fi
t=two-devices
out=$(make -s -C . BUILD="$build" example-two-devices 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail $t "exit $rc: $(tail -20 <<<"$out")"
elif ! grep -q 'converged: yes' <<<"$out"; then fail $t "did not converge: $(tail -20 <<<"$out")"
elif ! grep -q 'pref     theme "dark"' <<<"$out"; then fail $t "the account switch lost a local-only row"
else ok $t; fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

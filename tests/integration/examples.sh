#!/usr/bin/env bash
# The examples run as docs/sanitizers.md shows: the upload server sanitizes the recipe's body, the
# two devices converge, and the pre-commit hook refuses stale or untracked generated files.
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
     expect '- [local-only-table]' && expect '2 of 5 ops refused'; then
  ok $t
fi
t=two-devices
out=$(make -s -C . BUILD="$build" example-two-devices 2>&1); rc=$?
if [ $rc -ne 0 ]; then fail $t "exit $rc: $(tail -20 <<<"$out")"
elif ! grep -q 'converged: yes' <<<"$out"; then fail $t "did not converge: $(tail -20 <<<"$out")"
elif ! grep -q 'pref     theme "dark"' <<<"$out"; then fail $t "the account switch lost a local-only row"
else ok $t; fi

# The pre-commit hook in a throwaway repository, through a real `git commit`.
t=pre-commit-hook
repo=$(mktemp -d)
g() { git -C "$repo" -c user.name=t -c user.email=t@example.com -c core.hooksPath="$repo/.git/hooks" "$@"; }
commit() { (cd "$repo" && PATH="$build:$PATH" g commit -q -m "$1" >"$repo.out" 2>&1); }
bad=
g init -q
cp examples/pre-commit/pre-commit "$repo/.git/hooks/pre-commit"
mkdir "$repo/schemas"; cp schemas/app.yaml "$repo/schemas/app.yaml"
g add schemas/app.yaml
# A first commit with generated/ never added: the hook makes it, untracked, and refuses.
if commit first; then bad+=" untracked generated files let through;"
elif ! grep -q "not in Git" "$repo.out"; then bad+=" untracked: $(cat "$repo.out");"; fi
g add generated
commit first || bad+=" a fresh generated/ was refused: $(cat "$repo.out");"
# The spec changes, generated/ does not: refused, and the hook regenerated it.
"$build/syncspec" new-table "$repo/schemas/app.yaml" tags --column label:text --no-generate 2>/dev/null
g add schemas/app.yaml
if commit tags; then bad+=" a stale generated/ was let through;"
elif ! grep -q "review and stage it" "$repo.out"; then bad+=" stale: $(cat "$repo.out");"; fi
g add generated
commit tags || bad+=" a regenerated generated/ was refused: $(cat "$repo.out");"
[ -z "$(g status --porcelain)" ] || bad+=" not clean after the commits: $(g status --porcelain);"
rm -rf "$repo" "$repo.out"
[ -z "$bad" ] && ok $t || fail $t "$bad"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

#!/usr/bin/env bash
# Scaffolding and build integration, end to end with the real binary, sqlite3 and make:
# new-table keeps every other byte, refuses cleanly, survives SIGKILL; init → generate →
# check is aligned; the depfile drives a real make.
set -uo pipefail
build=$(cd "${1:-build}" && pwd)
bin="$build/syncspec"
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

# A valid spec full of comments and odd formatting; the tables block is not last.
cat > "$work/odd.yaml" <<'YAML'
# leading comment
syncspec: 1   # version
name:    odd
tables:
    # two-space? no: four-space table keys, and a comment before the first table
    projects:
        description: |
                a block scalar
                over lines
        columns:
            name: {type: text,   required: true}    # trailing comment
            notes: { type: text, description: "quoted: with a colon" }
    # a comment between tables

    items:
        columns: { label: text, project_id: { type: id, references: projects } }
        # trailing comment inside the last table
postgres:   { schema: public }
# final comment
YAML
cp "$work/odd.yaml" "$work/orig.yaml"

t=new-table-preserves-bytes
if "$bin" new-table "$work/odd.yaml" tags --column label:text:required \
     --reference item_id:items --soft-delete --no-generate 2>"$work/err"; then
  # Only added lines, in one block: the diff has no '<' line and a single hunk.
  d=$(diff "$work/orig.yaml" "$work/odd.yaml")
  if grep -q '^<' <<<"$d" || [ "$(grep -c '^[0-9]' <<<"$d")" != 1 ]; then
    fail $t "other bytes changed: $d"
  elif ! grep -q '^>     tags:$' <<<"$d" || ! grep -q 'label: { type: text, required: true }' <<<"$d"; then
    fail $t "unexpected table text: $d"
  else ok $t; fi
else fail $t "$(cat "$work/err")"; fi

t=new-table-result-lints
"$bin" lint "$work/odd.yaml" >/dev/null 2>"$work/err" && ok $t || fail $t "$(cat "$work/err")"

t=new-table-table-loaded
"$bin" generate "$work/odd.yaml" -o "$work/odd-out" 2>/dev/null &&
  grep -q 'CREATE TABLE IF NOT EXISTS "tags"' "$work/odd-out/sqlite.sql" &&
  grep -q '"item_id"' "$work/odd-out/sqlite.sql" && grep -q '"deleted_at"' "$work/odd-out/sqlite.sql" \
  && ok $t || fail $t "tags table not in generated sqlite.sql"

refuse() { # name, expected-substring, args...
  local name=$1 want=$2; shift 2
  cp "$work/odd.yaml" "$work/before.yaml"
  "$bin" new-table "$work/odd.yaml" "$@" --no-generate >/dev/null 2>"$work/err"
  local rc=$?
  if [ $rc -ne 2 ]; then fail "$name" "exit $rc, expected 2"
  elif ! cmp -s "$work/odd.yaml" "$work/before.yaml"; then fail "$name" "spec changed"
  elif ! grep -q -- "$want" "$work/err"; then fail "$name" "message: $(cat "$work/err")"
  else ok "$name"; fi
}
refuse new-table-refuses-existing "already exists" projects --column x:text
refuse new-table-refuses-bad-type "unknown type 'txt'" notes --column body:txt
refuse new-table-refuses-bad-name "not a valid table name" Notes --column body:text
refuse new-table-refuses-reserved-name "not a valid table name" ps_notes
refuse new-table-refuses-bad-column "not a valid column name" notes --column 9x:text
refuse new-table-refuses-missing-reference "nothing written" notes --reference owner_thing:nowhere
# The error is in the table it would add, not at a line the file does not have.
refuse new-table-reference-error-names-the-new-table "^new table 'notes': error" notes \
  --reference owner_thing:nowhere
refuse new-table-refuses-implicit-column "nothing written" notes --column id:text

t=new-table-keeps-crlf
sed 's/$/\r/' "$work/orig.yaml" > "$work/crlf.yaml"; cp "$work/orig.yaml" "$work/lf.yaml"
for f in crlf lf; do
  "$bin" new-table "$work/$f.yaml" tags --column label:text:required --description "a
b" --soft-delete --no-generate 2>>"$work/err"
done
lines=$(wc -l < "$work/crlf.yaml")
if [ "$(grep -c $'\r$' "$work/crlf.yaml")" != "$lines" ]; then
  fail $t "$((lines - $(grep -c $'\r$' "$work/crlf.yaml"))) lines end in LF alone"
elif ! tr -d '\r' < "$work/crlf.yaml" | cmp -s - "$work/lf.yaml"; then
  fail $t "not the LF result with CRLF line ends"
elif ! "$bin" lint --quiet "$work/crlf.yaml"; then fail $t "the result does not lint"
else ok $t; fi

t=new-table-description-reads-back
# U+0085, U+2028 and U+2029 are line breaks to YAML: written raw they would read back as
# spaces. The generated C spells out the bytes the spec gave.
cp "$work/orig.yaml" "$work/desc.yaml"
"$bin" new-table "$work/desc.yaml" tags --column label:text --no-generate \
  --description "$(printf 'a\xc2\x85b\xe2\x80\xa8c\xe2\x80\xa9d "q" \\ \x01')" 2>"$work/err"
if ! "$bin" generate "$work/desc.yaml" -o "$work/desc-out" --only c-schema >/dev/null 2>>"$work/err"; then
  fail $t "$(cat "$work/err")"
elif ! grep -qF '.description = "a\302\205b\342\200\250c\342\200\251d \"q\" \\ \001"' "$work/desc-out/"*_schema.c; then
  fail $t "read back as $(grep -o '"tags", .description = "[^,]*' "$work/desc-out/"*_schema.c)"
else ok $t; fi

t=new-table-keeps-mode
cp "$work/orig.yaml" "$work/mode.yaml"; chmod 600 "$work/mode.yaml"
"$bin" new-table "$work/mode.yaml" tags --column label:text --no-generate 2>"$work/err"
m=$(stat -c %a "$work/mode.yaml")
[ "$m" = 600 ] && grep -q '^    tags:$' "$work/mode.yaml" && ok $t || fail $t "mode $m: $(cat "$work/err")"

t=new-table-through-symlink
mkdir -p "$work/real" "$work/link"
cp "$work/orig.yaml" "$work/real/app.yaml"; chmod 640 "$work/real/app.yaml"
ln -s ../real/app.yaml "$work/link/app.yaml"
"$bin" new-table "$work/link/app.yaml" tags --column label:text --no-generate 2>"$work/err"
if [ ! -L "$work/link/app.yaml" ]; then fail $t "the link was replaced by a regular file"
elif ! grep -q '^    tags:$' "$work/real/app.yaml"; then fail $t "the real spec did not change"
elif [ "$(stat -c %a "$work/real/app.yaml")" != 640 ]; then fail $t "the real spec lost its mode"
elif ls -A "$work/link" "$work/real" | grep -q '^\.'; then fail $t "a temporary file was left"
else ok $t; fi

t=generate-keeps-mode-and-links
"$bin" generate "$work/orig.yaml" -o "$work/gen" 2>/dev/null
chmod 600 "$work/gen/sqlite.sql"
mv "$work/gen/postgres.sql" "$work/real/postgres.sql"
ln -s ../real/postgres.sql "$work/gen/postgres.sql"
"$bin" new-table "$work/link/app.yaml" tags2 -o "$work/gen" >/dev/null 2>"$work/err"
if [ "$(stat -c %a "$work/gen/sqlite.sql")" != 600 ] || ! grep -q '"tags2"' "$work/gen/sqlite.sql"
then fail $t "sqlite.sql: mode $(stat -c %a "$work/gen/sqlite.sql") $(cat "$work/err")"
elif [ ! -L "$work/gen/postgres.sql" ] || ! grep -q '"tags2"' "$work/real/postgres.sql"
then fail $t "postgres.sql: the link was not kept or its file not updated"
else ok $t; fi

# SIGKILL at each step of the write (tests/integration/kill_at.c, preloaded): the spec is
# always the old file or the whole new one, never a mix. A kill before the rename leaves the
# temporary file (.NAME.XXXXXX beside the spec), as docs/cli.md says.
t=new-table-atomic-under-sigkill
if ! ${CC:-cc} -std=c11 -Wall -Wextra -Wpedantic -Werror -D_GNU_SOURCE -O1 -shared -fPIC \
       -o "$work/kill_at.so" "$root/tests/integration/kill_at.c" -ldl 2>"$work/err"; then
  fail $t "cannot build the kill library: $(cat "$work/err")"
else
  mkdir -p "$work/kill"
  cp "$work/orig.yaml" "$work/kill/new.yaml"
  "$bin" new-table "$work/kill/new.yaml" zzz_new --column a:text --no-generate 2>/dev/null
  # A sanitizer build checks that its runtime comes first among the preloaded libraries.
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
  bad=
  for point in fchmod write fsync rename renamed; do
    rm -f "$work/kill/".spec.yaml.*
    cp "$work/orig.yaml" "$work/kill/spec.yaml"
    KILL_AT=$point KILL_NAME=.spec.yaml. LD_PRELOAD="$work/kill_at.so" \
      "$bin" new-table "$work/kill/spec.yaml" zzz_new --column a:text --no-generate 2>/dev/null
    rc=$?
    left=$(cd "$work/kill" && ls -A | grep -c '^\.spec\.yaml\.......$')
    if [ $rc != 137 ]; then bad+=" $point: not killed (exit $rc);"
    elif [ $point = renamed ]; then
      cmp -s "$work/kill/spec.yaml" "$work/kill/new.yaml" || bad+=" $point: not the new spec;"
      [ "$left" = 0 ] || bad+=" $point: temporary file left;"
    else
      cmp -s "$work/kill/spec.yaml" "$work/orig.yaml" || bad+=" $point: not the old spec;"
      [ "$left" = 1 ] || bad+=" $point: $left temporary files, expected 1;"
    fi
    "$bin" lint --quiet "$work/kill/spec.yaml" 2>/dev/null || bad+=" $point: spec does not lint;"
  done
  [ -z "$bad" ] && ok $t || fail $t "$bad"
fi

# Every option a command's --help lists is in its usage line and in the man page's synopsis.
t=usage-lines-list-every-option
bad=
for cmd in lint generate check new-table init; do
  help=$("$bin" $cmd --help)
  usage=$(sed -n '1,/^$/p' <<<"$help")
  man=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$root/docs/syncspec.1" |
        sed -n "/^\.B syncspec ${cmd//-/\\\\-}\$/,/^\.br/p" | sed 's/\\-/-/g')
  while read -r short long; do
    [ "$long" = --help ] && continue
    grep -qe "$long\b" <<<"$usage" || grep -qe "\[$short " <<<"$usage" || bad+=" $cmd usage: $long;"
    grep -qe "$long\b" <<<"$man" || grep -qe "\[ $short\$" <<<"$man" || bad+=" $cmd man: $long;"
  done < <(sed -n '/^options:/,/^$/p' <<<"$help" |
           sed -n 's/^  \(-[a-z]\), \(--[a-z-]*\).*/\1 \2/p; s/^      \(--[a-z-]*\).*/- \1/p')
done
[ -z "$bad" ] && ok $t || fail $t "$bad"

# The man page's OPTIONS section is what the option tables render, and the completion
# offers exactly the long options each command's --help lists.
t=man-and-completion-match-option-tables
bad=
if ! diff <("$root/scripts/man-options.sh" "$build") \
       <(sed -n '/^\.SH OPTIONS$/,/^\.SH EXIT STATUS$/p' "$root/docs/syncspec.1" | sed '$d') \
       > "$work/man.diff"; then
  bad+=" docs/syncspec.1 is stale (scripts/man-options.sh BUILD --update): $(head -c 300 "$work/man.diff");"
fi
for cmd in lint generate check new-table init serve; do
  want=$("$bin" $cmd --help | sed -n '/^options:/,/^$/p' |
         sed -n 's/^  -[a-z], \(--[a-z-]*\).*/\1/p; s/^      \(--[a-z-]*\).*/\1/p' | sort | tr '\n' ' ')
  got=$(cd "$root" && bash --norc --noprofile -c '
    source contrib/syncspec.bash-completion
    COMP_WORDS=(syncspec "$1" -); COMP_CWORD=2; _syncspec; printf "%s\n" "${COMPREPLY[@]}"' _ "$cmd" |
    sort | tr '\n' ' ')
  [ "$want" = "$got" ] || bad+=" completion of $cmd: '$got', --help: '$want';"
done
[ -z "$bad" ] && ok $t || fail $t "$bad"

# A misspelled command, option or target gets the likely one; the help names no list "below".
t=typos-get-did-you-mean
bad=
while IFS='|' read -r want args; do
  # shellcheck disable=SC2086
  out=$("$bin" $args 2>&1 >/dev/null); rc=$?
  [ $rc = 2 ] || bad+=" '$args' exit $rc;"
  grep -qF -- "$want" <<<"$out" || bad+=" '$args': $out;"
done <<EOF
did you mean 'generate'?|genrate schemas/app.yaml
did you mean 'generate'?|help genrate
did you mean '--version'?|--verison
did you mean '--only'?|generate schemas/app.yaml --onl sqlite
did you mean '--output'?|generate schemas/app.yaml --outptu=x
syncspec: error[unknown-target]: unknown target 'sqlit'|generate $root/schemas/app.yaml --only sqlit -o $work/typo
did you mean 'sqlite'?|generate $root/schemas/app.yaml --only sqlit -o $work/typo
EOF
"$bin" generate --help | grep -q "below" && bad+=" generate --help says 'below';"
[ -z "$bad" ] && ok $t || fail $t "$bad"

# The completion completes spec files in a plain bash (extglob off, no bash-completion).
t=completion-without-extglob
got=$(cd "$root" && bash --norc --noprofile -c '
  shopt -u extglob; source contrib/syncspec.bash-completion
  COMP_WORDS=(syncspec lint schemas/a); COMP_CWORD=2; _syncspec; echo "${COMPREPLY[*]}"
  COMP_WORDS=(syncspec generate --on); COMP_CWORD=2; _syncspec; echo "${COMPREPLY[*]}"' 2>&1)
[ "$got" = $'schemas/app.yaml\n--only' ] && ok $t || fail $t "completed: $got"

t=init-generate-check-aligned
mkdir "$work/proj"
if (cd "$work/proj" && "$bin" init >/dev/null && "$bin" generate schemas/app.yaml 2>/dev/null &&
    sqlite3 app.db < generated/sqlite.sql &&
    "$bin" check schemas/app.yaml --sqlite app.db --generated generated >"$work/out" 2>&1); then
  ok $t
else fail $t "$(cat "$work/out" 2>/dev/null)"; fi

# The workflow init writes says what it needs: the repository variable SYNCSPEC_REPO.
t=init-workflow-names-its-variable
wf="$work/proj/.github/workflows/syncspec.yml"
if grep -q 'SYNCSPEC_REPO: ${{ vars.SYNCSPEC_REPO }}' "$wf" &&
   grep -qF '${SYNCSPEC_REPO:?set the repository variable SYNCSPEC_REPO' "$wf" &&
   grep -q 'SYNCSPEC_REPO' "$root/docs/cli.md"; then ok $t
else fail $t "$wf does not say what SYNCSPEC_REPO is"; fi

t=generate-same-from-any-path
if (cd "$work/proj" && "$bin" generate "$PWD/schemas/app.yaml" -o "$work/abs" 2>/dev/null &&
    "$bin" generate ./schemas/app.yaml -o "$work/abs" --check >/dev/null &&
    "$bin" generate schemas/app.yaml --check >/dev/null &&
    cd schemas && "$bin" generate app.yaml -o "$work/abs" --check >/dev/null) &&
   ! grep -rq "$work" "$work/abs"; then ok $t
else fail $t "output depends on the spec's path"; fi

t=init-refuses-existing
cp "$work/proj/schemas/app.yaml" "$work/app-before.yaml"
echo "# mine" >> "$work/proj/syncspec.mk"; cp "$work/proj/syncspec.mk" "$work/mk-before"
(cd "$work/proj" && "$bin" init >/dev/null 2>"$work/err"); rc=$?
if [ $rc -eq 2 ] && cmp -s "$work/proj/schemas/app.yaml" "$work/app-before.yaml" &&
   cmp -s "$work/proj/syncspec.mk" "$work/mk-before" && grep -q "already exists" "$work/err"; then
  ok $t; else fail $t "exit $rc"; fi

t=depfile-drives-make
mkdir -p "$work/mk/schemas"
cp "$root/examples/make/Makefile" "$work/mk/"
cp "$root/schemas/app.yaml" "$work/mk/schemas/app.yaml"
# A make of its own: no flags inherited from a make that runs this test.
m() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$work/mk" SYNCSPEC="$bin" "$@" 2>&1; }
stamp() { stat -c %.9Y "$work/mk/generated/.stamp" 2>/dev/null; }
mtime() { stat -c %.9Y "$work/mk/generated/sqlite.sql"; }
out1=$(m); s1=$(stamp)
sleep 1.1; out2=$(m); s2=$(stamp)
if [ ! -f "$work/mk/generated/sqlite.sql" ] || [ -z "$s1" ]; then
  fail $t "first make did not generate: $out1"
elif [ "$s1" != "$s2" ]; then
  fail $t "second make regenerated: $out2"
else
  before=$(mtime)
  sleep 1.1; touch "$work/mk/schemas/app.yaml"
  out3=$(m); s3=$(stamp); sleep 1.1; out4=$(m); s4=$(stamp)
  if [ "$s3" = "$s2" ]; then fail $t "touching the spec did not regenerate: $out3"
  elif [ "$s4" != "$s3" ]; then fail $t "make after regeneration ran again: $out4"
  elif [ "$before" != "$(mtime)" ]; then fail $t "unchanged output got a new mtime"
  else
    # A real change reaches the outputs.
    "$bin" new-table "$work/mk/schemas/app.yaml" tags --column label:text --no-generate 2>/dev/null
    m >/dev/null
    grep -q '"tags"' "$work/mk/generated/sqlite.sql" && ok $t || fail $t "spec change did not reach the outputs"
  fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

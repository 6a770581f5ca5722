#!/usr/bin/env bash
# The invalid-spec corpus: each NAME.yaml sits beside NAME.expected, the exact diagnostics
# `syncspec lint` must print for it, in order, one a line:
#
#   LINE:COL: CODE              an error
#   LINE:COL: warning[CODE]     a warning
#   LINE:COL: note              a note at a position (the first definition of a duplicate)
#   note: TEXT                  a note without a position ("did you mean 'columns'?")
#
# For every case, `lint` must exit 1 with exactly those diagnostics, and `generate` must
# exit 2 and write nothing. Usage: tests/invalid/run.sh BUILD_DIR [NAME...]
set -u

build=${1:?usage: tests/invalid/run.sh BUILD_DIR [NAME...]}
shift
case $build in /*) ;; *) build="$PWD/$build" ;; esac
bin="$build/syncspec"
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$bin" ]; then
    echo "run.sh: $bin is not built" >&2
    exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/syncspec-invalid.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Turns lint's stderr into the .expected notation. Paths are given relative to the corpus
# folder, so a file name never holds a colon.
normalize() {
    local file=$1
    awk -v f="$file" '
        index($0, f ":") == 1 {
            rest = substr($0, length(f) + 2)
            if (match(rest, /^[0-9]+:[0-9]+: /)) {
                pos = substr(rest, 1, RLENGTH - 2)
                body = substr(rest, RLENGTH + 1)
            } else {
                pos = "0:0"
                body = substr(rest, 2)
            }
            if (match(body, /^error\[[a-z0-9-]+\]/)) {
                print pos ": " substr(body, 7, RLENGTH - 7)
            } else if (match(body, /^warning\[[a-z0-9-]+\]/)) {
                print pos ": " substr(body, 1, RLENGTH)
            } else if (body ~ /^note: /) {
                print pos ": note"
            }
            next
        }
        /^  = note: / { print "note: " substr($0, 11) }
    '
}

passed=0
failed=0
cd "$here" || exit 2
if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=()
    for spec in *.yaml; do cases+=("${spec%.yaml}"); done
fi

for name in "${cases[@]}"; do
    spec="$name.yaml"
    why=""
    if [ ! -f "$spec" ] || [ ! -f "$name.expected" ]; then
        why="missing $spec or $name.expected"
    else
        "$bin" lint "$spec" >"$scratch/out" 2>"$scratch/err"
        status=$?
        normalize "$spec" <"$scratch/err" >"$scratch/got"
        if [ "$status" -ne 1 ]; then
            why="lint exited $status, expected 1"
        elif ! diff -u "$name.expected" "$scratch/got" >"$scratch/diff"; then
            why="diagnostics differ"
        else
            out="$scratch/gen-$name"
            "$bin" generate "$spec" -o "$out" >/dev/null 2>&1
            status=$?
            if [ "$status" -ne 2 ]; then
                why="generate exited $status, expected 2"
            elif [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
                why="generate wrote files"
            fi
        fi
    fi
    if [ -z "$why" ]; then
        echo "ok $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name: $why"
        if [ "$why" = "diagnostics differ" ]; then
            sed 's/^/    /' "$scratch/diff"
            sed 's/^/    stderr: /' "$scratch/err"
        fi
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# The OPTIONS section of docs/syncspec.1, rendered from the commands' option tables
# (`syncspec COMMAND --man`). Prints it; with --update, writes it into the page instead.
# tests/integration/scaffold.sh fails when the committed page differs.
#   usage: scripts/man-options.sh [BUILD] [--update]
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
page="$root/docs/syncspec.1"

section() {
  echo '.SH OPTIONS'
  echo '.\" Rendered from the option tables by scripts/man-options.sh; do not edit by hand.'
  echo 'Every command also takes'
  echo '.BR \-h ", " \-\-help .'
  for cmd in lint generate check new-table init serve; do
    "$build/syncspec" "$cmd" --man
  done
}

if [ "${2:-}" != --update ]; then
  section
  exit 0
fi
new=$(mktemp)
trap 'rm -f "$new"' EXIT
{
  sed '/^\.SH OPTIONS$/,$d' "$page"
  section
  sed -n '/^\.SH EXIT STATUS$/,$p' "$page"
} > "$new"
cat "$new" > "$page"

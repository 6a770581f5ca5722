#!/usr/bin/env bash
# Installs what syncspec's build and tests need and this machine lacks: Debian packages
# through apt-get (as root), PowerSync's sync rules compiler through npm (into
# tests/powersync/node_modules), and the real PowerSync client, Drizzle and TypeScript
# (into tests/node/node_modules; npm compiles better-sqlite3 from source, about two
# minutes, with python3, make and g++). Idempotent and quiet when nothing is missing.
#
#   scripts/bootstrap.sh            everything the build and the whole test suite need
#   scripts/bootstrap.sh --c-only   only what building the tool and the library and using
#                                   them on SQLite need (scripts/quickstart.sh): no npm,
#                                   no PostgreSQL server, no test libraries
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
c_only=false
case ${1:-} in
  --c-only) c_only=true ;;
  "") ;;
  *) echo "usage: scripts/bootstrap.sh [--c-only]" >&2; exit 2 ;;
esac

packages=(build-essential clang pkg-config libyaml-dev libjansson-dev libpcre2-dev libcmocka-dev
          libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-client-15 nodejs npm man-db binutils
          cmake git locales libmicrohttpd-dev librhonabwy-dev libcurl4-openssl-dev
          python3 g++ make bash-completion)
if $c_only; then # the Makefile's pkg-config packages, a compiler, and sqlite3 for the database
  packages=(build-essential pkg-config libyaml-dev libjansson-dev libpcre2-dev libsqlite3-dev
            sqlite3 libpq-dev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere than Debian (a newer nodejs without the npm package).
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "syncspec: missing packages: ${missing[*]}" >&2
    echo "syncspec: install them (sudo apt-get install ${missing[*]}) or run this as root" >&2
    exit 2
  fi
  echo "syncspec: installing ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

$c_only && exit 0

# PowerSync's own compiler checks the generated sync rules in the tests. The lockfile has
# no download URLs: npm resolves them from its configured registry.
if [ ! -d tests/powersync/node_modules/@powersync/service-sync-rules ] ||
   [ tests/powersync/package-lock.json -nt tests/powersync/node_modules/.package-lock.json ]; then
  echo "syncspec: installing PowerSync's sync rules compiler (npm ci)" >&2
  (cd tests/powersync && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The real @powersync/node client (with better-sqlite3), @powersync/common, Drizzle and
# TypeScript, pinned in tests/node/package-lock.json: what the serve and TypeScript tests
# drive and compile against.
if [ ! -d tests/node/node_modules/@powersync/node ] ||
   [ tests/node/package-lock.json -nt tests/node/node_modules/.package-lock.json ]; then
  echo "syncspec: installing the PowerSync client, Drizzle and TypeScript for the tests (npm ci)" >&2
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

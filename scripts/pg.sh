#!/usr/bin/env bash
# A throwaway PostgreSQL 15 for the tests, on loopback only.
#   eval "$(scripts/pg.sh start DIR)"   creates and starts a cluster in DIR (under /tmp),
#                                       prints the PG* exports for a database syncspec_test
#   scripts/pg.sh stop DIR              stops it and removes DIR
# As root, initdb refuses to run, so the cluster belongs to the postgres user.
# SYNCSPEC_PG_OPTIONS adds server settings ("-c log_statement=all" for the benchmarks).
set -euo pipefail
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
  [ -x "$bindir/initdb" ] || { echo "pg.sh: no PostgreSQL 15 server in $bindir (scripts/bootstrap.sh installs it)" >&2; exit 2; }
  # A cluster left by an interrupted run is stopped and replaced.
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 2; }
  # A free loopback port: ask the kernel for one, then let the server take it.
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
         echo $((20000 + RANDOM % 20000)))
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c wal_level=logical -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_replication_slots=4 -c max_wal_senders=4 -c max_connections=100 ${SYNCSPEC_PG_OPTIONS:-}" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 2; }
  "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c 'CREATE DATABASE syncspec_test' >/dev/null
  echo "export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=syncspec_test"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: a new cluster (initdb) in a temporary folder,
# served by pg_ctl on a free loopback port, with no system service and nothing kept.
#
#   eval "$(scripts/pg-cluster.sh start)"   # exports JINRI_TEST_PG_URL and JINRI_PG_CLUSTER
#   scripts/pg-cluster.sh stop "$JINRI_PG_CLUSTER"
#
# JINRI_TEST_PG_URL names the cluster's `postgres` database as the superuser `jinri` (trust
# authentication, loopback only); the tests create a database of their own per test there.
# initdb refuses to run as root: as root, the server runs as the `postgres` user (Debian's
# package makes it) or else `nobody`. Durability is off (fsync, synchronous_commit,
# full_page_writes): the data lives as long as the test run.
set -euo pipefail

bindir() {
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$d" ] || [ ! -x "$d/pg_ctl" ]; then
    echo "pg-cluster: PostgreSQL is not installed (scripts/setup-test.sh installs it)" >&2
    exit 1
  fi
  echo "$d"
}

# Runs a PostgreSQL program as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
  start)
    bin=$(bindir)
    owner=$(id -un)
    if [ "$(id -u)" -eq 0 ]; then
      owner=postgres
      id -u postgres >/dev/null 2>&1 || owner=nobody
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/jinri-pg.XXXXXX")
    chown "$owner" "$dir"
    chmod 700 "$dir"
    # UTF8 whatever the machine's locale (a C locale would otherwise give SQL_ASCII).
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U jinri -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      rm -rf "$dir"
      exit 1
    }
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      [ "$port" != 5432 ] || continue
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=500" \
        start >/dev/null; then
        echo "export JINRI_TEST_PG_URL=postgres://jinri@127.0.0.1:$port/postgres"
        echo "export JINRI_PG_CLUSTER=$dir"
        exit 0
      fi
    done
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    echo "pg-cluster: the server did not start" >&2
    exit 1
    ;;
  stop)
    dir="${2:-${JINRI_PG_CLUSTER:-}}"
    if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
      echo "pg-cluster: no cluster at '${dir}'" >&2
      exit 1
    fi
    bin=$(bindir)
    owner=$(stat -c %U "$dir/data")
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: scripts/pg-cluster.sh start | stop DIR" >&2
    exit 2
    ;;
esac

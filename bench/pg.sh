#!/usr/bin/env bash
# Posting on PostgreSQL: comments per second through one process, then through two processes on
# the same database at once (each with half the connections), beside the same load on SQLite;
# then live fan-out on PostgreSQL: BENCH_PG_FANOUT (10,000) subscribers on one process, and split
# over the two, post → arrival and the servers' memory per idle subscriber.
# A throwaway cluster (scripts/pg-cluster.sh), the release build, loopback only, bounded in time.
# Usage: bench/pg.sh            (BENCH_SECS=10 seconds per load run)
#   BENCH_PG_POSTING_ONLY=1       posting only (no fan-out, no live_latency build)
#   BENCH_BIN=… BENCH_SITE_ROOT=… another build's server and site (to compare two builds)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup-test.sh >/dev/null
if ! command -v wrk >/dev/null; then apt-get install -y wrk >/dev/null || { echo "bench needs wrk" >&2; exit 1; }; fi
secs="${BENCH_SECS:-10}"
bin="${BENCH_BIN:-target/release/jinri}"
site="${BENCH_SITE_ROOT:-target/site}"
posting_only="${BENCH_PG_POSTING_ONLY:-}"
[ -x "$bin" ] || cargo leptos build --release --split --precompress
[ -n "$posting_only" ] || cargo build -q --profile tools --features ssr --example live_latency
ulimit -n 65536 2>/dev/null || true

work=$(mktemp -d)
pids=()
cluster=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "$cluster" ] && scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  [ -n "${BENCH_KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
start() { # start PORT DATABASE_URL → waits until it answers
  LEPTOS_SITE_ROOT="$site" LEPTOS_SITE_ADDR="127.0.0.1:$1" DATABASE_URL="$2" \
    JINRI_COMMENTS_MIN_INTERVAL_SECS=0 JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR=1000000 JINRI_LIVE_MAX_STREAMS_PER_IP=1000000 \
    RUST_LOG=${RUST_LOG:-warn} \
    "$bin" >>"$work/server.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done
  echo "the server on port $1 did not start" >&2; tail -n 20 "$work/server.log" >&2; exit 1
}
readers() { # readers BASE FILE [FIRST]: 50 signed-in readers' session cookies
  : >"$2"
  for i in $(seq "${3:-1}" $((${3:-1} + 49))); do
    curl -s -D - -o /dev/null -H 'Accept: application/json' -d "name=pg_poster_$i&password=bench-password-2021" \
      "$1/api/auth/register" | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }' >>"$2"
  done
}
post() { # post BASE CONNECTIONS [COOKIES] → comments/s
  JINRI_BENCH_COOKIES="${3:-$work/cookies.txt}" JINRI_BENCH_ARTICLE=2 \
    wrk -t1 -c"$2" -d"${secs}s" --latency -s bench/post.lua "$1/api/comments/post" >"$work/wrk-$2-${1##*:}.txt"
  awk '/Requests\/sec/ { r = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { bad = $NF }
       END { printf "%.0f %s %s\n", r, p99, (bad ? bad : 0) }' "$work/wrk-$2-${1##*:}.txt"
}

# SQLite, one process (the embedded default), for comparison.
p=$(free_port)
start "$p" "sqlite://$work/bench.db"
readers "http://127.0.0.1:$p" "$work/cookies.txt"
read -r sqlite_rate sqlite_p99 sqlite_bad < <(post "http://127.0.0.1:$p" 50)

eval "$(scripts/pg-cluster.sh start)"
cluster="$JINRI_PG_CLUSTER"
psql -q "$JINRI_TEST_PG_URL" -c 'CREATE DATABASE jinri_bench' >/dev/null
db="${JINRI_TEST_PG_URL%/postgres}/jinri_bench"
a=$(free_port) b=$(free_port)
start "$a" "$db"
pid_a=${pids[-1]}
start "$b" "$db"
pid_b=${pids[-1]}
readers "http://127.0.0.1:$a" "$work/cookies.txt"

read -r one_rate one_p99 one_bad < <(post "http://127.0.0.1:$a" 50)
# Two processes: each with readers of its own (a reader's browser talks to one process at a time).
readers "http://127.0.0.1:$a" "$work/cookies-a.txt" 101
readers "http://127.0.0.1:$b" "$work/cookies-b.txt" 201
post "http://127.0.0.1:$a" 25 "$work/cookies-a.txt" >"$work/two-a.txt" &
post "http://127.0.0.1:$b" 25 "$work/cookies-b.txt" >"$work/two-b.txt"
wait $!
read -r ra pa ba <"$work/two-a.txt"
read -r rb pb bb <"$work/two-b.txt"

# Live fan-out: subscribers on one process, then split evenly over both (comments posted through
# the first, so half the subscribers hear of them through PostgreSQL's notifications).
fanout() { # fanout BASES PIDS → "p50 p99 missing KiB"
  target/tools/examples/live_latency "$1" "$subs" 30 "$2" |
    sed -E 's/.*missing ([0-9]+).*ack→arrival p50 ([0-9.]+) ms p99 ([0-9.]+) ms.*subscriber ([0-9.-]+).*/\2 \3 \1 \4/'
}
subs="${BENCH_PG_FANOUT:-10000}"
posting_table() {
  printf '%-48s | %-40s | %s\n' "measure" "figure" "target"
  printf '%s\n' "$(printf '%.0s-' $(seq 110))"
  printf '%-48s | %-40s | %s\n' "posting, SQLite, one process, 50 readers" "$sqlite_rate comments/s, p99 $sqlite_p99, non-2xx $sqlite_bad" ">= 500/s"
  printf '%-48s | %-40s | %s\n' "posting, PostgreSQL, one process, 50 readers" "$one_rate comments/s, p99 $one_p99, non-2xx $one_bad" "-"
  printf '%-48s | %-40s | %s\n' "posting, PostgreSQL, two processes, 2 x 25 readers" "$((ra + rb)) comments/s ($ra + $rb), p99 $pa / $pb, non-2xx $((ba + bb))" ">= 1,000/s"
}
if [ -n "$posting_only" ]; then
  posting_table
  exit 0
fi
read -r f1_p50 f1_p99 f1_missing f1_kib < <(fanout "http://127.0.0.1:$a" "$pid_a")
# Fresh processes for the split run: the first run's 10,000 streams are closed, but their memory
# stays with the allocator, and a difference of resident sizes taken over it is noise (it came
# out negative). New processes on the same database start from the same point as the first did.
kill "$pid_a" "$pid_b" 2>/dev/null || true
wait "$pid_a" "$pid_b" 2>/dev/null || true
a=$(free_port) b=$(free_port)
start "$a" "$db"
pid_a=${pids[-1]}
start "$b" "$db"
pid_b=${pids[-1]}
read -r f2_p50 f2_p99 f2_missing f2_kib < <(fanout "http://127.0.0.1:$a,http://127.0.0.1:$b" "$pid_a,$pid_b")

posting_table
printf '%-48s | %-40s | %s\n' "live fan-out, PostgreSQL, $subs subscribers, one process" "ack→arrival p50 $f1_p50 ms, p99 $f1_p99 ms, missing $f1_missing" "p99 <= 250 ms"
printf '%-48s | %-40s | %s\n' "  server memory per idle subscriber" "$f1_kib KiB" "<= 50 KB"
printf '%-48s | %-40s | %s\n' "live fan-out, PostgreSQL, $subs subscribers over two processes" "ack→arrival p50 $f2_p50 ms, p99 $f2_p99 ms, missing $f2_missing" "p99 <= 250 ms"
printf '%-48s | %-40s | %s\n' "  server memory per idle subscriber (both)" "$f2_kib KiB" "<= 50 KB"

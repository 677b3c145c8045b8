#!/usr/bin/env bash
# Login cost: latency of one login on an idle server, then logins/s and article-page service
# while both run at once. Loopback only, bounded in time. Needs wrk (Debian package).
# Usage: bench/login.sh [seconds per load run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
command -v wrk >/dev/null || { echo "bench/login.sh needs wrk: apt-get install wrk" >&2; exit 1; }
[ -x target/release/jinri ] || { . scripts/setup.sh; cargo leptos build --release --split --precompress; }

port=3190
dir="$(mktemp -d)"
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" DATABASE_URL="sqlite://$dir/bench.db" \
  JINRI_AUTH_LOGIN_FAILURES_PER_ACCOUNT=1000000 JINRI_AUTH_LOGIN_FAILURES_PER_IP=1000000 RUST_LOG=warn \
  target/release/jinri >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf -o /dev/null "$base/" && break; sleep 0.1; done
curl -sf -o /dev/null -H 'Accept: application/json' \
  -d 'name=bench_reader&password=bench-password-2021&next=%2F' "$base/api/auth/register"

echo "== one login at a time (20 logins, idle server)"
for _ in $(seq 20); do
  curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' \
    -d 'name=bench_reader&password=bench-password-2021&next=%2F' "$base/api/auth/login"
done | sort -n | awk '{ t[NR] = $1 } END { printf "login p50 %.1f ms, max %.1f ms\n", t[int(NR/2)] * 1000, t[NR] * 1000 }'

echo "== failed logins: wrong password vs unknown name (20 each; the same work, the same time)"
for who in bench_reader nobody_by_this_name; do
  for _ in $(seq 20); do
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: application/json' \
      -d "name=$who&password=wrong-password-2021&next=%2F" "$base/api/auth/login"
  done | sort -n | awk -v who="$who" '{ t[NR] = $1 } END { printf "%-20s p50 %.1f ms\n", who, t[int(NR/2)] * 1000 }'
done

echo "== article page alone (50 connections, ${secs}s)"
wrk -t2 -c50 -d"${secs}s" --latency "$base/article/1" | grep -E 'Requests/sec|^ +(50|99)%'

echo "== logins (8 connections) and the article page (50 connections) at once, ${secs}s"
wrk -t1 -c8 -d"${secs}s" --latency -s bench/login.lua "$base/api/auth/login" >"$dir/login.txt" &
logins=$!
wrk -t1 -c50 -d"${secs}s" --latency "$base/article/1" >"$dir/article.txt"
wait "$logins"
echo "logins:";  grep -E 'Requests/sec|^ +(50|99)%|Non-2xx' "$dir/login.txt"
echo "article:"; grep -E 'Requests/sec|^ +(50|99)%|Non-2xx' "$dir/article.txt"

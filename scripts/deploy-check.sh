#!/usr/bin/env bash
# The deployment README.md describes, run for real: nginx (Debian's package) with
# deploy/nginx.conf in front of two Jinri processes (the release build) on one PostgreSQL
# database (a throwaway cluster, scripts/pg-cluster.sh). Checks that pages come through, and
# that a live stream opened through nginx gets, at once, comments posted to each of the two
# processes (the stream is not held back on the way). Loopback only; exits non-zero on any
# failure.
# Usage: scripts/deploy-check.sh   (after `cargo leptos build --release --split --precompress`; scripts/test.sh runs it)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/jinri ] || { echo "deploy-check: build first (cargo leptos build --release --split --precompress)" >&2; exit 1; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "deploy-check: nginx is not installed (scripts/setup-test.sh installs it)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cluster=""
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "$cluster" ] && scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "deploy-check: $*" >&2; for f in "$work"/*.log; do echo "== $f" >&2; tail -n 20 "$f" >&2; done; exit 1; }
free_port() { python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

eval "$(scripts/pg-cluster.sh start)"
cluster="$JINRI_PG_CLUSTER"
psql -q "$JINRI_TEST_PG_URL" -c 'CREATE DATABASE jinri_deploy' >/dev/null
db="${JINRI_TEST_PG_URL%/postgres}/jinri_deploy"

a=$(free_port) b=$(free_port) front=$(free_port)
start() { # start PORT NAME
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$1" DATABASE_URL="$db" \
    JINRI_SERVER_TRUSTED_PROXIES=127.0.0.1 JINRI_COMMENTS_MIN_INTERVAL_SECS=1 RUST_LOG=warn \
    target/release/jinri >"$work/$2.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$1/healthz" && return 0; sleep 0.1; done
  fail "process $2 on port $1 did not start"
}
# One after the other: the first one migrates and seeds the empty database.
start "$a" process-a
start "$b" process-b

# deploy/nginx.conf as README shows it, with this run's ports and a private prefix.
mkdir -p "$work/tmp"
sed -e "s/127.0.0.1:3001/127.0.0.1:$a/; s/127.0.0.1:3002/127.0.0.1:$b/" \
  -e "s/listen 80;/listen 127.0.0.1:$front;/" deploy/nginx.conf >"$work/jinri.conf"
grep -q "127.0.0.1:$a" "$work/jinri.conf" && grep -q "listen 127.0.0.1:$front;" "$work/jinri.conf" ||
  fail "deploy/nginx.conf no longer has the upstream and listen lines this check replaces"
cat >"$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    include $work/jinri.conf;
}
CONF
"$nginx" -t -q -p "$work" -c "$work/nginx.conf" 2>"$work/nginx-test.log" || fail "nginx refused the configuration"
"$nginx" -p "$work" -c "$work/nginx.conf"
site="http://127.0.0.1:$front"
for _ in $(seq 50); do curl -sf -o /dev/null "$site/healthz" && break; sleep 0.1; done

# Pages through nginx, from either process.
for _ in 1 2 3 4; do
  curl -sf "$site/" | grep '今日' >/dev/null || fail "the front page did not come through nginx"
done
echo "deploy-check: pages come through nginx from both processes"

# A reader signs in through nginx; the session works on both processes.
jar="$work/cookies"
curl -sf -c "$jar" -o /dev/null --data-urlencode 'name=部署读者' --data-urlencode 'password=今日新闻真好看2021' \
  "$site/api/auth/register" || fail "registration through nginx failed"
last=$(curl -sf -d 'article_id=1' "$site/api/comments/list" | python3 -c 'import json, sys; print(json.load(sys.stdin)["last_event_id"])')

# A stream through nginx; one comment posted to each process directly.
curl -sN --max-time 20 "$site/api/comments/stream?article_id=1&after=$last" >"$work/stream.txt" 2>/dev/null &
stream=$!
sleep 1
post() { # post PORT TEXT
  curl -sf -b "$jar" -o /dev/null -d article_id=1 --data-urlencode "body=$2" "http://127.0.0.1:$1/api/comments/post" ||
    fail "posting to port $1 failed"
}
t0=$(date +%s%N)
post "$a" "经由进程A的评论"
sleep 1.1
post "$b" "经由进程B的评论"
for _ in $(seq 50); do
  if grep -q '经由进程A的评论' "$work/stream.txt" && grep -q '经由进程B的评论' "$work/stream.txt"; then
    kill "$stream" 2>/dev/null || true
    echo "deploy-check: a stream through nginx got the comments posted to both processes ($(( ($(date +%s%N) - t0) / 1000000 )) ms for both)"
    exit 0
  fi
  sleep 0.1
done
kill "$stream" 2>/dev/null || true
echo "== stream" >&2; cat "$work/stream.txt" >&2
fail "the stream through nginx did not get both comments within 5 s"

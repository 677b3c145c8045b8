#!/usr/bin/env bash
# Report to hidden everywhere (bench/report_hide.rs): the release server on loopback over a
# fresh SQLite database, a moderator made with `jinri user grant`, 1,000 open pages of one
# article (SUBSCRIBERS to change it), 20 rounds of post → report → the moderator's open queue
# hears it → hide → every open page has the `Hidden` event. Then the word filter's cost per
# comment with 1,000 entries (bench/wordfilter.rs). Usage: bench/moderation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/jinri ] || { . scripts/setup.sh; cargo leptos build --release --split --precompress; }
cargo build -q --profile tools --features ssr --example report_hide --example wordfilter
ulimit -n 65536 2>/dev/null || true
subscribers="${SUBSCRIBERS:-1000}"
port=3193
dir="$(mktemp -d)"
export DATABASE_URL="sqlite://$dir/bench.db" RUST_LOG=warn
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  JINRI_COMMENTS_MIN_INTERVAL_SECS=0 JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR=100000 JINRI_LIVE_MAX_STREAMS_PER_IP=1000000 \
  target/release/jinri >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
name="bench_mod$$"
cookie=$(curl -s -D - -o /dev/null -H 'accept: application/json' \
  --data-urlencode "name=$name" --data-urlencode 'password=bench-password-2021' \
  "http://127.0.0.1:$port/api/auth/register" | sed -n 's/^set-cookie: \(jinri_session=[^;]*\).*/\1/ip' | head -1)
target/release/jinri user grant "$name" moderator >/dev/null
target/tools/examples/report_hide "http://127.0.0.1:$port" "$cookie" "$subscribers" 20
echo
target/tools/examples/wordfilter

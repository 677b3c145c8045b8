#!/usr/bin/env bash
# Live fan-out: time from a comment's acknowledgement to its arrival at every open stream.
# Starts the release server on loopback over a fresh database. Usage: bench/live.sh [subscribers...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x target/release/jinri ] || { . scripts/setup.sh; cargo leptos build --release --split --precompress; }
cargo build -q --profile tools --features ssr --example live_latency
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 100 1000)
ulimit -n 65536 2>/dev/null || true

port=3191
dir="$(mktemp -d)"
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" DATABASE_URL="sqlite://$dir/bench.db" \
  JINRI_COMMENTS_MIN_INTERVAL_SECS=0 JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR=100000 JINRI_LIVE_MAX_STREAMS_PER_IP=1000000 RUST_LOG=warn \
  target/release/jinri >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
for n in "${counts[@]}"; do
  target/tools/examples/live_latency "http://127.0.0.1:$port" "$n" 50
done

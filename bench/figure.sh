#!/usr/bin/env bash
# Upload-to-visible time for a 5 MB photo (bench/figure_upload.rs): starts the release build on
# a fresh SQLite database with the demo content, makes an editor, and runs the uploads.
# Usage: bench/figure.sh [RUNS] (after `cargo leptos build --release`).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/jinri
[ -x "$bin" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }
runs="${1:-5}"
dir="$(mktemp -d)"
port=3191
export DATABASE_URL="sqlite://$dir/bench.db" LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn
"$bin" > "$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" > /dev/null && break; sleep 0.1; done
name="bench_editor"
cookie=$(curl -s -D - -o /dev/null -H 'accept: application/json' \
  --data-urlencode "name=$name" --data-urlencode "password=bench-password-2021" \
  "http://127.0.0.1:$port/api/auth/register" | sed -n 's/^set-cookie: \([^;]*\);.*/\1/Ip' | grep session | head -1)
"$bin" user grant "$name" editor > /dev/null
cargo run -q --profile tools --features ssr --example figure_upload -- "http://127.0.0.1:$port" "$cookie" "$runs"

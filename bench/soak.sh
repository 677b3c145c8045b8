#!/usr/bin/env bash
# Soak: the release server under a steady mix of readers, posters, likers, logins and live
# subscribers (bench/soak.rs) for SOAK_SECS, once per worker-thread count, over a fresh
# temporary database on loopback. Samples the server's resident memory at start, every minute
# and at the end, stops the server with SIGTERM and checks that it exits cleanly. Prints one
# table; exits non-zero on any 5xx, hang, lost comment, missed live event, unexpected status
# or unclean stop.
#
# Usage: bench/soak.sh
#   SOAK_SECS=1800      load time per run
#   SOAK_THREADS="1 2"  TOKIO_WORKER_THREADS of the server, one run each
#   SOAK_PORT=3301      first port (one per run: 3301, 3302, …); default: a free port per run
#   SOAK_CLIENT=path    the soak client to use (default: see below)
#
# Reuses target/release/jinri (as `cargo leptos build --release --split --precompress` leaves it) when it is newer
# than every file in src/, migrations/, Cargo.toml and Cargo.lock; builds it otherwise. The
# client is the `tools`-profile example if it is newer than bench/soak.rs, else the debug one that
# `cargo test --features ssr` builds (as scripts/test.sh runs it: no extra build in CI), else
# that example is built. It is expensive next to the release server:
# dev-dependencies (reqwest) change features of shared crates and cargo leptos sets LEPTOS_*
# compile-time variables, so the crate and much of Leptos compile again (over 30 minutes on 2
# busy cores). A debug client is ample for a few hundred requests a second.
#
# Limits the soak raises, and why (every other limit stays at its default):
#   comments.min_interval_secs 5 → 2          20 posters post every 2.3–5 s; a probe checks a
#                                             second post within 2 s still gets 429
#   auth.registrations_per_ip_per_hour 5 → 500  28 accounts at start, ~1 more a minute, one address
#   auth.login_failures_per_ip 50 → 2000      ~0.5 wrong passwords/s from one address (per 15 min);
#                                             the per-account-and-address limit (10) stays and is
#                                             cleared by each correct login; past 100 failures of
#                                             one account in 15 min (a cycler's, after ~10 minutes)
#                                             its logins wait auth.login_delay_ms (1 s)
# comments.likes_per_minute stays 30: likers like every 2.1-2.6 s, one eager liker faster (429s).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
secs="${SOAK_SECS:-1800}"
threads="${SOAK_THREADS:-1 2}"
port="${SOAK_PORT:-}"
free_port() { python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
bin="$target/release/jinri"

# newer FILE PATH… → true when FILE exists and no file under the PATHs is newer.
newer() {
  local f=$1
  shift
  [ -x "$f" ] && [ -z "$(find "$@" -type f -newer "$f" -print -quit 2>/dev/null)" ]
}
if ! newer "$bin" src migrations Cargo.toml Cargo.lock; then
  echo "soak: building the release server"
  cargo build --release --features ssr --bin jinri
fi
client="${SOAK_CLIENT:-}"
if [ -z "$client" ]; then
  for c in "$target/tools/examples/soak" "$target/debug/examples/soak"; do
    if newer "$c" bench/soak.rs Cargo.lock; then client=$c; break; fi
  done
fi
if [ -z "$client" ]; then
  echo "soak: building the soak client"
  cargo build --profile tools --features ssr --example soak
  client="$target/tools/examples/soak"
fi
echo "soak: server $bin, client $client, ${secs} s per run, worker threads: $threads"

dir="$(mktemp -d)"
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -n "$server" ] && kill -KILL "$server" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

rows=()
failed=0
for t in $threads; do
  run="$dir/t$t"
  mkdir -p "$run"
  # A fixed port could be another program's: the soak would then load that one.
  [ -n "${SOAK_PORT:-}" ] || port=$(free_port)
  base="http://127.0.0.1:$port"
  TOKIO_WORKER_THREADS=$t RUST_LOG=warn \
    JINRI_SERVER_ADDR="127.0.0.1:$port" JINRI_SERVER_SITE_ROOT="$target/site" \
    JINRI_DATABASE_URL="sqlite://$run/soak.db" \
    JINRI_COMMENTS_MIN_INTERVAL_SECS=2 \
    JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR=500 \
    JINRI_AUTH_LOGIN_FAILURES_PER_IP=2000 \
    "$bin" >"$run/server.log" 2>&1 &
  server=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.05; done
  curl -sf -o /dev/null "$base/healthz" || { echo "soak: server did not start" >&2; cat "$run/server.log" >&2; exit 1; }
  kill -0 "$server" 2>/dev/null || { echo "soak: the server exited (port $port taken?)" >&2; cat "$run/server.log" >&2; exit 1; }
  start=$(rss "$server")
  # One sample a minute while the soak runs.
  (
    while kill -0 "$server" 2>/dev/null; do
      sleep 60
      echo "$(date +%s) $(rss "$server")" >>"$run/rss.txt"
    done
  ) &
  sampler=$!
  echo "== TOKIO_WORKER_THREADS=$t, ${secs} s, $base (server RSS at start $(mb "$start") MB)"
  status=0
  "$client" "$base" "$secs" 2>&1 | tee "$run/soak.txt" || status=$?
  end=$(rss "$server")
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  sampler=""
  samples=$(awk '{ printf "%s ", $2 }' "$run/rss.txt" 2>/dev/null || true)
  max=$(printf '%s\n' "$start" "$end" $samples | sort -n | tail -n 1)
  first=$(printf '%s\n' $samples "$end" | head -n 1)
  echo "server RSS (KiB) at start $start, each minute: ${samples:-none}, at end $end"

  # Stop as an operator would: SIGTERM, then it must exit 0 within 15 s.
  kill -TERM "$server"
  stopped="clean"
  for _ in $(seq 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$server" 2>/dev/null; then
    stopped="HUNG"
    kill -KILL "$server"
  fi
  code=0
  wait "$server" || code=$?
  server=""
  [ "$stopped" = clean ] && [ "$code" -ne 0 ] && stopped="exit $code"
  if grep -q ' ERROR ' "$run/server.log"; then
    echo "server errors logged:"
    grep ' ERROR ' "$run/server.log" | head -n 20
  fi

  result=$(grep '^RESULT ' "$run/soak.txt" || echo "RESULT none")
  field() { echo "$result" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
  verdict=$(echo "$result" | awk '{ print $NF }')
  if [ "$status" -ne 0 ] || [ "$verdict" != PASS ] || [ "$stopped" != clean ]; then
    failed=1
    verdict=FAIL
  fi
  rows+=("$(printf '%-7s | %-6s | %-8s | %-6s | %-30s | %-3s | %-5s | %-4s | %-6s | %-8s | %-21s | %-7s | %s' \
    "$t" "$(field secs)" "$(field requests)" "$(awk -v r="$(field requests)" -v s="$(field secs)" 'BEGIN { if (s > 0) printf "%.0f", r / s }')" \
    "$(field errors)" "$(field 5xx)" "$(field hangs)" "$(field lost)" "$(field missed)" "$(field comments)" \
    "$(mb "$start") / $(mb "$first") / $(mb "$end")" "$(mb "$max")" "$stopped $verdict")")
  [ -z "${SOAK_PORT:-}" ] || port=$((port + 1))
done

echo
printf '%-7s | %-6s | %-8s | %-6s | %-30s | %-3s | %-5s | %-4s | %-6s | %-8s | %-21s | %-7s | %s\n' \
  threads secs requests req/s "errors by status" 5xx hangs lost missed comments "RSS MB start/1min/end" "RSS max" "stop, verdict"
printf '%s\n' "$(printf '%.0s-' $(seq 150))"
printf '%s\n' "${rows[@]}"
exit "$failed"

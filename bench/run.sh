#!/usr/bin/env bash
# Jinri's benchmark: builds the release site, generates a database (1,000+ articles, 100,000+
# comments; one article with 50 comments and one with 10,000), starts the server on loopback
# and prints one table of figures beside their targets. Every load run is bounded in time.
# Usage: bench/run.sh            (BENCH_SECS=10 seconds per load run; BENCH_FANOUT="100 1000 10000";
#                                BENCH_LARGE_SITE=100000 articles for the archive rows, 0 for none)
#        BENCH_DATABASE=postgres bench/run.sh   the same table on PostgreSQL (a throwaway cluster,
#                                               scripts/pg-cluster.sh, stopped at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
database="${BENCH_DATABASE:-sqlite}"
if [ "$database" = postgres ]; then . scripts/setup-test.sh; else . scripts/setup.sh; fi
if ! command -v wrk >/dev/null; then apt-get install -y wrk >/dev/null || { echo "bench needs wrk" >&2; exit 1; }; fi
if ! command -v brotli >/dev/null; then apt-get install -y brotli >/dev/null || true; fi
secs="${BENCH_SECS:-10}"
fanout="${BENCH_FANOUT:-100 1000 10000}"
ulimit -n 65536 2>/dev/null || true

cargo leptos build --release --split --precompress 2>&1 | tail -n 1
cargo build -q --profile tools --features ssr --example gen_db --example live_latency --example rate --example reconnect

dir="$(mktemp -d)"
pids=()
cluster=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "$cluster" ] && scripts/pg-cluster.sh stop "$cluster" >/dev/null 2>&1
  rm -rf "$dir" target/site/bench
}
trap cleanup EXIT
if [ "$database" = postgres ]; then
  eval "$(scripts/pg-cluster.sh start)"
  cluster="$JINRI_PG_CLUSTER"
fi
new_db() { # new_db NAME → the URL of a new, empty database
  if [ "$database" = postgres ]; then
    psql -q "$JINRI_TEST_PG_URL" -c "CREATE DATABASE $1" >/dev/null
    echo "${JINRI_TEST_PG_URL%/postgres}/$1"
  else
    echo "sqlite://$dir/$1.db"
  fi
}
rows=()
row() { rows+=("$(printf '%-44s | %-44s | %s' "$1" "$2" "$3")"); }

serve() { # serve PORT DATABASE_URL → starts the release server, sets $pid
  LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$1" DATABASE_URL="$2" \
    JINRI_COMMENTS_MIN_INTERVAL_SECS=0 JINRI_AUTH_REGISTRATIONS_PER_IP_PER_HOUR=1000000 JINRI_LIVE_MAX_STREAMS_PER_IP=1000000 RUST_LOG=warn \
    target/release/jinri >>"$dir/server.log" 2>&1 &
  pid=$!
  pids+=("$pid")
}
rss() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }
load() { # load URL [extra wrk args] → "req/s p50 p99"
  local url=$1; shift
  wrk -t2 -c50 -d"${secs}s" --latency "$@" "$url" >"$dir/wrk.txt"
  awk '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 } /Non-2xx/ { bad = $NF }
       END { printf "%.0f req/s, p50 %s, p99 %s%s", r, p50, p99, (bad ? ", NON-2XX " bad : "") }' "$dir/wrk.txt"
}
reqs() { awk '/Requests\/sec/ { printf "%.0f", $2 }' "$dir/wrk.txt"; }

# Start-up on a fresh database (migrations and demo seed included).
port=3201
t0=$(date +%s%N)
serve $port "$(new_db fresh)"
until curl -sf -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
t1=$(date +%s%N)
row "start to first 200, fresh database" "$(( (t1 - t0) / 1000000 )) ms" "-"
kill "$pid"; wait "$pid" 2>/dev/null || true

echo "generating the database…"
bench_db=$(new_db bench)
read -r small large < <(target/tools/examples/gen_db "$bench_db" 1000 100000 | sed 's/small=//; s/large=//')
[ "$database" = postgres ] && psql -q "$bench_db" -c 'VACUUM ANALYZE' >/dev/null
port=3202
base="http://127.0.0.1:$port"
serve $port "$bench_db"
server=$pid
until curl -sf -o /dev/null "$base/"; do sleep 0.05; done
curl -sf -o /dev/null "$base/article/$small"
row "resident memory, idle" "$(( $(rss "$server") / 1024 )) MB" "<= 50 MB"

mkdir -p target/site/bench
peak=0
for page in "article/$small:article (50 comments)" "article/$large:article (10,000 comments)" ":front page /"; do
  path=${page%%:*}; label=${page#*:}
  curl -sf "$base/$path" >"target/site/bench/page.html"
  cp target/site/bench/page.html "target/site/bench/$(echo "$path" | tr '/' '_').html"
  dyn=$(load "$base/$path" &
        wpid=$!; while kill -0 $wpid 2>/dev/null; do r=$(rss "$server"); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.5; done; wait $wpid)
  dynrate=$(reqs)
  [ "$path" = "article/$small" ] && small_rate=$dynrate
  [ "$path" = "article/$large" ] && large_rate=$dynrate
  stat=$(load "$base/bench/$(echo "$path" | tr '/' '_').html")
  statrate=$(reqs)
  row "$label, 50 connections" "$dyn" "article >= 3,000 req/s"
  row "  same bytes as a static file" "$stat" "-"
  row "  ratio page / static file" "$(awk -v a="$dynrate" -v b="$statrate" 'BEGIN { printf "%.0f%%", 100 * a / b }')" "article >= 40%"
  if [ "$path" = "article/$small" ]; then
    # Latency at half the measured maximum, at a fixed rate (measured from each request's due time).
    half=$((dynrate / 2))
    out=$(target/tools/examples/rate "$base/$path" "$half" "$secs" 50)
    row "  at half that rate ($half req/s)" "$(echo "$out" | sed -E 's/.*(p50 [0-9.]+ ms).*(p99 [0-9.]+ ms).*/\1, \2/')$(echo "$out" | sed -nE 's/.* ([1-9][0-9]*) errors.*/, \1 ERRORS/p')" "p99 <= 25 ms"
  fi
done
# As browsers ask for pages: compressed, which costs CPU for every response, cached ones too.
# Chromium's Accept-Encoding: a cached page comes as its stored gzip, a rendered one as brotli.
browser_encoding="Accept-Encoding: gzip, deflate, br, zstd"
row "article (50 comments), as browsers ask (compressed)" "$(load "$base/article/$small" -H "$browser_encoding"), $(curl -s -H "$browser_encoding" -o /dev/null -w "%{size_download}" "$base/article/$small") bytes" "-"
row "10,000-comment article vs 50-comment article" "$(awk -v a="$small_rate" -v b="$large_rate" 'BEGIN { printf "%.2fx slower", a / b }')" "<= 2x"
row "resident memory, peak under page load" "$(( $(rss "$server") > peak ? $(rss "$server") / 1024 : peak / 1024 )) MB" "-"

# 50 signed-in readers (the posting load below posts as them); a signed-in page is rendered for
# every request: the guest page cache never serves a reader with a session.
: >"$dir/cookies.txt"
for i in $(seq 50); do
  curl -s -D - -o /dev/null -H 'Accept: application/json' -d "name=bench_poster_$i&password=bench-password-2021" \
    "$base/api/auth/register" | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }' >>"$dir/cookies.txt"
done
cookie=$(head -n 1 "$dir/cookies.txt")
row "signed in: article (50 comments), rendered" "$(load "$base/article/$small" -H "Cookie: $cookie")" ">= 5,000 req/s"
signed_small=$(reqs)
row "  the same as browsers ask (compressed)" "$(load "$base/article/$small" -H "Cookie: $cookie" -H "$browser_encoding")" "-"
row "signed in: article (10,000 comments), rendered" "$(load "$base/article/$large" -H "Cookie: $cookie")" "within 1.2x"
row "  10,000 vs 50 comments, signed in" "$(awk -v a="$signed_small" -v b="$(reqs)" 'BEGIN { printf "%.2fx slower", a / b }')" "<= 1.2x"
# Oldest first, the large article's first page holds its longest thread (gen_db: 2,000 replies
# to its first comment), whose replies each page counts.
row "signed in: article (10,000 comments), oldest first" "$(load "$base/article/$large?sort=old" -H "Cookie: $cookie")" "within 1.2x"
row "  its 2,000-reply thread vs 50 comments" "$(awk -v a="$signed_small" -v b="$(reqs)" 'BEGIN { printf "%.2fx slower", a / b }')" "<= 1.2x"
row "signed in: bare shell /app, rendered" "$(load "$base/app" -H "Cookie: $cookie")" ">= 10,000 req/s"
row "signed in: front page /, rendered" "$(load "$base/" -H "Cookie: $cookie")" "-"
signed_front=$(reqs)

# Allocations a request, counted by a uprobe on mimalloc's entry points (perf, as root; skipped
# otherwise). Unlike a rate the count hardly moves between runs on a shared machine, so it shows
# what a change to the rendering did (bench/README, "What changed which figure").
allocs() { # allocs URL [curl args] → "N + M reallocations"
  local url=$1; shift
  curl -s -o /dev/null "$@" "$url"
  perf stat -x, -e probe_jinri:mi_malloc_aligned,probe_jinri:mi_realloc_aligned -p "$server" -- \
    bash -c 'for i in $(seq 200); do curl -s -o /dev/null "$@"; done' _ "$@" "$url" 2>&1 >/dev/null |
    awk -F, '/mi_malloc/ { m = $1 } /mi_realloc/ { r = $1 } END { printf "%.0f + %.0f reallocations", m / 200, r / 200 }'
}
perf probe -q -d 'probe_jinri:*' >/dev/null 2>&1 || true
if command -v perf >/dev/null && perf probe -q -x target/release/jinri --add mi_malloc_aligned >/dev/null 2>&1 &&
  perf probe -q -x target/release/jinri --add mi_realloc_aligned >/dev/null 2>&1; then
  row "allocations a request: signed-in article (50)" "$(allocs "$base/article/$small" -H "Cookie: $cookie")" "-"
  row "  signed-in /app" "$(allocs "$base/app" -H "Cookie: $cookie")" "-"
  row "  guest article (50), from the page cache" "$(allocs "$base/article/$small")" "-"
  perf probe -q -d 'probe_jinri:*' >/dev/null 2>&1 || true
else
  row "allocations a request" "not counted (needs perf and root)" "-"
fi

# Under writes: 10 comments a second land on two other articles (bench/rate.rs in its POST mode)
# while the same pages are loaded again; the figure beside its idle rate.
under_writes() { # under_writes LABEL IDLE_RATE URL [wrk args] → a row
  local label=$1 idle=$2 url=$3; shift 3
  RATE_POST_FORM='article_id={article}&body=under+writes+{n}' RATE_POST_ARTICLES="$((small + 1)),$((small + 3))" \
    RATE_COOKIE="$(sed -n 2p "$dir/cookies.txt")" \
    target/tools/examples/rate "$base/api/comments/post" 10 $((secs + 2)) 2 >"$dir/writes.txt" &
  local wpid=$!
  sleep 1
  local fig
  fig=$(load "$url" "$@")
  wait $wpid
  row "$label" "$fig; $(awk -v a="$(reqs)" -v b="$idle" 'BEGIN { printf "%.0f%%", 100 * a / b }') of idle" ">= 80% of idle"
  row "  the writes meanwhile" "$(sed -E 's/.*: ([0-9]+ ok) \(([0-9]+\/s)\), ([0-9]+ errors).*p99 ([0-9.]+ ms).*/\1 (\2), \3, p99 \4/' "$dir/writes.txt")" "10/s, 0 errors"
}
under_writes "article (50 comments), guest, 10 comments/s elsewhere" "$small_rate" "$base/article/$small"
under_writes "article (50 comments), signed in, 10 comments/s elsewhere" "$signed_small" "$base/article/$small" -H "Cookie: $cookie"
posted=$(JINRI_BENCH_COOKIES="$dir/cookies.txt" JINRI_BENCH_ARTICLE=$((small + 2)) load "$base/api/comments/post" -s bench/post.lua)
row "posting comments, 50 readers" "${posted/req\/s/comments\/s}" ">= 500 comments/s"

for n in $fanout; do
  out=$(target/tools/examples/live_latency "$base" "$n" 30 "$server")
  p50=$(echo "$out" | sed -E 's/.*ack→arrival p50 ([0-9.]+) ms p99 ([0-9.]+) ms.*/\1/')
  p99=$(echo "$out" | sed -E 's/.*ack→arrival p50 ([0-9.]+) ms p99 ([0-9.]+) ms.*/\2/')
  miss=$(echo "$out" | sed -E 's/.*missing ([0-9]+).*/\1/')
  kib=$(echo "$out" | sed -E 's/.*KiB\/idle subscriber ([-0-9.]+).*/\1/')
  target="-"; [ "$n" = 1000 ] && target="p99 <= 100 ms"; [ "$n" = 10000 ] && target="p99 <= 1 s"
  row "live fan-out, $n subscribers (ack→arrival)" "p50 $p50 ms, p99 $p99 ms, missing $miss" "$target"
  row "  server memory per idle subscriber" "$kib KiB" "<= 50 KB"
done

# A restart with 1,000 pages open: they follow ten articles, the server stops (SIGTERM ends
# their streams), two comments per article land meanwhile, and once the new server answers all
# 1,000 reconnect at once with their Last-Event-ID (bench/reconnect.rs).
streams="${BENCH_RECONNECT:-1000}"
target/tools/examples/reconnect "$base" "$streams" "$bench_db" >"$dir/reconnect.txt" 2>&1 &
rpid=$!
until grep -q '^open' "$dir/reconnect.txt"; do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
kill -TERM "$server"; wait "$server" 2>/dev/null || true
until grep -q '^written' "$dir/reconnect.txt"; do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
serve $port "$bench_db"
server=$pid
wait $rpid || true
row "$streams streams reconnecting after a restart" \
  "$(sed -nE 's/^result [0-9]+ streams \(([0-9]+) missed events each\) live again after ([0-9]+ ms) \(half after ([0-9]+ ms)\), (.*)/all after \2 (half \3), \1 missed each; \4/p' "$dir/reconnect.txt")" "all live, 0 5xx"

# A site with 100,000 articles (BENCH_LARGE_SITE): what a page costs must not grow with the
# archive. Signed in, so every page is rendered: the front page and the oldest article (its
# 上一篇 and the page count are where the number of articles could show).
large_site="${BENCH_LARGE_SITE:-100000}"
if [ "$large_site" -gt 0 ]; then
  large_db=$(new_db large_site)
  read -r oldest _ < <(target/tools/examples/gen_db "$large_db" "$large_site" 20000 | sed 's/small=//; s/large=//')
  [ "$database" = postgres ] && psql -q "$large_db" -c 'VACUUM ANALYZE' >/dev/null
  lport=3203
  serve $lport "$large_db"
  lserver=$pid
  until curl -sf -o /dev/null "http://127.0.0.1:$lport/"; do sleep 0.05; done
  lcookie=$(curl -s -D - -o /dev/null -H 'Accept: application/json' -d "name=bench_archive_reader&password=bench-password-2021" \
    "http://127.0.0.1:$lport/api/auth/register" | awk -F'[ ;]' 'tolower($1) == "set-cookie:" { print $2 }')
  row "signed in: front page /, $large_site articles" "$(load "http://127.0.0.1:$lport/" -H "Cookie: $lcookie")" "-"
  row "  vs the 1,000-article site" "$(awk -v a="$signed_front" -v b="$(reqs)" 'BEGIN { printf "%.2fx slower", a / b }')" "-"
  # Half-way down the archive: the page is found by walking the index of the published order
  # (a page number is the reader's to choose, and each is rendered anew).
  middle=$((large_site / 20))
  row "signed in: /?page=$middle, $large_site articles" "$(load "http://127.0.0.1:$lport/?page=$middle" -H "Cookie: $lcookie")" "-"
  row "signed in: the archive's first article (50 comments), $large_site articles" "$(load "http://127.0.0.1:$lport/article/$oldest" -H "Cookie: $lcookie")" "-"
  row "  vs the 1,000-article site" "$(awk -v a="$signed_small" -v b="$(reqs)" 'BEGIN { printf "%.2fx slower", a / b }')" "-"
  kill "$lserver"; wait "$lserver" 2>/dev/null || true
fi

# cargo-leptos names them jinri.<content hash>.wasm, .js and .css.
wasm=$(ls target/site/pkg/jinri*.wasm) js=$(ls target/site/pkg/jinri*.js) css=$(ls target/site/pkg/jinri*.css)
row "release wasm (raw / gzip / brotli)" "$(stat -c %s $wasm) / $(gzip -9c $wasm | wc -c) / $(brotli -c $wasm | wc -c) bytes" "brotli <= 250 KB (see first visit)"
row "JS glue / CSS (raw, brotli)" "$(stat -c %s "$js"), $(brotli -c "$js" | wc -c) / $(stat -c %s "$css"), $(brotli -c "$css" | wc -c) bytes" "-"

# Everything each route fetches on a first visit to become interactive (document with its
# hydration data, CSS, JS, wasm), measured in Chromium by end2end/tests/first-visit.spec.ts.
rm -f target/first-visit.json
if (cd end2end && npx playwright test tests/first-visit.spec.ts >"$dir/first-visit.txt" 2>&1); then :; fi
if [ -f target/first-visit.json ]; then
  while IFS=$'\t' read -r route bytes wasm; do
    row "first visit to $route (brotli)" "$bytes bytes (wasm $wasm)" "<= 200,000 (CI: 250,000)"
  done < <(node -e 'for (const r of require("./target/first-visit.json")) console.log([r.route, r.brotli, r.wasm].join("\t"))')
else
  row "first visit per route" "not measured: see $dir/first-visit.txt" "<= 200,000"
fi

echo
printf '%-44s | %-44s | %s\n' "measure" "figure" "target"
printf '%s\n' "$(printf '%.0s-' $(seq 110))"
printf '%s\n' "${rows[@]}"

#!/usr/bin/env bash
# Lighthouse 12 on the front page and an article page of the release site, in Debian's Chromium
# (mobile emulation, Lighthouse's default throttling). Prints the four category scores beside
# their targets and keeps the JSON reports in target/lighthouse/.
# Usage: bench/lighthouse.sh        (needs the release build: cargo leptos build --release --split --precompress)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
tools="$PWD/.tools"
if ! [ -x "$tools/node_modules/.bin/lighthouse" ]; then
  npm install --prefix "$tools" --no-audit --no-fund lighthouse@12 >/dev/null
fi
[ -x target/release/jinri ] || cargo leptos build --release --split --precompress
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
out=target/lighthouse
mkdir -p "$out"
dir="$(mktemp -d)"
port="${LIGHTHOUSE_PORT:-3211}"
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_ADDR="127.0.0.1:$port" DATABASE_URL="sqlite://$dir/lh.db" RUST_LOG=warn \
  target/release/jinri >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.1; done
# The release build writes the compressed copies the server sends (--precompress).
wasm=$(ls target/site/pkg/jinri*.wasm)  # jinri.<content hash>.wasm
[ -f "$wasm.br" ] || { echo "lighthouse: no $wasm.br: build with cargo leptos build --release --split --precompress" >&2; exit 1; }

printf '%-24s | %11s | %13s | %14s | %5s\n' "page" "performance" "accessibility" "best practices" "SEO"
printf '%s\n' "-------------------------------------------------------------------------------"
for page in "/:front" "/article/1:article"; do
  path=${page%%:*}; name=${page#*:}
  "$tools/node_modules/.bin/lighthouse" "http://127.0.0.1:$port$path" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --only-categories=performance,accessibility,best-practices,seo \
    --output=json --output-path="$out/$name.json" >/dev/null 2>"$dir/lh-$name.log" \
    || { cat "$dir/lh-$name.log" >&2; exit 1; }
  node -e '
    const r = require(process.argv[1]); const c = r.categories;
    const s = (k) => Math.round(c[k].score * 100);
    console.log(`${(process.argv[2] + " " + process.argv[3]).padEnd(24)} | ${String(s("performance")).padStart(11)} | ${String(s("accessibility")).padStart(13)} | ${String(s("best-practices")).padStart(14)} | ${String(s("seo")).padStart(5)}`);
    const m = r.audits;
    console.error(`  ${process.argv[2]}: FCP ${m["first-contentful-paint"].displayValue}, LCP ${m["largest-contentful-paint"].displayValue}, TBT ${m["total-blocking-time"].displayValue}, CLS ${m["cumulative-layout-shift"].displayValue}`);
    for (const k of ["accessibility", "best-practices", "seo"]) for (const a of c[k].auditRefs) {
      const au = m[a.id]; if (a.weight > 0 && au.score !== null && au.score < 1) console.error(`  ${process.argv[2]}: ${k}: ${a.id} (${au.title})`);
    }' "$PWD/$out/$name.json" "$name" "$path"
done
echo "targets: performance >= 95, accessibility 100, best practices 100, SEO 100, total blocking time <= 100 ms"

#!/usr/bin/env bash
# The framework's floor: how many bytes a Leptos page made of the parts Jinri's article page is
# built from downloads before any of Jinri's own code. Builds the small app in bench/floor/ (a
# copy in target/floor, with Jinri's Cargo.lock and .cargo/config.toml, so the same Leptos, the
# same `erase_components` flag, the same browser profile and wasm-opt passes) once per set of
# parts, and prints each bundle's size: raw, and brotli at quality 11 as first-visit.spec counts
# it. About 15 minutes the first time on two cores, ~1 minute a variant after that.
# Usage: bench/floor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
root="$PWD"

# The floor is only a floor if it is built as Jinri's bundle is.
profile() { sed -n '/^\[profile.wasm-release\]/,/^$/p' "$1"; grep '^wasm-opt-features' "$1"; }
if ! diff <(profile Cargo.toml) <(profile bench/floor/Cargo.toml) >/dev/null; then
  echo "floor: bench/floor/Cargo.toml's [profile.wasm-release] or wasm-opt-features differ from Cargo.toml's" >&2
  exit 1
fi

work="$root/target/floor"
mkdir -p "$work"
rm -rf "$work/src"
cp -r bench/floor/Cargo.toml bench/floor/src "$work/"
cp Cargo.lock "$work/"
cd "$work"

br() { brotli -q 11 -c "$1" | wc -c; }
printf '%-58s | %9s | %12s | %9s\n' "parts" "wasm raw" "wasm brotli" "JS brotli"
printf '%s\n' "--------------------------------------------------------------------------------------------------"
variant() {
  local what="$1" features="$2" log="$work/build-${2:-sync}.log"
  log="${log//,/-}"
  if ! cargo leptos build --release --lib-features "hydrate${features:+,$features}" \
      --bin-features "ssr${features:+,$features}" >"$log" 2>&1; then
    echo "floor: the build of '$what' failed: $log" >&2
    exit 1
  fi
  local wasm=target/site/pkg/floor.wasm js=target/site/pkg/floor.js
  printf '%-58s | %9s | %12s | %9s\n' "$what" "$(stat -c %s $wasm)" "$(br $wasm)" "$(br $js)"
}
variant "router, head tags, resource, list, form; async hydration" "lazy"
variant "the same, hydrated synchronously (no lazy routes)" ""
variant "without the head tags (leptos_meta)" "lazy,nometa"
variant "without the form and its server function" "lazy,noform"
variant "without router and head tags" "lazy,norouter,nometa"
variant "a button and a signal (hydrated synchronously)" "counter"

cd "$root"
if ls target/site/pkg/jinri*.wasm >/dev/null 2>&1; then
  wasm=$(ls target/site/pkg/jinri*.wasm)
  printf '%-58s | %9s | %12s |\n' "Jinri's main module (last release build)" "$(stat -c %s "$wasm")" "$(br "$wasm")"
fi

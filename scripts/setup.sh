#!/usr/bin/env bash
# Installs what building, running and testing Jinri need, and skips what is already there:
# the wasm32 target, cargo-leptos 0.3.10, the wasm-bindgen CLI matching Cargo.lock,
# wasm-opt (npm binaryen), Chromium with a CJK font, and the end2end npm packages.
# Source it (`. scripts/setup.sh`) so the PATH it sets carries over.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
export PATH="$HOME/.cargo/bin:$tools/node_modules/.bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

if ! rustup target list --installed | grep -x wasm32-unknown-unknown >/dev/null; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 0.3.11 needs a newer rustc than this toolchain; --locked keeps its dependencies buildable.
if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
  say "installing cargo-leptos 0.3.10 (about 20 minutes on 2 cores)"
  cargo install --locked cargo-leptos --version 0.3.10
fi

# Advisory check of Cargo.lock (offline, against a local copy of the RustSec database).
if ! cargo audit --version >/dev/null 2>&1; then
  say "installing cargo-audit (a few minutes)"
  cargo install --locked cargo-audit
fi

# cargo-leptos calls the wasm-bindgen CLI from PATH; it must match the library exactly.
wb_version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  say "installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# cargo-leptos runs wasm-opt on release builds; Debian's binaryen is too old.
if ! [ -x "$tools/node_modules/.bin/wasm-opt" ]; then
  say "installing wasm-opt (npm binaryen@132) into .tools/"
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund binaryen@132
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# No `grep -q` on a pipe here: it exits early, fc-list gets SIGPIPE and pipefail reports failure.
fc-list 2>/dev/null | grep -i 'CJK' >/dev/null || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if ! [ -d "$root/end2end/node_modules/@playwright/test" ] || [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
  say "installing end2end npm packages"
  (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

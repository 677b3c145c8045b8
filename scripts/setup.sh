#!/usr/bin/env bash
# Installs what building and running Jinri need, and skips what is already there: the wasm32
# target, cargo-leptos 0.3.10, the wasm-bindgen CLI matching Cargo.lock and wasm-opt (npm
# binaryen). What only the tests need is in scripts/setup-test.sh.
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

#!/usr/bin/env bash
# Runs every test: format and lint checks for both targets, the Rust unit and integration
# tests, then the release build and the Playwright suite in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "clippy (server and browser)"
cargo clippy --features ssr --all-targets -- -D warnings
cargo clippy --features hydrate --lib --target wasm32-unknown-unknown -- -D warnings

step "Rust unit and integration tests"
# One test at a time inside each binary: see tests/common/mod.rs.
cargo test --features ssr -- --test-threads=1

step "release build"
cargo leptos build --release

step "Playwright (Chromium)"
rm -rf target/e2e-data
(cd end2end && npx playwright test)

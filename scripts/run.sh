#!/usr/bin/env bash
# Builds the release site and runs it on an embedded SQLite file (data/jinri.db, filled with
# demo content on first start). Configuration: Leptos.toml and the environment (README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
cargo leptos build --release --split --precompress
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
exec target/release/jinri "$@"

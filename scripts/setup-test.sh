#!/usr/bin/env bash
# Installs what only the tests need, after what scripts/setup.sh installs, and skips what is
# already there: cargo-audit, Chromium with a CJK font and PostgreSQL (Debian packages; the
# tests run a throwaway cluster of their own, scripts/pg-cluster.sh) and the end2end npm
# packages (Playwright, axe). Source it (`. scripts/setup-test.sh`), as scripts/test.sh does.
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# Advisory check of Cargo.lock (offline, against a local copy of the RustSec database).
if ! cargo audit --version >/dev/null 2>&1; then
  say "installing cargo-audit (a few minutes)"
  cargo install --locked cargo-audit
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# No `grep -q` on a pipe here: it exits early, fc-list gets SIGPIPE and pipefail reports failure.
fc-list 2>/dev/null | grep -i 'CJK' >/dev/null || missing+=(fonts-noto-cjk)
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# The deployment check (scripts/deploy-check.sh) runs nginx in front of two processes.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

if ! [ -d "$root/end2end/node_modules/@playwright/test" ] || [ "$root/end2end/package-lock.json" -nt "$root/end2end/node_modules/.package-lock.json" ]; then
  say "installing end2end npm packages"
  (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

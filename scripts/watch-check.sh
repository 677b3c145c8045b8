#!/usr/bin/env bash
# Checks the developer's loop: runs `cargo leptos watch` over a copy of this tree (in a temporary
# folder, sharing this tree's target dir so its build is incremental) on free loopback ports,
# then edits the copy's stylesheet, a component's text and a file in public/, and checks that
# the page the server sends (and the stylesheet it links) shows each edit within 60 seconds of
# watch finishing its rebuild. Prints timings; stops the watch and removes the copy on exit.
# Not part of scripts/test.sh: the first debug build takes minutes.
# Limits (seconds): WATCH_CHECK_START_SECS for the first build (default 2400), WATCH_CHECK_REBUILD_SECS
# for each rebuild (default 1200), WATCH_CHECK_SHOW_SECS after a rebuild (default 60).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
start_secs="${WATCH_CHECK_START_SECS:-2400}"
rebuild_secs="${WATCH_CHECK_REBUILD_SECS:-1200}"
show_secs="${WATCH_CHECK_SHOW_SECS:-60}"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)" reload_port="$(free_port)"
while [ "$reload_port" = "$port" ]; do reload_port="$(free_port)"; done
site="http://127.0.0.1:$port"

copy="$(mktemp -d /tmp/jinri-watch-check.XXXXXX)"
log="$copy.log"
watch_pid=""
cleanup() {
  if [ -n "$watch_pid" ]; then
    # cargo-leptos and the server it runs share the process group started below.
    kill -TERM -- "-$watch_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$watch_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$watch_pid" 2>/dev/null || true
  fi
  rm -rf "$copy" "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The working tree as it is (uncommitted edits too), without build output or local data.
tar -C "$root" --exclude=./target --exclude=./.git --exclude=./.tools --exclude=./data \
  --exclude=./end2end/node_modules --exclude=./fuzz/target -cf - . | tar -C "$copy" -xf -

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
fail() {
  echo "watch-check FAILED: $*" >&2
  echo "--- last lines of the watch log ---" >&2
  tail -n 40 "$log" >&2
  exit 1
}
# cargo-leptos colours the first word of a log line.
updates() { sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -c 'Watch updated' || true; }
# Fetches into a variable first: `curl | grep -q` can fail on SIGPIPE under pipefail.
fetch() { curl -fsS "$site$1" 2>/dev/null; }
shows() { local body; body="$(fetch "$1")" && [[ "$body" == *"$2"* ]]; }
stylesheet() {
  local page
  page="$(fetch /)" && [[ "$page" =~ href=\"(/pkg/[^\"]*\.css)\" ]] && echo "${BASH_REMATCH[1]}"
}

echo "watch-check: cargo leptos watch at $site (reload port $reload_port), copy in $copy"
t0="$(now)"
(
  cd "$copy"
  # setsid: one process group to stop at the end. JINRI_SITE_BASE_URL: links name this port.
  exec setsid env LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_RELOAD_PORT="$reload_port" \
    JINRI_SITE_BASE_URL="$site" cargo leptos watch
) >"$log" 2>&1 &
watch_pid=$!

until curl -fsS -o /dev/null "$site/healthz" 2>/dev/null; do
  kill -0 "$watch_pid" 2>/dev/null || fail "cargo leptos watch exited"
  [ "$(secs "$t0" "$(now)" | cut -d. -f1)" -lt "$start_secs" ] || fail "site not up after ${start_secs}s"
  sleep 2
done
echo "site up after $(secs "$t0" "$(now)")s (first build and start)"

css="$(stylesheet)" || fail "no stylesheet link on the front page"
[ "$css" = "/pkg/jinri.css" ] || fail "the page links $css, not the plain /pkg/jinri.css"
cache="$(curl -fsS -D - -o /dev/null "$site$css" | tr -d '\r' | awk -F': ' 'tolower($1) == "cache-control" { print $2 }')"
[ "$cache" = "no-cache" ] || fail "$css is sent with Cache-Control: $cache, not no-cache"
echo "the page links $css (Cache-Control: $cache)"

# Edits a file of the copy, waits for watch's next "Watch updated" line, then polls `check`
# until it succeeds; prints the rebuild time and how long the change took to show after it.
edit_and_check() {
  local what="$1" check="$2" before t_edit t_built t_seen
  before="$(updates)"
  shift 2
  "$@"
  t_edit="$(now)"
  until [ "$(updates)" -gt "$before" ]; do
    kill -0 "$watch_pid" 2>/dev/null || fail "cargo leptos watch exited during the $what rebuild"
    [ "$(secs "$t_edit" "$(now)" | cut -d. -f1)" -lt "$rebuild_secs" ] || fail "no rebuild ${rebuild_secs}s after the $what edit"
    sleep 1
  done
  t_built="$(now)"
  until $check; do
    [ "$(secs "$t_built" "$(now)" | cut -d. -f1)" -lt "$show_secs" ] || fail "the $what edit not shown ${show_secs}s after its rebuild"
    sleep 0.5
  done
  t_seen="$(now)"
  printf '%-10s rebuilt %6ss after the edit, shown %5ss after the rebuild\n' \
    "$what" "$(secs "$t_edit" "$t_built")" "$(secs "$t_built" "$t_seen")"
}

stamp="$(date +%s)"
style_edit() { printf '\n.watch-check-%s { color: #123456; }\n' "$stamp" >>"$copy/style/main.css"; }
style_shown() { [ "$(stylesheet)" = /pkg/jinri.css ] && shows /pkg/jinri.css "watch-check-$stamp"; }
edit_and_check style style_shown style_edit

text_edit() { sed -i "s/\"新闻电话: \"/\"新闻电话 $stamp: \"/" "$copy/src/components/footer.rs"; }
text_shown() { shows / "新闻电话 $stamp: "; }
grep -q '"新闻电话: "' "$copy/src/components/footer.rs" || fail "the footer text to edit is gone"
edit_and_check component text_shown text_edit

public_edit() { printf '<!-- watch-check %s -->\n' "$stamp" >>"$copy/public/favicon.svg"; }
public_shown() { shows /favicon.svg "watch-check $stamp"; }
edit_and_check public public_shown public_edit

# After the component rebuild restarted the server, the stylesheet is still the edited one.
style_shown || fail "the style edit was lost after the server restarted"
echo "watch-check passed in $(secs "$t0" "$(now)")s"

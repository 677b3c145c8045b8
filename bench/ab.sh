#!/usr/bin/env bash
# Compares two running builds of the site on the same page, loading both at once: this shared
# machine's speed moves by ±15 % from one minute to the next, more than most changes, and two
# servers measured at the same moment see the same machine. Prints, per round, each server's
# rate and its CPU time a request (from /proc, user + system), then the totals.
# Usage: bench/ab.sh PORT_A PORT_B [PATH] [ROUNDS]     (PATH /article/1, ROUNDS 5)
#        AB_COOKIE='jinri_session=…' bench/ab.sh …      signed in (a session cookie's value)
#        AB_SECS=6 AB_CONNECTIONS=25                    each server's load run, per round
# Start the two servers first, on the same database (bench/README, "Comparing two builds").
set -euo pipefail
a="$1"
b="$2"
path="${3:-/article/1}"
rounds="${4:-5}"
secs="${AB_SECS:-6}"
conns="${AB_CONNECTIONS:-25}"
header=()
[ -n "${AB_COOKIE:-}" ] && header=(-H "Cookie: $AB_COOKIE")
pid_of() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pa="$(pid_of "$a")"
pb="$(pid_of "$b")"
[ -n "$pa" ] && [ -n "$pb" ] || { echo "no server listening on $a or $b" >&2; exit 1; }
tick="$(getconf CLK_TCK)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
total_a=0 total_b=0 cpu_a=0 cpu_b=0
for round in $(seq "$rounds"); do
  # One second of warm-up for both, then the measured run, both at once.
  wrk -t1 -c"$conns" -d1s "${header[@]}" "http://127.0.0.1:$a$path" >/dev/null &
  wrk -t1 -c"$conns" -d1s "${header[@]}" "http://127.0.0.1:$b$path" >/dev/null
  wait
  ta="$(cpu_of "$pa")" tb="$(cpu_of "$pb")"
  wrk -t1 -c"$conns" -d"${secs}s" "${header[@]}" "http://127.0.0.1:$a$path" >"$out/a" &
  wrk -t1 -c"$conns" -d"${secs}s" "${header[@]}" "http://127.0.0.1:$b$path" >"$out/b"
  wait
  da=$(($(cpu_of "$pa") - ta)) db=$(($(cpu_of "$pb") - tb))
  na="$(awk '/requests in/ {print $1}' "$out/a")" nb="$(awk '/requests in/ {print $1}' "$out/b")"
  if grep -q "Non-2xx" "$out/a" "$out/b"; then echo "a server answered errors: see wrk's output" >&2; cat "$out/a" "$out/b" >&2; exit 1; fi
  total_a=$((total_a + na)) total_b=$((total_b + nb)) cpu_a=$((cpu_a + da)) cpu_b=$((cpu_b + db))
  printf 'round %d  %s: %6d req/s %5d µs a request   %s: %6d req/s %5d µs a request\n' "$round" \
    "$a" $((na / secs)) $((da * 1000000 / tick / na)) "$b" $((nb / secs)) $((db * 1000000 / tick / nb))
done
printf 'total    %s: %6d req/s %5d µs a request   %s: %6d req/s %5d µs a request\n' \
  "$a" $((total_a / secs / rounds)) $((cpu_a * 1000000 / tick / total_a)) \
  "$b" $((total_b / secs / rounds)) $((cpu_b * 1000000 / tick / total_b))

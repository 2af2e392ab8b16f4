#!/usr/bin/env bash
# Remote cache benchmark (not a test): push and pull of a target's closure through a loopback
# nginx (scripts/nginx-test-server), and the wall time of a build that is entirely a remote hit
# against a cold build into an empty store. Uses ToyPipe's `big` target: 4 producers of
# BIGMB MB of incompressible bytes each plus their 4*BIGMB MB join (8*BIGMB MB in all).
#
#   scripts/bench_remote.sh [BIGMB]     (default 32: 256 MB of outputs)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bigmb="${1:-32}"
cd "$root"
"$(dirname "$0")/swiftpm" build --product ToyPipe >/dev/null 2>&1
toy="$root/.build/debug/ToyPipe"
work="$(mktemp -d)"
server="$work/nginx"
trap '"$root/scripts/nginx-test-server" stop "$server"; rm -rf "$work"' EXIT
url="$("$root/scripts/nginx-test-server" start "$server")"
cd "$work"
settings=(--set "bigmb=$bigmb")

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
line() { grep -E "pipe: (remote: |[0-9]+ stages)" | tail -1 | sed 's/^pipe: //'; }

echo "remote benchmark: ToyPipe big, bigmb=$bigmb ($((8 * bigmb)) MB of outputs), nginx at $url, $(nproc) cores"
t0=$(now); "$toy" build big "${settings[@]}" --store cold >/dev/null 2>"$work/cold.err"; t1=$(now)
echo "cold build (empty store, no remote):    $(elapsed "$t0" "$t1") s   [$(line < "$work/cold.err")]"
t0=$(now); "$toy" push big "${settings[@]}" --store cold --remote "$url" >/dev/null 2>"$work/push.err"; t1=$(now)
echo "push of the closure:                    $(elapsed "$t0" "$t1") s   [$(line < "$work/push.err")]"
t0=$(now); "$toy" pull big "${settings[@]}" --store pulled --remote "$url" >/dev/null 2>"$work/pull.err"; t1=$(now)
echo "pull into an empty store:               $(elapsed "$t0" "$t1") s   [$(line < "$work/pull.err")]"
t0=$(now); "$toy" build big "${settings[@]}" --store hit --remote "$url" >/dev/null 2>"$work/hit.err"; t1=$(now)
echo "build, empty store, all remote hits:    $(elapsed "$t0" "$t1") s   [$(line < "$work/hit.err")]"
t0=$(now); "$toy" build big "${settings[@]}" --store hit >/dev/null 2>"$work/noop.err"; t1=$(now)
echo "build again (local no-op):              $(elapsed "$t0" "$t1") s   [$(line < "$work/noop.err")]"

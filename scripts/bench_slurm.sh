#!/usr/bin/env bash
# Slurm executor benchmark (not a test): per-stage overhead of trivial stages built through the
# one-node test cluster (scripts/slurm-test-cluster) against the same build run locally. Uses
# ToyPipe's `wide` target: WIDTH producers that sleep 0 ms, and one join.
#
#   scripts/bench_slurm.sh [WIDTH] [POLL]     (defaults 50 and 1 second)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
width="${1:-50}"; poll="${2:-1}"
cd "$root"
swift build --product ToyPipe >/dev/null 2>&1
toy="$root/.build/debug/ToyPipe"
export SLURM_CONF="$("$root/scripts/slurm-test-cluster" start)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
line() { grep -E "pipe: (slurm: |[0-9]+ stages)" | tr '\n' ' ' | sed 's/pipe: //g'; }

stages=$((width + 1))
echo "slurm benchmark: ToyPipe wide, width=$width ($stages trivial stages), poll ${poll}s, $(nproc) cores"
t0=$(now); "$toy" build wide --set "width=$width" --store local >/dev/null 2>"$work/local.err"; t1=$(now)
local_s=$(elapsed "$t0" "$t1")
echo "local build:          $local_s s   [$(line < "$work/local.err")]"
t0=$(now); PIPE_SLURM_POLL=$poll "$toy" build wide --set "width=$width" --store slurm --executor slurm \
  >/dev/null 2>"$work/slurm.err"; t1=$(now)
slurm_s=$(elapsed "$t0" "$t1")
echo "through Slurm:        $slurm_s s   [$(line < "$work/slurm.err")]"
python3 -c "print(f'overhead per stage:   {($slurm_s - $local_s) / $stages * 1000:.0f} ms (wall, 2 jobs at once on the 2-CPU node)')"
t0=$(now); PIPE_SLURM_POLL=$poll "$toy" build wide --set "width=$width" --store slurm --executor slurm \
  >/dev/null 2>"$work/noop.err"; t1=$(now)
echo "no-op through Slurm:  $(elapsed "$t0" "$t1") s   [$(line < "$work/noop.err")]"

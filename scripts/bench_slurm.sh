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
"$(dirname "$0")/swiftpm" build --product ToyPipe >/dev/null 2>&1
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

# The exp1 sweep (teacher, logits, 6 distillation lengths, 7 evaluations, plot) at reduced scale,
# with the release pipe: real stage kinds, with their declared resources (training on the
# cluster, evaluation and the plot on the coordinator).
mnist="${PIPE_MNIST_DIR:-$root/../shared/data/mnist}"
if [ -d "$mnist" ] && [ -x "$root/.build/release/pipe" ]; then
  pipe="$root/.build/release/pipe"
  scale=(--set models=4 --set mnist.train-samples=6000 --set mnist.test-samples=2000 --set distill.samples=6000)
  export PIPE_MNIST_DIR="$mnist"
  echo "exp1 at reduced scale: ${scale[*]}"
  t0=$(now); "$pipe" build figure-exp1 "${scale[@]}" --store exp1-local --results r1 >/dev/null 2>"$work/e1.err"; t1=$(now)
  echo "local build:          $(elapsed "$t0" "$t1") s   [$(line < "$work/e1.err")]"
  t0=$(now); PIPE_SLURM_POLL=$poll "$pipe" build figure-exp1 "${scale[@]}" --store exp1-slurm --results r2 \
    --executor slurm >/dev/null 2>"$work/e2.err"; t1=$(now)
  echo "through Slurm:        $(elapsed "$t0" "$t1") s   [$(line < "$work/e2.err")]"
  diff -r r1 r2 >/dev/null && echo "results:              identical files (table.csv, figure.svg)" || echo "results: DIFFER"
else
  echo "exp1 part skipped: needs MNIST (PIPE_MNIST_DIR) and a release build (scripts/swiftpm build -c release)"
fi

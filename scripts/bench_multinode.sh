#!/usr/bin/env bash
# Wall time of the same builds on the multi-node test cluster with one node and with three
# (scripts/slurm-test-cluster start-multi: one CPU per node, node-local job stores, results
# through nginx on the nodes' network), and the same build run locally, in one run.
#
#   scripts/bench_multinode.sh [STAGES] [MILLIS]
#
# Builds ToyPipe's `wide` target: STAGES (default 12) producers sleeping MILLIS ms (default 3000)
# each, and a join. Then figure-exp1 at a reduced scale (10 stages, real training) on three
# nodes and locally. Prints each wall time and the time per stage. Needs root, slurm-wlm, munge,
# nginx, iproute2, and MNIST beside the repository (../shared/data/mnist) or in PIPE_MNIST_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
stages=${1:-12}
millis=${2:-3000}
work=$(mktemp -d /tmp/pipe-bench-multinode.XXXXXX)
trap 'for d in "$work"/nginx-*; do scripts/nginx-test-server stop "$d" >/dev/null 2>&1 || true; done' EXIT
export PIPE_MNIST_DIR=${PIPE_MNIST_DIR:-$root/../shared/data/mnist}
scripts/swiftpm build --product ToyPipe >&2
scripts/swiftpm build --product pipe >&2
bin=$root/.build/debug

seconds() { python3 -c 'import sys, time; print(f"{time.time():.3f}")'; }

# Wall seconds of a command run in $work.
timed() {
  local start end
  start=$(seconds)
  (cd "$work" && "$@" >/dev/null 2>"$work/last.err") || { cat "$work/last.err" >&2; exit 1; }
  end=$(seconds)
  python3 -c "print(f'{$end - $start:.1f}')"
}

on_cluster() {
  local nodes=$1; shift
  scripts/slurm-test-cluster stop-multi >/dev/null 2>&1 || true
  PIPE_SLURM_NODES=$nodes scripts/slurm-test-cluster start-multi >/dev/null
  rm -rf /tmp/pipe-slurm-multi/nodes/*/jobs/*
  # A new, empty remote each time: nothing is found from an earlier run.
  local run=$nodes-$RANDOM url
  url=$(PIPE_NGINX_LISTEN=10.77.0.1 scripts/nginx-test-server start "$work/nginx-$run")
  SLURM_CONF=/tmp/pipe-slurm-multi/slurm.conf PIPE_SLURM_POLL=0.3 PIPE_EXECUTOR=slurm \
    timed "$@" --store "store-$run" --remote "$url" --job-store /tmp/pipe-slurm-multi/jobs
}

wide=(build wide --set "width=$stages" --set "wide.millis=$millis")
echo "wide: $stages stages sleeping $millis ms each and a join; one CPU per node"
local_wide=$(timed "$bin/ToyPipe" "${wide[@]}" --store local-wide)
one=$(on_cluster 1 "$bin/ToyPipe" "${wide[@]}")
three=$(on_cluster 3 "$bin/ToyPipe" "${wide[@]}")
per() { python3 -c "print(f'{$1 / ($stages + 1):.2f}')"; }
echo "  local (one process, stages one after another): $local_wide s ($(per "$local_wide") s per stage)"
echo "  1 node:  $one s ($(per "$one") s per stage)"
echo "  3 nodes: $three s ($(per "$three") s per stage); 1 node / 3 nodes = $(python3 -c "print(f'{$one / $three:.2f}')")x"

exp1=(build figure-exp1 --set models=2 --set mnist.train-samples=1000 --set mnist.test-samples=1000
      --set distill.samples=1000 --set exp1.distill-epochs=1,2 --set teacher.epochs=1 --set distill.epochs=1
      --set slurm.all.run=cluster --set slurm.all.cpus=1 --set slurm.all.mem=900M)
echo "figure-exp1, reduced (10 stages, each a job):"
local_exp1=$(timed "$bin/pipe" "${exp1[@]}" --store local-exp1)
cluster_exp1=$(on_cluster 3 "$bin/pipe" "${exp1[@]}")
echo "  local: $local_exp1 s; 3 nodes: $cluster_exp1 s ($(python3 -c "print(f'{$cluster_exp1 / 10:.2f}')") s per stage)"

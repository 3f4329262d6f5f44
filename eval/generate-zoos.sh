#!/bin/sh
# Generates the issue-6 benchmark zoos, one after the other (nice'd: the machine is shared), PARALLEL
# worker processes each (default 1, one core each).
# Resumable: run it again after an interruption; finished runs are kept, partial ones redone.
#   eval/generate-zoos.sh [ZOOS_DIR]          (default /work/zoos; logs ZOOS_DIR/<zoo>.log)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
zoos=${1:-/work/zoos}
digits_runs=${DIGITS_RUNS:-3000}
fashion_runs=${FASHION_RUNS:-100}
parallel=${PARALLEL:-1}
mkdir -p "$zoos"
export PYTHONPATH="$here/clients/python${PYTHONPATH:+:$PYTHONPATH}"
nice -n 10 /usr/bin/python3 -m weightcast.demo.zoo --out "$zoos/digits-$digits_runs" --runs "$digits_runs" \
    --epochs 18 --parallel "$parallel" --seed 1 >>"$zoos/digits-$digits_runs.log" 2>&1
nice -n 10 /usr/bin/python3 -m weightcast.demo.zoo --out "$zoos/fashion-$fashion_runs" --runs "$fashion_runs" \
    --epochs 18 --parallel "$parallel" --seed 1 --dataset fashion-mnist >>"$zoos/fashion-$fashion_runs.log" 2>&1

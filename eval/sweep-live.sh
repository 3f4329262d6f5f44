#!/bin/sh
# Issue 19 item 2: the live benchmark (./weightcast eval-live) at several history sizes, both producer
# modes, into one directory per size; then eval/sweep_live_report.py puts them side by side.
# Resumable: a finished size (its live.json) is kept, an interrupted one is redone from scratch.
#   eval/sweep-live.sh [ZOO] [OUT]     (default /work/zoos/digits-1300, eval/results/live-sweep)
#   HISTORIES="20 50 100 200 500 1000" ORDERS=3 LIMIT_LIVE=100 CONCURRENCY=10 (environment)
# Long: each size replays the zoo 2 x ORDERS times on fresh stacks. Run it detached:
#   setsid nohup eval/sweep-live.sh > /tmp/sweep.log 2>&1 &
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
zoo=${1:-/work/zoos/digits-1300}
out=${2:-$here/eval/results/live-sweep}
histories=${HISTORIES:-20 50 100 200 500 1000}
mkdir -p "$out"
for h in $histories; do
  dir="$out/h$h"
  if [ -f "$dir/live.json" ]; then
    echo "H=$h: done earlier ($dir)"
    continue
  fi
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  echo "H=$h: started $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s)
  "$here/weightcast" eval-live --zoo "$zoo" --history "$h" --concurrency "${CONCURRENCY:-10}" \
      --limit-live "${LIMIT_LIVE:-100}" --orders "${ORDERS:-3}" --mode both --out "$dir.partial" \
      >"$dir.partial/run.log" 2>&1
  printf '{"wall_seconds": %s, "load_after": "%s"}\n' "$(( $(date +%s) - start ))" \
      "$(cut -d' ' -f1-3 /proc/loadavg)" >"$dir.partial/sweep.json"
  mv "$dir.partial" "$dir"
  echo "H=$h: finished in $(( $(date +%s) - start )) s"
done
/usr/bin/python3 "$here/eval/sweep_live_report.py" "$out"

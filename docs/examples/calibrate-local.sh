#!/bin/sh
# Runs N calibration shards side by side on this machine, then merges them into OUT.json.
# Usage: MODEL=model.onnx DATA=images/ STATS_DIR=shards/ calibrate-local.sh N OUT.json
# Environment: as for calibrate-shard.sh. Exits with the first failing shard's code, before merging.
set -eu
here=$(dirname "$0")
n=$1
out=$2
pids=""
k=1
while [ "$k" -le "$n" ]; do
  sh "$here/calibrate-shard.sh" "$k" "$n" &
  pids="$pids $!"
  k=$((k + 1))
done
status=0
for pid in $pids; do
  wait "$pid" || { code=$?; [ "$status" -ne 0 ] || status=$code; }
done
if [ "$status" -ne 0 ]; then
  echo "calibrate-local.sh: a shard failed (exit $status); nothing merged" >&2
  exit "$status"
fi
sh "$here/merge-shards.sh" "$n" "$out"

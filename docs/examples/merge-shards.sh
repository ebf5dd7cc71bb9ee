#!/bin/sh
# Merges the N shard files $STATS_DIR/stats.1.json ... stats.N.json into OUT.json; the result equals one calibration pass
# over all samples. Refuses to merge when a shard is missing.
# Usage: merge-shards.sh N OUT.json
# Environment: STATS_DIR, PTQ (as for calibrate-shard.sh)
set -eu
n=$1
out=$2
set --
k=1
while [ "$k" -le "$n" ]; do
  shard="$STATS_DIR/stats.$k.json"
  if [ ! -f "$shard" ]; then
    echo "merge-shards.sh: shard $k/$n is missing ($shard)" >&2
    exit 2
  fi
  set -- "$@" "$shard"
  k=$((k + 1))
done
if [ "$n" -eq 1 ]; then
  cp "$1" "$out"
else
  # shellcheck disable=SC2086
  ${PTQ:-ptq} stats merge "$@" -o "$out"
fi

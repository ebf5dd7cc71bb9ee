#!/bin/sh
# Submits the calibration array and a merge that runs only after every shard succeeded (afterok).
# Usage: MODEL=/shared/model.onnx DATA=/shared/images STATS_DIR=/shared/shards sh submit.sh /shared/stats.json
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
SCRIPTS=$(cd "$here/.." && pwd)
export SCRIPTS
array=$(sbatch --parsable --export=ALL "$here/calibrate-array.sbatch")
array=${array%%;*}
sbatch --export=ALL --job-name=ptq-merge --dependency="afterok:$array" --output=ptq-merge-%j.log \
  --wrap "sh '$SCRIPTS/merge-shards.sh' 4 '$out'"
echo "submitted calibration array $array; the merge writes $out when all 4 shards succeeded"

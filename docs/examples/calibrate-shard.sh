#!/bin/sh
# One calibration shard: 'ptq calibrate' over every N-th sample starting at the K-th, written to $STATS_DIR/stats.K.json.
# Usage: calibrate-shard.sh K N        (K from 1 to N)
# Environment:
#   MODEL        the float ONNX model
#   DATA         the calibration data (a folder or file, or INPUT_NAME:PATH)
#   STATS_DIR    the folder every shard writes to (shared by all of them; created if needed)
#   PTQ          how to run ptq (default: ptq)
#   PTQ_OPTIONS  more calibrate options, e.g. the preprocessing flags (the same for every shard)
set -eu
k=$1
n=$2
mkdir -p "$STATS_DIR"
# PTQ and PTQ_OPTIONS are lists of words, so they are split on purpose.
# shellcheck disable=SC2086
${PTQ:-ptq} calibrate "$MODEL" --data "$DATA" --shard "$k/$n" ${PTQ_OPTIONS:-} -o "$STATS_DIR/stats.$k.json"

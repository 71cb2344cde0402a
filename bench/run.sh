#!/usr/bin/env bash
# Benchmarks, each against a baseline measured in the same run.
#   bench/run.sh [BUILD_DIR] [all|micro|events|reward|ingest|assemble|curate|merge|tok|trainer|grpo|dist]
# (trainer runs the generate benchmark, the GRPO step and the data-parallel
# step; grpo the GRPO step only; dist the data-parallel step only.)
# Results: a table on stdout, JSON under BUILD_DIR/bench/.
set -euo pipefail
BUILD=${1:-build}
WHAT=${2:-all}
HERE=$(cd "$(dirname "$0")" && pwd)
if [[ "$WHAT" == all || "$WHAT" == micro ]]; then
  "$BUILD/bench/swerl_micro_bench" --benchmark_out="$BUILD/bench/micro.json" \
    --benchmark_out_format=json
fi
if [[ "$WHAT" == all || "$WHAT" == events ]]; then
  bash "$HERE/events/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == reward ]]; then
  bash "$HERE/reward/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == ingest ]]; then
  bash "$HERE/ingest/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == assemble ]]; then
  bash "$HERE/assemble/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == curate ]]; then
  bash "$HERE/curate/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == merge ]]; then
  bash "$HERE/merge/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == tok ]]; then
  bash "$HERE/tok/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == trainer ]]; then
  bash "$HERE/trainer/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == trainer || "$WHAT" == grpo ]]; then
  bash "$HERE/trainer/grpo_step.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == trainer || "$WHAT" == dist ]]; then
  bash "$HERE/trainer/dist_step.sh" "$BUILD"
fi

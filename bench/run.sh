#!/usr/bin/env bash
# Benchmarks, each against a baseline measured in the same run.
#   bench/run.sh [BUILD_DIR] [all|micro|events|reward|ingest|assemble|curate|formats|merge|tok|trainer|grpo|dist|day]
# (formats: swerl export --format hf|verl, bench/curate/formats.sh;
# trainer runs the generate benchmark, the GRPO step and the data-parallel
# step; grpo the GRPO step only; dist the data-parallel step only; day one
# generated day of GH Archive through fetch, events, ingest and link, 24 hours
# or HOURS=A-B; all runs the day's peak hour only unless HOURS is set: the
# whole day takes ~10 GB of disk and some 15 minutes on 2 cores.)
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
if [[ "$WHAT" == day ]]; then
  bash "$HERE/day/run.sh" "$BUILD"
elif [[ "$WHAT" == all ]]; then
  HOURS=${HOURS:-15} bash "$HERE/day/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == assemble ]]; then
  bash "$HERE/assemble/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == curate ]]; then
  bash "$HERE/curate/run.sh" "$BUILD"
fi
if [[ "$WHAT" == all || "$WHAT" == formats ]]; then
  bash "$HERE/curate/formats.sh" "$BUILD"
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

#!/usr/bin/env python3
"""A toy scorer for `swerl-train grpo --reward-cmd` (tests only).

Speaks `swerl reward`'s line protocol (schemas/records/reward.md): one request
with "outputs" per line in, one result line with "results" out. The reward of
an output is min(1, count(TARGET) / SATURATION): it rises with how often the
target character appears, so a policy learns to write it. Flushes after every
line, as a long-lived scorer must.

  count_reward.py [--target a] [--saturation 8] [--hang-after N] [--die-after N] [--garbage-after N]

The --*-after flags misbehave after N requests (for the failure tests).
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="a")
    ap.add_argument("--saturation", type=float, default=8)
    ap.add_argument("--hang-after", type=int, default=-1)
    ap.add_argument("--die-after", type=int, default=-1)
    ap.add_argument("--garbage-after", type=int, default=-1)
    args = ap.parse_args()
    for n, line in enumerate(sys.stdin):
        if not line.strip():
            continue
        if n == args.hang_after:
            time.sleep(3600)
        if n == args.die_after:
            sys.exit(3)
        if n == args.garbage_after:
            print("this is not json", flush=True)
            continue
        req = json.loads(line)
        results = []
        for out in req["outputs"]:
            r = min(1.0, out.count(args.target) / args.saturation)
            results.append({"reward": r, "error": None, "files": []})
        print(json.dumps({"id": req["id"], "results": results}), flush=True)


if __name__ == "__main__":
    main()

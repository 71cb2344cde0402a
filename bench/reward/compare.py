#!/usr/bin/env python3
"""Checks that two `swerl reward` result files agree (bench/reward/run.sh):
same lines and ids, error null-ness, per-file similarities equal as doubles,
rewards exact (within 1e-12 for multi-file means, SPEC 5 step 6).

    compare.py EXPECTED ACTUAL      prints a summary line; exit 1 on mismatch
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "reward"))
from reward_diff_test import compare_line, parse_lines  # noqa: E402


def main(expected_path, actual_path):
    with open(expected_path, "rb") as f:
        expected = parse_lines(f.read(), "expected")
    with open(actual_path, "rb") as f:
        actual = parse_lines(f.read(), "actual")
    bad = 0
    if len(expected) != len(actual):
        print(f"MISMATCH: {len(expected)} lines in {expected_path}, {len(actual)} in {actual_path}")
        return 1
    outputs = 0
    for i, (e, a) in enumerate(zip(expected, actual)):
        outputs += len(e.get("results", [e]))
        probs = compare_line(e, a)
        if probs:
            bad += 1
            if bad <= 5:
                print(f"MISMATCH line {i + 1}: " + "; ".join(probs[:3])[:500])
    print(f"{os.path.basename(actual_path)}: {outputs} rewards, "
          f"{'identical' if not bad else f'{bad} lines differ'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

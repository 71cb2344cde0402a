#!/usr/bin/env python3
"""Sizes of the repositories behind the real fixture's pull requests: GitHub's
`size` (KiB, the repository on GitHub's disk) of `pull_request.base.repo` in
every PullRequest*, PullRequestReview* event of tests/data/gharchive
(2021-07-21), one value per repository (its last event's). A small, real
sample of the repositories `swerl clone` mirrors; docs/SCALE.md sizes the
clone of 4.6M repositories with it.

    repo_sizes.py [FIXTURE]
"""
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, "tests/data/gharchive/2021-07-21-few-hours.json")
sizes, merged = {}, set()
with open(path, encoding="utf-8") as f:
    for line in f:
        ev = json.loads(line)
        pr = (ev.get("payload") or {}).get("pull_request")
        if not pr or not pr.get("base", {}).get("repo"):
            continue
        repo = pr["base"]["repo"]
        sizes[repo["full_name"]] = repo.get("size") or 0
        if pr.get("merged"):
            merged.add(repo["full_name"])


def show(label, values):
    v = sorted(values)
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    print(f"{label}: {len(v)} repositories; size MiB: median {statistics.median(v) / 1024:.1f}, "
          f"mean {statistics.mean(v) / 1024:.1f}, p75 {q(0.75) / 1024:.1f}, p90 {q(0.9) / 1024:.1f}, "
          f"max {v[-1] / 1024:.0f}; sum {sum(v) / 1024:.0f}; "
          f"over 1 GiB: {sum(x > 1 << 20 for x in v)}, over 100 MiB: {sum(x > 100 << 10 for x in v)}")


show("repositories with a pull request event", sizes.values())
show("repositories with a merged pull request", [sizes[r] for r in merged])

#!/usr/bin/env python3
"""Recall of `swerl relevant`'s BM25 on real SWE-bench instances (issue 20):
for each instance whose repository has a mirror, every file of the tree at
the merge base of base_commit and refs/pull/N/head (SWE-RL's base; SWE-bench
uses base_commit itself) is ranked by swerl's BM25 (build/bench/
swerl_bm25_rank: swerl relevant's candidates, documents and ranker, with the
changed files NOT excluded) against the problem statement, and the files the
gold `patch` edits (those that exist at that commit) are looked up in the
ranking. Reported at k = 1, 3, 5, 10: mean recall (the share of an instance's
gold files in the top k), "all" (every gold file in the top k) and "any"
(at least one), per repository and overall.

    bm25_recall.py BUILD_DIR INSTANCES.jsonl[.zst] OWNER/NAME=MIRROR...
"""
import collections
import json
import os
import re
import subprocess
import sys

build, instances_path, specs = sys.argv[1], sys.argv[2], sys.argv[3:]
mirrors = dict(s.split("=", 1) for s in specs)
if instances_path.endswith(".zst"):
    raw = subprocess.run(["zstd", "-dc", instances_path], check=True, capture_output=True).stdout
else:
    raw = open(instances_path, "rb").read()
instances = [json.loads(l) for l in raw.decode().splitlines() if l.strip()]
KS = (1, 3, 5, 10)


def git(repo, *argv):
    r = subprocess.run(["git", "-C", repo] + list(argv), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else ""


requests, meta, skipped = [], {}, collections.Counter()
for inst in instances:
    repo = inst["repo"]
    if repo not in mirrors:
        skipped["no mirror: " + repo] += 1
        continue
    mirror = os.path.abspath(mirrors[repo])
    n = inst["instance_id"].rsplit("-", 1)[1]
    head = git(mirror, "rev-parse", "-q", "--verify", "refs/pull/%s/head" % n)
    commit = git(mirror, "merge-base", inst["base_commit"], head) if head else inst["base_commit"]
    gold = []
    for m in re.finditer(r"(?m)^--- a/(.*)$", inst["patch"]):
        gold.append(m.group(1))
    if not gold:
        skipped["gold patch only adds files"] += 1
        continue
    requests.append({"id": inst["instance_id"], "mirror": mirror, "commit": commit or inst["base_commit"],
                     "gold": gold, "query": inst["problem_statement"]})
    meta[inst["instance_id"]] = repo
out = subprocess.run([os.path.join(build, "bench", "swerl_bm25_rank")],
                     input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True,
                     text=True, check=True).stdout
stats = collections.defaultdict(lambda: collections.defaultdict(float))
cands = collections.defaultdict(list)
for line in out.splitlines():
    r = json.loads(line)
    repo = meta[r["id"]]
    if "error" in r:
        skipped["error: " + r["error"]] += 1
        continue
    ranks = r["ranks"]
    cands[repo].append(r["candidates"])
    for group in (repo, "all"):
        s = stats[group]
        s["n"] += 1
        for k in KS:
            hit = [0 < x <= k for x in ranks]
            s["recall@%d" % k] += sum(hit) / len(hit)
            s["all@%d" % k] += all(hit)
            s["any@%d" % k] += any(hit)
print("%-20s %4s %8s  %s" % ("repo", "n", "files", "  ".join(
    "k=%-2d rec/all/any" % k for k in KS)))
for group in sorted(stats, key=lambda g: (g == "all", g)):
    s = stats[group]
    files = cands[group] if group != "all" else [c for v in cands.values() for c in v]
    cells = []
    for k in KS:
        cells.append("%5.1f/%5.1f/%5.1f" % tuple(100 * s["%s@%d" % (m, k)] / s["n"]
                                                 for m in ("recall", "all", "any")))
    print("%-20s %4d %8d  %s" % (group, s["n"], sum(files) // max(len(files), 1), "  ".join(cells)))
for why, n in sorted(skipped.items()):
    print("not ranked: %d %s" % (n, why))

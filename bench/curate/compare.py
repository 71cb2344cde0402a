#!/usr/bin/env python3
"""Checks of the curate benchmark (bench/curate/README.md): how far each
Python baseline agrees with swerl. Prints one line of key=value pairs
(read by run.sh) and, with --verbose, the first differences on stderr.

    compare.py relevant STORE RANKS.tsv [--source bm25]
        STORE: a store after `swerl relevant`; RANKS.tsv: relevant_baseline.py
        --out. For every instance the baseline ranked: whether its top-k
        paths equal swerl's relevant_files (in order), and how many scores
        are bit-identical / within 1e-9 relative.
    compare.py relevant-stores STORE_A STORE_B
        Two swerl stores (-j 1, -j 2): instances with the same paths in order.
    compare.py filter STORE DECISIONS.tsv
        STORE: a store after `swerl filter --db`; DECISIONS.tsv:
        filter_baseline.py --out. Per seed both decided: same kept/dropped,
        same rule.
    compare.py export SWERL.ndjson BASELINE.ndjson
        Per seed both wrote (by instance_id): records equal, key by key.
"""
import argparse
import json
import sqlite3
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("what", choices=("relevant", "relevant-stores", "filter", "export"))
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--source", default="bm25")
ap.add_argument("--verbose", action="store_true")
args = ap.parse_args()


def note(msg):
    if args.verbose:
        print(msg, file=sys.stderr)


def swerl_ranks(store):
    db = sqlite3.connect("file:%s?mode=ro" % store, uri=True)
    ranks = {}
    for number, path, score in db.execute(
            "SELECT number, path, score FROM relevant_files WHERE source = ? "
            "ORDER BY number, rank", (args.source,)):
        p = path.decode("utf-8", "replace") if isinstance(path, bytes) else path
        ranks.setdefault(number, []).append((p, score))
    ranked = {n for (n,) in db.execute(
        "SELECT number FROM relevant_runs WHERE source = ? AND status = 'ranked'",
        (args.source,))}
    for n in ranked:
        ranks.setdefault(n, [])
    return ranks


if args.what == "relevant":
    mine = swerl_ranks(args.a)
    theirs = {}
    with open(args.b) as f:
        for line in f:
            number, rank, path, score = line.rstrip("\n").split("\t")
            theirs.setdefault(int(number), []).append((path, float(score)))
    # Instances the baseline ranked with no hit have no line: take them from
    # swerl's side only when swerl has none either (counted as agreeing).
    checked = same = files = exact = close = 0
    for number in sorted(set(theirs) | {n for n, r in mine.items() if not r}):
        a, b = mine.get(number), theirs.get(number, [])
        if a is None:
            continue
        checked += 1
        if [p for p, _ in a] == [p for p, _ in b]:
            same += 1
        else:
            note("#%d: swerl %s, baseline %s" % (number, [p for p, _ in a], [p for p, _ in b]))
        for (pa, sa), (pb, sb) in zip(a, b):
            if pa != pb:
                continue
            files += 1
            exact += sa == sb
            close += abs(sa - sb) <= 1e-9 * max(abs(sa), abs(sb))
    print("checked=%d same_topk=%d agreement_pct=%.2f files=%d exact_scores=%d close_scores=%d"
          % (checked, same, 100.0 * same / max(checked, 1), files, exact, close))
elif args.what == "relevant-stores":
    a, b = swerl_ranks(args.a), swerl_ranks(args.b)
    keys = sorted(set(a) | set(b))
    same = sum(1 for k in keys if [p for p, _ in a.get(k, [])] == [p for p, _ in b.get(k, [])])
    exact = sum(1 for k in keys if a.get(k) == b.get(k))
    print("checked=%d same_topk=%d same_scores=%d" % (len(keys), same, exact))
elif args.what == "filter":
    db = sqlite3.connect("file:%s?mode=ro" % args.a, uri=True)
    repo = dict(db.execute("SELECT repo_id, name FROM repos"))
    mine = {}
    for repo_id, number, kept, rule in db.execute(
            "SELECT repo_id, number, kept, rule FROM filter_decisions"):
        iid = "%s-%d" % ((repo.get(repo_id) or str(repo_id)).replace("/", "__", 1), number)
        mine[iid] = "kept" if kept else rule
    theirs = dict(line.rstrip("\n").split("\t") for line in open(args.b))
    both = sorted(set(mine) & set(theirs))
    same_kept = sum(1 for i in both if (mine[i] == "kept") == (theirs[i] == "kept"))
    same_rule = 0
    for i in both:
        if mine[i] == theirs[i]:
            same_rule += 1
        else:
            note("%s: swerl %s, baseline %s" % (i, mine[i], theirs[i]))
    kept = sum(1 for v in mine.values() if v == "kept")
    print("swerl=%d baseline=%d both=%d same_decision=%d same_rule=%d agreement_pct=%.2f "
          "swerl_kept=%d only_swerl=%d" % (len(mine), len(theirs), len(both), same_kept,
                                           same_rule, 100.0 * same_rule / max(len(both), 1),
                                           kept, len(set(mine) - set(theirs))))
else:
    def load(path):
        out = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out[r["instance_id"]] = r
        return out

    a, b = load(args.a), load(args.b)
    both = sorted(set(a) & set(b))
    same = 0
    differing = {}
    for i in both:
        keys = [k for k in set(a[i]) | set(b[i]) if a[i].get(k) != b[i].get(k)]
        if not keys:
            same += 1
        for k in keys:
            differing[k] = differing.get(k, 0) + 1
        if keys:
            note("%s: %s differ" % (i, ",".join(sorted(keys))))
    print("swerl=%d baseline=%d both=%d same_record=%d agreement_pct=%.2f differing_keys=%s"
          % (len(a), len(b), len(both), same, 100.0 * same / max(len(both), 1),
             ",".join("%s:%d" % kv for kv in sorted(differing.items())) or "none"))

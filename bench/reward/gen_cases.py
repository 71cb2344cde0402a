#!/usr/bin/env python3
"""Requests for the `swerl reward` benchmark, cut from real source files.

    gen_cases.py --shape independent --count N [--seed S] > cases.ndjson
    gen_cases.py --shape groups --count N [--seed S] [--group 16] > groups.ndjson

Each seed: one real file of 1-50 KB (CPython standard library of the box,
/usr/lib/python3.*/**/*.py, or the repository's lib/**/*.cc|h, picked by
sorted path with a seeded RNG) plus, one time in four, a second one; the
oracle edits the first file (and sometimes the second) in 1-4 hunks so that
its normalised diff (SPEC 5 step 4) is 1-20 KB, sizes skewed towards the
small end like real patches. Model outputs (SEARCH/REPLACE blocks, 1-20 KB):
the oracle's edit with 0-3 context lines (often with a few lines changed),
a partial edit, a different edit of the same region, or a format error
(about one output in six), as GRPO samples look.

--shape independent: one request per seed with "output".
--shape groups:      one request per seed with "outputs" (--group outputs).
"""
import argparse
import difflib
import glob
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "reward"))
import gen_reward_cases as grc  # noqa: E402


def sources():
    py = sorted(glob.glob("/usr/lib/python3.*/**/*.py", recursive=True))
    cc = sorted(glob.glob(os.path.join(ROOT, "lib", "**", "*.cc"), recursive=True)
                + glob.glob(os.path.join(ROOT, "lib", "**", "*.h"), recursive=True))
    ok = lambda p: 1024 <= os.path.getsize(p) <= 50 * 1024  # noqa: E731
    return [p for p in py if ok(p)], [p for p in cc if ok(p)]


def diff_size(old, new):
    d = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3)
    return sum(len(x) + 1 for x in list(d)[2:])


class Bench(grc.Gen):
    def __init__(self, seed):
        super().__init__(seed)
        self.py, self.cc = sources()

    def real_file(self, taken):
        rng = self.rng
        while True:
            path = rng.choice(self.cc if rng.random() < 0.15 else self.py)
            name = self.src.name(path)
            if name not in taken:
                lines = list(self.src.lines(path))
                final_nl = bool(lines) and lines[-1] == ""
                if final_nl:
                    lines.pop()
                return {"path": name, "lines": lines, "final_nl": final_nl}

    def region_edit(self, lines, s, e):
        """New lines for lines[s:e]: most lines changed, some added/dropped."""
        rng = self.rng
        new = []
        for line in lines[s:e]:
            r = rng.random()
            if r < 0.55:
                new.append(self.mutate(line))
            elif r < 0.65:
                new.append(self.mutate(line))
                new.append(self.mutate(line))
            elif r < 0.72:
                continue
            else:
                new.append(line)
        if new == lines[s:e]:
            new.append(self.mutate(lines[s] if s < len(lines) else "x"))
        return new

    def big_hunks(self, lines, target):
        """1-4 hunks whose diff is about `target` bytes."""
        rng = self.rng
        n = rng.choice([1, 1, 2, 2, 3, 4])
        avg = max(1, sum(len(l) + 1 for l in lines) // max(1, len(lines)))
        want = max(1, int(target / 2.2 / avg / n))  # -/+ lines and context
        hunks, used = [], []
        for _ in range(n * 4):
            if len(hunks) == n:
                break
            k = min(len(lines), max(1, int(want * rng.uniform(0.6, 1.4))))
            s = rng.randint(0, len(lines) - k)
            e = s + k
            if any(not (e + 7 <= s2 or e2 + 7 <= s) for s2, e2 in used):
                continue
            used.append((s, e))
            hunks.append((s, e, self.region_edit(lines, s, e)))
        return sorted(hunks)

    def seed_case(self):
        """(files, oracle hunks, ctx, oracle) with a 1-20 KB oracle diff."""
        rng = self.rng
        while True:
            files = [self.real_file(set())]
            if rng.random() < 0.25:
                files.append(self.real_file({files[0]["path"]}))
            target = 1024 * 20 ** (rng.random() ** 4)  # 1-20 KB, median ~1.2 KB
            hunks = {files[0]["path"]: self.big_hunks(files[0]["lines"], target)}
            if len(files) > 1 and rng.random() < 0.5:
                hunks[files[1]["path"]] = self.big_hunks(files[1]["lines"], target / 4)
            ctx = {f["path"]: self.join(f["lines"], f["final_nl"]) for f in files}
            oracle = {f["path"]: self.join(self.apply_hunks(f["lines"], hunks[f["path"]]),
                                           f["final_nl"])
                      for f in files if f["path"] in hunks}
            size = sum(diff_size(ctx[p], oracle[p]) for p in oracle)
            if 1024 <= size <= 20 * 1024:
                return files, hunks, ctx, oracle

    def bench_output(self, files, hunks):
        rng = self.rng
        r = rng.random()
        if r < 0.4:
            kind = "exact"
        elif r < 0.65:
            kind = "one_off"
        elif r < 0.75:
            kind = "partial"
        elif r < 0.84:
            kind = "other"
        else:
            kind = rng.choice(["search_absent", "tag_count", "missing_fence", "same",
                               "empty_think", "no_tags"])
        if kind == "other":  # a different edit of the same regions
            h2 = {p: [(s, e, self.region_edit(f["lines"], s, e)) for s, e, _ in hs]
                  for f in files for p, hs in hunks.items() if p == f["path"]}
            out = self.model_output(files, h2, kind="exact")
        else:
            out = self.model_output(files, hunks, kind=kind)
        if kind == "one_off":  # a few more lines off
            for _ in range(rng.randint(0, 3)):
                k = out.find("\n", rng.randrange(len(out)))
                if k > 0 and out[k + 1:k + 2] not in ("<", "=", ">", "`", "#"):
                    out = out[:k + 1] + "    # note\n" + out[k + 1:]
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--shape", choices=["independent", "groups"], required=True)
    ap.add_argument("--count", type=int, required=True, help="seeds (requests)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--group", type=int, default=16)
    args = ap.parse_args()
    b = Bench(args.seed)
    out = sys.stdout.buffer
    for i in range(args.count):
        b.rng = random.Random("%s:%d:%d" % (args.shape, args.seed, i))
        files, hunks, ctx, oracle = b.seed_case()
        obj = {"id": i, "context": ctx, "oracle": oracle}
        if args.shape == "independent":
            obj["output"] = b.bench_output(files, hunks)
        else:
            obj["outputs"] = [b.bench_output(files, hunks) for _ in range(args.group)]
        out.write(grc.encode_line(obj))
    return 0


if __name__ == "__main__":
    sys.exit(main())

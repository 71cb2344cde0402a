#!/usr/bin/env python3
"""Compares every patch a `swerl assemble` store holds with the git CLI's
`git diff -M --full-index <merge_base> <head_commit>` (the flags of
lib/swerl/git/instance.h) on the mirror, byte for byte. Not part of the
timed benchmark (one git process per PR, about a minute for 2,000 PRs).

    check_patches.py STORE_DB MIRROR [--every K]

Prints each PR whose patch differs, with a hint when it equals git's output
under `--no-indent-heuristic` or once trailing blanks of the `@@` lines
are dropped; exit status 1 when any differs.
"""
import argparse
import re
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("db")
ap.add_argument("mirror")
ap.add_argument("--every", type=int, default=1, help="check PRs whose number %% K == 0")
args = ap.parse_args()

DIFF = ["git", "-C", args.mirror, "-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c",
        "diff.mnemonicPrefix=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
        "--full-index"]
HUNK_TAIL = re.compile(rb"(?m)^(@@ [^\n]*?)[ \t]+$")


def git_diff(extra, mb, head):
    return subprocess.run(DIFF + extra + [mb, head], stdout=subprocess.PIPE, check=True).stdout


db = sqlite3.connect(args.db)
checked = differ = 0
for number, mb, head, patch in db.execute(
        "SELECT number, merge_base, head_commit, patch FROM instances "
        "WHERE status = 'assembled' AND number % ? = 0 ORDER BY number", (args.every,)):
    checked += 1
    if git_diff([], mb, head) == patch:
        continue
    differ += 1
    hints = []
    if git_diff(["--no-indent-heuristic"], mb, head) == patch:
        hints.append("equals git diff --no-indent-heuristic")
    trimmed = HUNK_TAIL.sub(rb"\1", patch)
    if trimmed != patch and trimmed in (git_diff([], mb, head), git_diff(["--no-indent-heuristic"], mb, head)):
        hints.append("equal once trailing blanks of @@ lines are dropped")
    print("pr %d (%s..%s): patch differs from git diff%s" % (number, mb[:12], head[:12],
                                                              ": " + "; ".join(hints) if hints else ""))
print("%d patches checked, %d differ" % (checked, differ))
sys.exit(1 if differ else 0)

#!/usr/bin/env python3
"""The baseline for `swerl assemble`: what a user writes today with the git
CLI, one git process per operation, per merged PR:

  1. resolve the commits like swerl (lib/swerl/git/instance.h):
     `git rev-parse --verify -q <head_sha>^{commit}`, else
     refs/pull/<N>/head; base = base_sha, else the merge commit's first
     parent; with no head, the merge commit's parents (`git rev-list
     --parents -n 1`): two -> base = parent 1, head = parent 2; one (squash
     or rebase merge) -> base = the parent, head = the merge commit;
  2. `git merge-base <base> <head>`;
  3. `git log --topo-order --reverse --format=... <mb>..<head>`: the commits
     with their authors, dates and messages;
  4. `git diff -M --full-index <mb> <head>`: the patch (the same flags as
     swerl's, see instance.h), split into code and tests in Python by file
     section with swerl's test-path rule, simplified to a regex;
  5. `git diff --raw -z -M --no-abbrev <mb> <head>`: the changed files with
     modes and blob ids;
  6. `git show <mb>:<old path>` and `git show <head>:<new path>` for the
     contents of every changed file's existing sides.

It does less than swerl: it stores nothing (no database, no compression,
no de-duplication of blobs, no transaction per PR), does not skip binary,
huge, vendored or generated files, and does not parse the commit headers
byte for byte. It reads the prs.tsv of gen_repo.py.

    baseline.py REPO PRS_TSV [--every K]

--every K takes every K-th line of PRS_TSV (from the first), a deterministic
subset for a slow baseline. Prints one line to stdout: instances,
unresolved, files, sides read, patch bytes and content bytes.
"""
import argparse
import re
import subprocess
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("repo")
ap.add_argument("prs_tsv")
ap.add_argument("--every", type=int, default=1)
args = ap.parse_args()

TEST_RE = re.compile(rb"test|e2e|(^|/)specs?/|_spec\.|\.spec\.", re.I)


def git(*argv, check=True):
    """Runs git in the repository; its stdout bytes, or None when it fails
    and check is false."""
    r = subprocess.run(["git", "-C", args.repo] + list(argv), stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL)
    if r.returncode != 0:
        if check:
            sys.exit("baseline: git %s failed" % " ".join(argv))
        return None
    return r.stdout


def commit_id(rev):
    """The full id of the commit rev names, or None."""
    if not rev:
        return None
    out = git("rev-parse", "--verify", "-q", rev + "^{commit}", check=False)
    return out.decode().strip() if out else None


def resolve(number, base_sha, head_sha, merge_sha):
    head = commit_id(head_sha) or commit_id("refs/pull/%d/head" % number)
    base = None
    if head:
        base = commit_id(base_sha) or commit_id(merge_sha + "^1" if merge_sha else "")
    if not head or not base:
        merge = commit_id(merge_sha)
        if not merge:
            return None, None
        parents = git("rev-list", "--parents", "-n", "1", merge).split()[1:]
        if len(parents) == 2:
            base, head = parents[0].decode(), parents[1].decode()
        elif len(parents) == 1:
            base, head = parents[0].decode(), merge
        else:
            return None, None
    return base, head


done = unresolved = files = sides = patch_bytes = content_bytes = code_bytes = 0
with open(args.prs_tsv) as f:
    lines = f.read().splitlines()
for line in lines[::args.every]:
    number, base_sha, head_sha, merge_sha = line.split("\t")
    base, head = resolve(int(number), base_sha, head_sha, merge_sha)
    if not head:
        unresolved += 1
        continue
    mb = git("merge-base", base, head, check=False)
    if not mb:
        unresolved += 1
        continue
    mb = mb.decode().strip()
    log = git("log", "--topo-order", "--reverse", "--format=%H%x00%an <%ae>%x00%aI%x00%B%x00",
              "%s..%s" % (mb, head))
    commits = log.split(b"\x00")[:-1]
    patch = git("-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c",
                "diff.mnemonicPrefix=false", "diff", "--no-color", "--no-ext-diff",
                "--no-textconv", "-M", "--full-index", mb, head)
    patch_bytes += len(patch)
    # The code / test split, one section per "diff --git" header.
    for section in re.split(rb"(?m)^(?=diff --git )", patch):
        header = section.split(b"\n", 1)[0]
        if header and not TEST_RE.search(header):
            code_bytes += len(section)
    raw = git("diff", "--raw", "-z", "-M", "--no-abbrev", mb, head).split(b"\x00")
    i = 0
    while i + 1 < len(raw):
        meta = raw[i].split()  # :old_mode new_mode old_blob new_blob status
        status = meta[4][:1]
        old_path = raw[i + 1]
        new_path = raw[i + 2] if status in (b"R", b"C") else old_path
        i += 3 if status in (b"R", b"C") else 2
        files += 1
        # A submodule side (mode 160000) names a commit of another
        # repository: there is nothing to show (swerl reads no blob either).
        old_mode, new_mode = meta[0].lstrip(b":"), meta[1]
        for commit, path, exists in ((mb, old_path, status != b"A" and old_mode != b"160000"),
                                     (head, new_path, status != b"D" and new_mode != b"160000")):
            if exists:
                content_bytes += len(git("show", commit + ":" + path.decode("utf-8", "surrogateescape")))
                sides += 1
    done += 1
print("instances %d unresolved %d files %d sides %d patch_bytes %d code_patch_bytes %d content_bytes %d"
      % (done, unresolved, files, sides, patch_bytes, code_bytes, content_bytes))

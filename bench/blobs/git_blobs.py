#!/usr/bin/env python3
"""Writes git blobs to files, one per blob id, and prints their paths.

  git_blobs.py pairs REPO OUTDIR [SINCE]  before/after blobs of every file
                                          changed by any commit (after SINCE
                                          when given), as `swerl assemble`
                                          stores them
  git_blobs.py tree REPO REV OUTDIR       blobs of the tree at REV (what a
                                          per-repository dictionary would be
                                          trained on)

The printed paths feed bench/blobs/zstd_study.cc on stdin or via --train-from.
"""
import os
import subprocess
import sys

ZERO = "0" * 40


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True,
                          capture_output=True).stdout


def pair_ids(repo, since):
    args = ["log", "--raw", "--no-abbrev", "--format=", "--no-renames"]
    if since:
        args.append(since + "..HEAD")
    ids = []
    for line in git(repo, *args).decode().splitlines():
        # :100644 100644 <old> <new> M\tpath
        if not line.startswith(":"):
            continue
        fields = line.split("\t", 1)[0].split()
        if fields[0].startswith(":160000") or fields[1] == "160000":
            continue  # submodules
        ids += [i for i in fields[2:4] if i != ZERO]
    return ids


def tree_ids(repo, rev):
    ids = []
    for line in git(repo, "ls-tree", "-r", "--full-tree", rev).decode().splitlines():
        meta, _path = line.split("\t", 1)
        _mode, kind, oid = meta.split()
        if kind == "blob":
            ids.append(oid)
    return ids


def write_blobs(repo, ids, outdir):
    os.makedirs(outdir, exist_ok=True)
    unique = list(dict.fromkeys(ids))
    proc = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = proc.communicate("".join(i + "\n" for i in unique).encode())
    pos = 0
    for oid in unique:
        end = out.index(b"\n", pos)
        header = out[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3 or header[1] != "blob":
            continue
        size = int(header[2])
        path = os.path.join(outdir, oid)
        with open(path, "wb") as f:
            f.write(out[pos:pos + size])
        pos += size + 1  # contents are followed by a newline
        print(path)


def main(argv):
    if len(argv) >= 3 and argv[0] == "pairs":
        write_blobs(argv[1], pair_ids(argv[1], argv[3] if len(argv) > 3 else None), argv[2])
    elif len(argv) == 4 and argv[0] == "tree":
        write_blobs(argv[1], tree_ids(argv[1], argv[2]), argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

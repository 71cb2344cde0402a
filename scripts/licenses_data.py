#!/usr/bin/env python3
"""Builds data/licenses/licenses.txt, the licence texts `swerl license`
matches LICENSE/COPYING files against, from a bare clone of
github/choosealicense.com (the list licensee vendors):

  scripts/licenses_data.py GIT_DIR COMMIT data/licenses/licenses.txt

Each `_licenses/*.txt` at COMMIT: its YAML front matter gives `spdx-id`; the
text after the front matter is the licence. Output: per licence, sorted by
SPDX id, a header line "%%license SPDX-ID _licenses/NAME.txt BLOB" and the
text verbatim (ending with a newline)."""
import subprocess
import sys


def git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True,
                          capture_output=True).stdout


def main():
    git_dir, commit, out = sys.argv[1:4]
    entries = []
    for line in git(git_dir, "ls-tree", commit, "_licenses/").decode().splitlines():
        meta, path = line.split("\t")
        blob = meta.split()[2]
        text = git(git_dir, "cat-file", "blob", blob).decode("utf-8")
        assert text.startswith("---\n"), path
        end = text.index("\n---\n", 4)
        front, body = text[4:end], text[end + 5:]
        spdx = next(l.split(":", 1)[1].strip() for l in front.splitlines() if l.startswith("spdx-id:"))
        body = body.lstrip("\n")
        if not body.endswith("\n"):
            body += "\n"
        entries.append((spdx, path, blob, body))
    entries.sort()
    with open(out, "w", encoding="utf-8", newline="") as f:
        for spdx, path, blob, body in entries:
            f.write(f"%%license {spdx} {path} {blob}\n{body}")
    for spdx, path, blob, _ in entries:
        print(f"{spdx}\t{path}\t{blob}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The include rules the two-library split stands on (ARCHITECTURE.md).

The base modules (linked by both binaries) and the trainer must never include
a header of the data half; lib/ never includes LibTorch, trainer/ or tools/
headers. The build catches most violations at link time (swerl_base does not
link the data half), but a header-only use would slip through: this test
reads every #include.
"""
import argparse
import pathlib
import re
import sys

BASE = {"core", "io", "json", "db", "st", "tok", "reward", "prompt", "shard", "cli"}
DATA = {"gharchive", "net", "git", "link", "store", "curate"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def includes(path):
    return INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=str(pathlib.Path(__file__).resolve().parents[1]))
    ap.add_argument("--swerl", help="unused (the harness passes it)")
    root = pathlib.Path(ap.parse_args().root)
    problems = []
    sources = [p for p in root.glob("lib/swerl/*/*") if p.suffix in (".h", ".cc", ".in")]
    assert sources, "no sources found under " + str(root)
    for path in sources:
        module = path.parent.name
        assert module in BASE | DATA, f"{path}: module {module!r} is in neither library"
        for inc in includes(path):
            if inc.startswith(("torch/", "ATen/", "c10/", "trainer/", "tools/")):
                problems.append(f"{path.relative_to(root)}: lib/ includes {inc}")
            m = re.match(r"swerl/([a-z0-9_]+)/", inc)
            if m and module in BASE and m.group(1) in DATA:
                problems.append(f"{path.relative_to(root)}: base module {module} includes {inc}")
    for path in root.glob("trainer/**/*"):
        if path.suffix not in (".h", ".cc", ".cu", ".cuh"):
            continue
        for inc in includes(path):
            m = re.match(r"swerl/([a-z0-9_]+)/", inc)
            if m and m.group(1) in DATA:
                problems.append(f"{path.relative_to(root)}: the trainer includes {inc}")
    for p in problems:
        print(p)
    print(f"{len(sources)} library files checked, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

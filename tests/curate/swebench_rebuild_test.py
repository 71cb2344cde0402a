#!/usr/bin/env python3
"""`swerl export --patch-format swebench` rebuilds the patch and test_patch of
real SWE-bench Lite instances (tests/data/swebench/): 40 of the 41 byte for
byte, and the 41st (flask-5063, whose long hunk Myers aligns differently once
the rest of the file is filler) byte for byte as git's own diff of the same
rebuilt history.

Run by ctest (swerl_add_py_test) as: python swebench_rebuild_test.py --swerl PATH.

The upstream repositories are not here (no network), so each instance gets a
repository rebuilt from its own diff: every file the diff touches exists at
the base with the hunks' preimage lines at the numbers the hunk headers give,
the hunk header's function context as the line just above each hunk, and
unique filler lines elsewhere (matching neither git's python pattern nor its
default one, so they never become a context). The head applies the patches
with `git apply`. That is enough for git's diff to reproduce the hunks, and
it leaves the function contexts, the header lines and the split entirely to
swerl: the store's patch is swerl's own `git diff -M --full-index` of that
history with git's *default* function contexts, and the export must turn it
into SWE-bench's form. Every instance goes through the real CLI: `swerl
ingest` (schema), `clone` over file://, `assemble`, then `export --all`.
"""

import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest

SWERL = None
DATA = os.environ.get("SWERL_TEST_DATA", os.path.join(os.path.dirname(__file__), "..", "data"))
HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(?: (.*))?$")
GIT_ENV = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL="/dev/null",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
               GIT_AUTHOR_DATE="1700000000 +0000", GIT_COMMITTER_DATE="1700000000 +0000")


def git(cwd, *args, data=None):
    r = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, input=data, capture_output=True)
    if r.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode().strip()


def load_instances():
    raw = subprocess.run(["zstd", "-dc", os.path.join(DATA, "swebench", "instances.jsonl.zst")],
                         check=True, capture_output=True).stdout
    return [json.loads(line) for line in raw.decode("utf-8").splitlines()]


def sections(patch):
    """(old path or None, new path or None, lines) per `diff --git` section."""
    out = []
    for part in re.split(r"(?m)^(?=diff --git )", patch):
        if not part:
            continue
        lines = part.split("\n")
        old = new = None
        for line in lines:
            if line.startswith("--- "):
                old = None if line == "--- /dev/null" else line[6:]
            elif line.startswith("+++ "):
                new = None if line == "+++ /dev/null" else line[6:]
                break
        out.append((old, new, lines))
    return out


def preimage(lines):
    """The file before the change: the hunks' '-' and ' ' lines at their
    numbers, each hunk's context just above it, fillers between."""
    text = {}
    no_newline_at_end = False
    for i, line in enumerate(lines):
        m = HUNK.match(line)
        if not m:
            continue
        start, count = int(m.group(1)), int(m.group(2) or 1)
        ctx = m.group(5)
        if ctx and start > 1:
            assert start - 1 not in text, "a context line would overwrite a hunk line"
            text[start - 1] = ctx
        n, prev = start, ""
        for body in lines[i + 1:]:
            if body.startswith((" ", "-")):
                text[n] = body[1:]
                n += 1
            elif body.startswith("\\") and prev.startswith((" ", "-")):
                no_newline_at_end = True
            elif not body.startswith(("+", "\\")):
                break
            prev = body
        assert n == start + count, f"hunk at {start} has {n - start} preimage lines, not {count}"
    if not text:
        return ""
    last = max(text)
    body = "\n".join(text.get(k, f"    # filler {k}") for k in range(1, last + 1))
    return body if no_newline_at_end else body + "\n"


class SwebenchRebuildTest(unittest.TestCase):
    def test_lite_instances_are_rebuilt_byte_for_byte(self):
        instances = load_instances()
        self.assertEqual(len(instances), 41)
        with tempfile.TemporaryDirectory() as tmp:
            store = os.path.join(tmp, "store.db")
            subprocess.run([SWERL, "ingest", "-q", "--db", store, os.devnull], check=True)
            db = sqlite3.connect(store)
            histories = {}
            for k, inst in enumerate(instances):
                name = inst["instance_id"]
                number = int(name.rsplit("-", 1)[1])
                work = os.path.join(tmp, "work", name)
                os.makedirs(work)
                git(work, "init", "-q", "-b", "main")
                full = inst["patch"] + inst["test_patch"]
                for old, new, lines in sections(full):
                    if old is None:
                        continue
                    path = os.path.join(work, old)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w", encoding="utf-8", newline="") as f:
                        f.write(preimage(lines))
                git(work, "add", "-A")
                git(work, "commit", "-q", "--allow-empty", "-m", "base")
                base = git(work, "rev-parse", "HEAD")
                git(work, "checkout", "-q", "-b", "pr")
                git(work, "apply", "--whitespace=nowarn", "-", data=full.encode("utf-8"))
                git(work, "add", "-A")
                git(work, "commit", "-q", "-m", "the pull request")
                head = git(work, "rev-parse", "HEAD")
                git(work, "checkout", "-q", "main")
                git(work, "merge", "-q", "--no-ff", "-m", "merge", "pr")
                merge = git(work, "rev-parse", "HEAD")
                git(work, "update-ref", f"refs/pull/{number}/head", head)
                histories[name] = (work, base, head)
                bare = os.path.join(tmp, "src", "swebench", name + ".git")
                git(tmp, "clone", "-q", "--mirror", work, bare)
                db.execute("INSERT INTO repos(repo_id, name) VALUES (?, ?)",
                           (1000 + k, "swebench/" + name))
                db.execute("INSERT INTO pull_requests(repo_id, number, merged, base_sha, head_sha,"
                           " merge_commit_sha) VALUES (?, ?, 1, ?, ?, ?)",
                           (1000 + k, number, base, head, merge))
            db.commit()
            db.close()
            repos = os.path.join(tmp, "repos")
            for args in (["clone", "--url-template", f"file://{tmp}/src/{{owner}}/{{name}}.git"],
                         ["assemble"]):
                r = subprocess.run([SWERL, args[0], "-q", "--no-progress", "--db", store,
                                    "--repos", repos, *args[1:]], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([SWERL, "export", "--db", store, "--all", "--ndjson",
                                "--patch-format", "swebench"], capture_output=True, text=True)
            print(r.stderr, file=sys.stderr)
            self.assertEqual(r.returncode, 0, r.stderr)
            seeds = {s["repo"].split("/")[1]: s for s in map(json.loads, r.stdout.splitlines())}
            # The store's own patches are not SWE-bench's: index lines, default contexts.
            r = subprocess.run([SWERL, "export", "-q", "--db", store, "--all", "--ndjson"],
                               capture_output=True, text=True)
            plain = {s["repo"].split("/")[1]: s for s in map(json.loads, r.stdout.splitlines())}
            missing = sorted(i["instance_id"] for i in instances if i["instance_id"] not in seeds)
            self.assertEqual(missing, [], "not exported")
            differs, wrong, rebuilt_differently = 0, [], []
            for inst in instances:
                name = inst["instance_id"]
                for key in ("patch", "test_patch"):
                    if seeds[name][key] == inst[key]:
                        continue
                    # Myers' alignment inside a hunk can depend on lines far
                    # from it, which the rebuilt files replace by fillers: then
                    # swerl must still equal git's python-driver diff of the
                    # same rebuilt history.
                    work, base, head = histories[name]
                    paths = [new or old for old, new, _ in sections(inst[key])]
                    with open(os.path.join(work, ".git", "info", "attributes"), "w") as f:
                        f.write("*.py diff=python\n")
                    cli = git(work, "diff", base, head, "--", *paths) + "\n"
                    cli = "".join(l for l in cli.splitlines(True) if not l.startswith("index "))
                    if seeds[name][key] == cli:
                        rebuilt_differently.append(f"{name} {key}")
                    else:
                        wrong.append(f"{name} {key}")
                        if os.environ.get("SWEBENCH_REBUILD_DUMP"):
                            dump = os.path.join(os.environ["SWEBENCH_REBUILD_DUMP"], f"{name}.{key}")
                            with open(dump + ".want", "w") as f:
                                f.write(inst[key])
                            with open(dump + ".got", "w") as f:
                                f.write(seeds[name][key])
                differs += plain[name]["patch"] != inst["patch"]
            self.assertEqual(wrong, [], "differ from SWE-bench (SWEBENCH_REBUILD_DUMP=DIR writes both)")
            # Known: flask-5063's big cli.py hunk aligns differently once the
            # rest of the file is filler; everything else is byte-identical.
            self.assertLessEqual(len(rebuilt_differently), 1, rebuilt_differently)
            self.assertEqual(differs, len(instances), "swerl's own format should differ")


if __name__ == "__main__":
    argv = sys.argv[:]
    if "--swerl" in argv:
        i = argv.index("--swerl")
        SWERL = argv[i + 1]
        del argv[i:i + 2]
    unittest.main(argv=argv)

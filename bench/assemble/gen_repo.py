#!/usr/bin/env python3
"""Generates, deterministically, the repository of the `swerl assemble`
benchmark (bench/README.md): a bare git repository with a long history of
merged pull requests, written by one `git fast-import` process from a stream
of commands (never one git process per commit).

    gen_repo.py OUTDIR [--commits 20000] [--prs 2000] [--seed 1]

Writes:
  OUTDIR/src/acme/bench.git  the bare repository (HEAD = refs/heads/main)
  OUTDIR/prs.tsv             one line per PR, by number, tab-separated, no
                             header: number, base_sha, head_sha,
                             merge_commit_sha (what GitHub's events give)
  OUTDIR/prs-meta.tsv        number, kind (merge|squash|rebase), commits,
                             force_pushed (0|1): for reading results only
  OUTDIR/stats.json          counts (commits, PRs by kind, files, blobs)
  OUTDIR/stamp               the parameters, written last: a later run with
                             the same parameters reuses OUTDIR as it is

The history, simulated in Python and streamed to fast-import:
  - an initial import of ~400 files of code-like text (Python, C, headers,
    JavaScript, Markdown docs, shell scripts; tests as tests/test_*.py,
    native/tests/*_test.c, web/test/*.spec.js), 1-50 KB each;
  - PRs, a few open at once: each forks from the tip of main (base_sha),
    has 1-15 commits on refs/pull/N/head touching 1-8 files each (line
    edits, insertions and deletions in 1-3 hunks; sometimes an added, a
    deleted or a renamed-and-edited file; rarely a binary file), and is then
    merged into main: 70% true merge commits, 20% squash merges (one commit
    with the cumulative change), 10% rebase merges (the commits replayed on
    main; merge_commit_sha is the last one);
  - direct commits to main between PRs, so the base moves on while PRs are
    open; lightweight tags now and then.
A PR only touches files that main has not changed since it forked and that
no other open PR touches, so every merge is clean and the merge tree is main
plus the PR's files. refs/pull/N/head is kept for every PR (as GitHub does);
one in ten keeps its feature branch too. For one PR in 25, head_sha is a
commit that no longer exists (a force-pushed head), so that only
refs/pull/N/head finds it.

Cost: Python is linear in the history (no tree is copied per commit, only
per PR fork); the stream carries about 0.8 GB of blob data at the defaults,
about 75 s on 2 cores.
"""
import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time

VERSION = 1  # bump when the generated history changes

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("outdir")
ap.add_argument("--commits", type=int, default=20000, help="at least this many commits")
ap.add_argument("--prs", type=int, default=2000, help="merged pull requests")
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()

OUT = os.path.abspath(args.outdir)
REPO = os.path.join(OUT, "src", "acme", "bench.git")
STAMP = os.path.join(OUT, "stamp")
stamp_text = "gen_repo v%d commits=%d prs=%d seed=%d\n" % (VERSION, args.commits, args.prs, args.seed)
if os.path.exists(STAMP) and open(STAMP).read() == stamp_text and os.path.isdir(REPO):
    print("gen_repo: reusing %s (%s)" % (OUT, stamp_text.strip()), file=sys.stderr)
    sys.exit(0)
for stale in (STAMP, os.path.join(OUT, "src")):
    if os.path.isdir(stale):
        shutil.rmtree(stale)
    elif os.path.exists(stale):
        os.remove(stale)
os.makedirs(os.path.dirname(REPO), exist_ok=True)
started = time.time()
rng = random.Random(args.seed)

# ---------------------------------------------------------------------------
# Code-like text. Lines come from per-language templates filled with words of
# a fixed vocabulary; blocks (functions, sections) give files some structure.

SYL = ["ac", "al", "ar", "ba", "be", "ca", "co", "da", "de", "el", "en", "fa", "fi", "ga",
       "ha", "in", "io", "ka", "la", "le", "li", "lo", "ma", "me", "mi", "mo", "na", "ne",
       "no", "pa", "pe", "po", "ra", "re", "ri", "ro", "sa", "se", "si", "ta", "te", "ti",
       "to", "un", "va", "ve", "xo", "za"]
WORDS = sorted({rng.choice(SYL) + rng.choice(SYL) + rng.choice(["", "r", "n", "t", "x", "s"])
                for _ in range(600)})
NOUNS = ["buffer", "parser", "cache", "token", "config", "handler", "request", "index", "node",
         "stream", "queue", "record", "schema", "client", "session", "event", "path", "entry"]
VERBS = ["parse", "load", "store", "read", "write", "flush", "merge", "split", "resolve",
         "check", "build", "emit", "update", "fetch", "encode", "decode", "reset", "apply"]
PROSE = ("the a of to and in is that for it with as on be by this are from at or an which "
         "when value returns file each list data time new only not can more if all one "
         "error before after since default option mode field caller result").split()


def ident():
    return rng.choice(VERBS) + "_" + rng.choice(WORDS)


def var():
    return rng.choice(WORDS)


def camel():
    return rng.choice(VERBS) + rng.choice(WORDS).capitalize()


def sentence(lo=4, hi=14):
    return " ".join(rng.choice(PROSE) for _ in range(rng.randint(lo, hi)))


def py_block():
    """A Python function or class: a list of lines ending in '\\n'."""
    name, a, b = ident(), var(), var()
    out = ["\n", "def %s(%s, %s=%d):\n" % (name, a, b, rng.randint(0, 99)),
           '    """%s."""\n' % sentence().capitalize()]
    for _ in range(rng.randint(2, 18)):
        r = rng.random()
        v = var()
        if r < 0.3:
            out.append("    %s = %s(%s, %d)\n" % (v, ident(), a, rng.randint(0, 999)))
        elif r < 0.45:
            out.append("    if %s is None or %s > %d:\n" % (v, b, rng.randint(0, 64)))
            out.append("        return %s.%s(%r)\n" % (a, rng.choice(VERBS), var()))
        elif r < 0.6:
            out.append("    for %s in %s.%s():\n" % (v, a, rng.choice(NOUNS) + "s"))
            out.append("        %s.append(%s[%d])\n" % (b, v, rng.randint(0, 9)))
        elif r < 0.7:
            out.append("    # %s\n" % sentence())
        elif r < 0.85:
            out.append("    %s.%s = %s.get(%r, %s)\n" % (a, v, b, var(), rng.choice(["None", "0", "''", "[]"])))
        else:
            out.append("    raise ValueError(%r %% %s)\n" % ("%s: %%r" % sentence(2, 5), v))
    out.append("    return %s\n" % rng.choice([a, b, "None", "True"]))
    return out


def c_block():
    name, a, b = ident(), var(), var()
    out = ["\n", "/* %s. */\n" % sentence().capitalize(),
           "static int %s(struct %s *%s, size_t %s) {\n" % (name, rng.choice(NOUNS), a, b)]
    for _ in range(rng.randint(2, 18)):
        r = rng.random()
        v = var()
        if r < 0.3:
            out.append("  int %s = %s(%s, %d);\n" % (v, ident(), a, rng.randint(0, 999)))
        elif r < 0.5:
            out.append("  if (%s->%s == NULL || %s > %d) {\n" % (a, v, b, rng.randint(0, 4096)))
            out.append("    return -%s;\n" % rng.choice(["EINVAL", "ENOMEM", "EIO", "1"]))
            out.append("  }\n")
        elif r < 0.65:
            out.append("  for (size_t i = 0; i < %s; ++i) %s->%s[i] = %d;\n" % (b, a, v, rng.randint(0, 255)))
        elif r < 0.75:
            out.append("  /* %s */\n" % sentence())
        else:
            out.append("  %s->%s += %s_%s(%s);\n" % (a, v, rng.choice(NOUNS), rng.choice(VERBS), b))
    out.append("  return 0;\n")
    out.append("}\n")
    return out


def h_block():
    out = ["\n", "/* %s. */\n" % sentence().capitalize()]
    for _ in range(rng.randint(2, 10)):
        if rng.random() < 0.4:
            out.append("#define %s_%s %d\n" % (rng.choice(NOUNS).upper(), var().upper(), rng.randint(0, 1 << 16)))
        else:
            out.append("int %s(struct %s *%s, size_t %s);\n" % (ident(), rng.choice(NOUNS), var(), var()))
    return out


def js_block():
    name, a, b = camel(), var(), var()
    out = ["\n", "// %s.\n" % sentence().capitalize(), "export function %s(%s, %s) {\n" % (name, a, b)]
    for _ in range(rng.randint(2, 16)):
        r = rng.random()
        v = var()
        if r < 0.35:
            out.append("  const %s = %s.%s(%s, %d);\n" % (v, a, camel(), b, rng.randint(0, 999)))
        elif r < 0.55:
            out.append("  if (!%s || %s.length > %d) {\n" % (v, b, rng.randint(0, 512)))
            out.append("    return %s;\n" % rng.choice(["null", "undefined", "[]", a]))
            out.append("  }\n")
        elif r < 0.7:
            out.append("  for (const %s of %s.%s) %s.push(%s);\n" % (v, a, rng.choice(NOUNS) + "s", b, v))
        elif r < 0.8:
            out.append("  // %s\n" % sentence())
        else:
            out.append("  %s.%s = await %s(%s);\n" % (a, v, camel(), b))
    out.append("  return %s;\n" % rng.choice([a, b, "null"]))
    out.append("}\n")
    return out


def md_block():
    out = ["\n", "## %s\n" % sentence(2, 5).capitalize(), "\n"]
    for _ in range(rng.randint(1, 4)):
        for _ in range(rng.randint(1, 5)):
            out.append(sentence(8, 16).capitalize() + ".\n")
        out.append("\n")
    if rng.random() < 0.5:
        for _ in range(rng.randint(2, 6)):
            out.append("- `%s` %s.\n" % (ident(), sentence(3, 9)))
    if rng.random() < 0.3:
        out += ["\n", "```sh\n", "acme %s --%s %d\n" % (rng.choice(VERBS), var(), rng.randint(1, 64)), "```\n"]
    return out


def sh_block():
    out = ["\n", "# %s\n" % sentence().capitalize(), "%s() {\n" % ident()]
    for _ in range(rng.randint(2, 10)):
        r = rng.random()
        if r < 0.4:
            out.append('  local %s="${%d:-%s}"\n' % (var(), rng.randint(1, 3), var()))
        elif r < 0.7:
            out.append('  if [[ -z ${%s:-} ]]; then echo "%s" >&2; return 1; fi\n' % (var().upper(), sentence(2, 6)))
        else:
            out.append('  "$%s" %s --%s "$%s"\n' % (var().upper(), rng.choice(VERBS), var(), var()))
    out.append("}\n")
    return out


BLOCK = {"py": py_block, "c": c_block, "h": h_block, "js": js_block, "md": md_block, "sh": sh_block}
HEADER = {
    "py": lambda: ['"""%s."""\n' % sentence().capitalize(), "import %s\n" % var(),
                   "from acme.%s import %s\n" % (var(), ident())],
    "c": lambda: ["/* %s. */\n" % sentence().capitalize(), "#include <stdlib.h>\n",
                  '#include "%s.h"\n' % var()],
    "h": lambda: ["#pragma once\n", "#include <stddef.h>\n"],
    "js": lambda: ["// %s.\n" % sentence().capitalize(), "import { %s } from './%s.js';\n" % (camel(), var())],
    "md": lambda: ["# %s\n" % sentence(2, 5).capitalize()],
    "sh": lambda: ["#!/usr/bin/env bash\n", "set -euo pipefail\n"],
}


def lang(path):
    return path.rsplit(".", 1)[-1]


def new_text(path, lo=1500, hi=50000):
    """A new text file of a log-uniform size in [lo, hi] bytes."""
    target = math.exp(rng.uniform(math.log(lo), math.log(hi)))
    kind = lang(path)
    lines = HEADER[kind]()
    size = sum(map(len, lines))
    while size < target:
        block = BLOCK[kind]()
        lines += block
        size += sum(map(len, block))
    return lines


def edit_text(path, lines, small=False):
    """A new list: 1-3 hunks of replaced, inserted or deleted lines (one
    small hunk when small)."""
    lines = list(lines)
    kind = lang(path)
    for _ in range(1 if small else rng.choice((1, 1, 1, 2, 2, 3))):
        at = rng.randrange(len(lines) + 1)
        r = rng.random()
        if r < 0.4 or small:  # change a few lines
            n = rng.randint(1, 3 if small else 6)
            fresh = BLOCK[kind]()[2:2 + n] or ["\n"]
            lines[at:at + n] = fresh
        elif r < 0.75:  # insert a block
            lines[at:at] = BLOCK[kind]()
        elif len(lines) > 40:  # delete some lines
            del lines[at:at + rng.randint(1, 20)]
        else:
            lines[at:at] = ["# %s\n" % sentence() if kind in ("py", "sh") else "\n"]
    return lines


def binary_bytes(old=None):
    if old is not None and rng.random() < 0.7:  # patch a few bytes in place
        b = bytearray(old)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i:i + 16] = rng.randbytes(16)
        return bytes(b)
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(rng.randint(1000, 20000))


# ---------------------------------------------------------------------------
# The fast-import stream. Marks number blobs and commits in one sequence.

git_env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=OUT)
subprocess.run(["git", "init", "-q", "--bare", "-b", "main", REPO], check=True, env=git_env)
MARKS = os.path.join(OUT, "marks.tmp")
fi = subprocess.Popen(["git", "-C", REPO, "-c", "pack.compression=1", "fast-import", "--quiet",
                       "--done", "--export-marks=" + MARKS], stdin=subprocess.PIPE, env=git_env,
                      bufsize=1 << 20)
w = fi.stdin.write
next_mark = 0
stats = {"commits": 0, "blobs": 0, "blob_bytes": 0, "merge": 0, "squash": 0, "rebase": 0,
         "force_pushed": 0, "direct_commits": 0, "pr_commits": 0, "added": 0, "deleted": 0,
         "renamed": 0, "binary": 0, "tags": 0}


def mark():
    global next_mark
    next_mark += 1
    return next_mark


def blob(data):
    """Emits a blob; returns its mark."""
    m = mark()
    w(b"blob\nmark :%d\ndata %d\n" % (m, len(data)))
    w(data)
    w(b"\n")
    stats["blobs"] += 1
    stats["blob_bytes"] += len(data)
    return m


class Entry:
    """One version of a file: its blob mark, mode and content (a list of
    lines for text, bytes for a binary file)."""
    __slots__ = ("mark", "mode", "content")

    def __init__(self, content, mode=b"100644"):
        self.content, self.mode = content, mode
        data = content if isinstance(content, bytes) else "".join(content).encode()
        self.mark = blob(data)


AUTHORS = []
for i in range(40):
    first = rng.choice(["Ada", "Bo", "Chen", "Dara", "Emil", "Femi", "Gus", "Hana", "Ines", "Jon",
                        "Kai", "Lea", "Mia", "Noor", "Oli", "Priya", "Quin", "Ravi", "Sol", "Tove"])
    last = rng.choice(WORDS).capitalize()
    tz = rng.choice([b"+0000", b"+0100", b"+0200", b"+0530", b"-0400", b"-0700", b"+0900"])
    AUTHORS.append((("%s %s <%s.%s@example.com>" % (first, last, first.lower(), last.lower())).encode(), tz))
GITHUB = (b"GitHub <noreply@github.com>", b"+0000")
clock = 1577836800  # 2020-01-01


def commit(ref, message, parent, changes, author, merge=None, committer=None):
    """Emits a commit on ref; changes: (path, Entry or None = delete) pairs.
    Returns its mark."""
    global clock
    clock += rng.randint(60, 3600)
    m = mark()
    who, tz = author
    cwho, ctz = committer or author
    msg = message.encode()
    w(b"commit %s\nmark :%d\nauthor %s %d %s\ncommitter %s %d %s\ndata %d\n%s\n"
      % (ref, m, who, clock, tz, cwho, clock, ctz, len(msg), msg))
    if parent is not None:
        w(b"from :%d\n" % parent)
    if merge is not None:
        w(b"merge :%d\n" % merge)
    for path, e in changes:
        if e is None:
            w(b"D %s\n" % path.encode())
        else:
            w(b"M %s :%d %s\n" % (e.mode, e.mark, path.encode()))
    w(b"\n")
    stats["commits"] += 1
    return m


def subject():
    return rng.choice([
        "Fix %s when %s is empty" % (rng.choice(NOUNS), rng.choice(NOUNS)),
        "Add %s option to %s" % (var(), ident()),
        "Refactor %s %s" % (rng.choice(NOUNS), rng.choice(["handling", "loading", "tests", "errors"])),
        "%s: %s" % (var(), sentence(3, 7)),
        "Speed up %s" % ident(),
        "Document %s" % ident(),
        "Handle %s in %s" % (rng.choice(["timeouts", "None", "unicode", "large inputs", "errors"]), ident()),
    ])


def message():
    s = subject()
    if rng.random() < 0.4:
        s += "\n\n" + "\n".join(sentence(6, 12).capitalize() + "." for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.15:
        s += "\n\nFixes #%d" % rng.randint(1, 3000)
    return s + "\n"


# ---------------------------------------------------------------------------
# Main's tree and the paths PRs and direct commits may touch.

main = {}  # path -> Entry, the tip of main
paths = []  # main's paths, for random choice
pos = {}  # path -> index in paths
locked = {}  # path -> PR number that touches it
name_seq = [0]


def main_put(path, entry):
    if entry is None:
        if path in main:
            del main[path]
            i = pos.pop(path)
            last = paths.pop()
            if i < len(paths):
                paths[i] = last
                pos[last] = i
    else:
        if path not in main:
            pos[path] = len(paths)
            paths.append(path)
        main[path] = entry


DIRS = {  # directory -> (extension, file name pattern)
    "src/acme/core": ("py", "%s.py"), "src/acme/io": ("py", "%s.py"), "src/acme/net": ("py", "%s.py"),
    "src/acme/util": ("py", "%s.py"), "src/acme/cli": ("py", "%s.py"),
    "tests": ("py", "test_%s.py"), "tests/unit": ("py", "test_%s.py"),
    "native/src": ("c", "%s.c"), "native/include/acme": ("h", "%s.h"), "native/tests": ("c", "%s_test.c"),
    "web/src/components": ("js", "%s.js"), "web/src/lib": ("js", "%s.js"), "web/test": ("js", "%s.spec.js"),
    "docs": ("md", "%s.md"), "docs/guide": ("md", "%s.md"), "scripts": ("sh", "%s.sh"),
}
INITIAL = {"src/acme/core": 30, "src/acme/io": 25, "src/acme/net": 25, "src/acme/util": 30,
           "src/acme/cli": 20, "tests": 40, "tests/unit": 25, "native/src": 40,
           "native/include/acme": 30, "native/tests": 12, "web/src/components": 35,
           "web/src/lib": 25, "web/test": 15, "docs": 15, "docs/guide": 12, "scripts": 10}


def fresh_path(directory=None):
    """A path that has never existed (a sequence number keeps it unique)."""
    directory = directory or rng.choice(sorted(DIRS))
    name_seq[0] += 1
    return "%s/%s" % (directory, DIRS[directory][1] % ("%s_%d" % (rng.choice(WORDS), name_seq[0])))


def new_file(path):
    if lang(path) == "md":
        return Entry(new_text(path, 1000, 15000))
    return Entry(new_text(path), b"100755" if path.endswith(".sh") else b"100644")


changes = []
for d in sorted(INITIAL):
    for _ in range(INITIAL[d]):
        p = fresh_path(d)
        main_put(p, new_file(p))
        changes.append((p, main[p]))
main_put("README.md", new_file("README.md"))
changes.append(("README.md", main["README.md"]))
tip = commit(b"refs/heads/main", "Initial import\n", None, changes, rng.choice(AUTHORS))
initial_files = len(main)


def pick(ok, pool=None, tries=60):
    """A random path of pool (default: main's paths) that ok(path) accepts,
    or None."""
    pool = paths if pool is None else pool
    for _ in range(tries if pool else 0):
        p = pool[rng.randrange(len(pool))]
        if ok(p):
            return p
    return None


def change_files(tree, allowed, lock, nfiles, own=()):
    """One commit's changes to the files of tree (a dict, read only): nfiles
    files edited (half of them, when own is given, among own: the paths the
    branch touched before), plus now and then an added, deleted, renamed or
    binary file. allowed(path) says whether an existing path may be
    touched; lock(path) claims a path. Returns the (path, Entry or None =
    deleted) changes, each path once."""
    out = []
    done = set()

    def ok(p):
        return p in tree and p not in done and allowed(p)

    def text(p):
        return ok(p) and not isinstance(tree[p].content, bytes)

    for _ in range(nfiles):
        p = (own and rng.random() < 0.5 and pick(text, own, 10)) or pick(text)
        if not p:
            continue
        done.add(p)
        lock(p)
        out.append((p, Entry(edit_text(p, tree[p].content), tree[p].mode)))
    r = rng.random()
    if r < 0.06:  # an added file
        p = fresh_path()
        lock(p)
        out.append((p, new_file(p)))
        stats["added"] += 1
    elif r < 0.09 and len(paths) > 100:  # a deleted file
        p = pick(ok)
        if p is not None:
            lock(p)
            out.append((p, None))
            stats["deleted"] += 1
    elif r < 0.12:  # a rename with a small edit
        p = pick(text)
        if p is not None:
            q = fresh_path(rng.choice([d for d in sorted(DIRS) if DIRS[d][0] == lang(p)]))
            lock(p)
            lock(q)
            out += [(p, None), (q, Entry(edit_text(q, tree[p].content, small=True), tree[p].mode))]
            stats["renamed"] += 1
    elif r < 0.13:  # a binary file, new or changed
        p = pick(lambda p: ok(p) and isinstance(tree[p].content, bytes), tries=10)
        if p is None:
            name_seq[0] += 1
            p = "web/assets/%s_%d.png" % (rng.choice(WORDS), name_seq[0])
            e = Entry(binary_bytes())
        else:
            e = Entry(binary_bytes(tree[p].content))
        lock(p)
        out.append((p, e))
        stats["binary"] += 1
    return out


class PR:
    def __init__(self, number, base):
        self.number = number
        self.base = base  # mark of main's tip at the fork
        self.head = base
        self.tree = dict(main)  # the branch's files (untouched ones as at the fork)
        self.touched = {}  # paths this PR changed, in order
        self.left = min(15, 1 + int(rng.betavariate(1.3, 2.2) * 15))  # commits to make
        self.ncommits = self.left
        self.log = []  # (message, changes) per commit, for rebase merges
        self.author = rng.choice(AUTHORS)
        self.title = subject()
        r = rng.random()
        self.kind = "merge" if r < 0.7 else "squash" if r < 0.9 else "rebase"
        self.ref = b"refs/pull/%d/head" % number

    def allowed(self, p):
        owner = locked.get(p)
        if owner is not None:
            return owner == self.number
        # untouched here: only if main still has the version this PR forked with
        return main.get(p) is self.tree[p]

    def lock(self, p):
        locked[p] = self.number
        self.touched[p] = True

    def add_commit(self):
        nfiles = rng.choices(range(1, 9), weights=(35, 25, 15, 10, 6, 4, 3, 2))[0]
        ch = change_files(self.tree, self.allowed, self.lock, nfiles, list(self.touched))
        if not ch:  # nothing could be touched: add a file
            p = fresh_path()
            self.lock(p)
            ch = [(p, new_file(p))]
        for p, e in ch:
            if e is None:
                del self.tree[p]
            else:
                self.tree[p] = e
        msg = message()
        self.head = commit(self.ref, msg, self.head, ch, self.author)
        self.log.append((msg, ch))
        self.left -= 1
        stats["pr_commits"] += 1

    def merged_changes(self):
        """The PR's cumulative change: its touched paths as on its head."""
        return [(p, self.tree.get(p)) for p in self.touched if p in self.tree or p in main]


def direct_commit():
    """A commit on main touching no path that an open PR claims."""
    global tip
    ch = change_files(main, lambda p: p not in locked, lambda p: None, rng.choice((1, 1, 1, 2, 2, 3)))
    if not ch:
        return
    for p, e in ch:
        main_put(p, e)
    tip = commit(b"refs/heads/main", message(), tip, ch, rng.choice(AUTHORS))
    stats["direct_commits"] += 1


# ---------------------------------------------------------------------------
# The history: a few PRs open at once, direct commits keeping pace.

records = []  # (number, base mark, head mark, merge mark, kind, commits, force_pushed)
opened, merged = 0, 0
open_prs = []
want_open = 3
while merged < args.prs:
    if rng.random() < 0.05:
        want_open = rng.randint(1, 6)
    # direct commits so that the total keeps pace with --commits
    target = args.commits * (merged + 1) / args.prs
    while stats["commits"] + 2 * sum(p.left for p in open_prs) < target and rng.random() < 0.9:
        direct_commit()
    if opened < args.prs and len(open_prs) < want_open:
        opened += 1
        open_prs.append(PR(opened, tip))
        continue
    pr = open_prs[rng.randrange(len(open_prs))]
    if pr.left > 0:
        pr.add_commit()
        continue
    # merge it
    open_prs.remove(pr)
    merger = rng.choice(AUTHORS)
    ch = pr.merged_changes()
    if pr.kind == "merge":
        msg = "Merge pull request #%d from %s/feature-%d\n\n%s\n" % (
            pr.number, pr.author[0].split(b" ")[0].decode().lower(), pr.number, pr.title)
        tip = commit(b"refs/heads/main", msg, tip, ch, merger, merge=pr.head, committer=GITHUB)
    elif pr.kind == "squash":
        body = "".join("* %s\n" % m.split("\n")[0] for m, _ in pr.log)
        tip = commit(b"refs/heads/main", "%s (#%d)\n\n%s" % (pr.title, pr.number, body), tip, ch,
                     pr.author, committer=GITHUB)
    else:  # rebase: every commit replayed on main
        for m, c in pr.log:
            tip = commit(b"refs/heads/main", m, tip, c, pr.author, committer=GITHUB)
    for p, e in ch:
        main_put(p, e)
    for p in pr.touched:
        if locked.get(p) == pr.number:
            del locked[p]
    stats[pr.kind] += 1
    force_pushed = rng.random() < 0.04
    stats["force_pushed"] += force_pushed
    if rng.random() < 0.1:  # the feature branch survives
        w(b"reset refs/heads/feature-%d\nfrom :%d\n\n" % (pr.number, pr.head))
    records.append((pr.number, pr.base, pr.head, tip, pr.kind, pr.ncommits, force_pushed))
    pr.tree = pr.log = None
    merged += 1
    if merged % 150 == 0:
        stats["tags"] += 1
        w(b"reset refs/tags/v1.%d.0\nfrom :%d\n\n" % (merged // 150, tip))
while stats["commits"] < args.commits:
    direct_commit()
w(b"done\n")
fi.stdin.close()
if fi.wait() != 0:
    sys.exit("gen_repo: git fast-import failed")
subprocess.run(["git", "-C", REPO, "pack-refs", "--all"], check=True, env=git_env)

# ---------------------------------------------------------------------------
# prs.tsv from the exported marks.

sha = {}
with open(MARKS) as f:
    for line in f:
        m, s = line.split()
        sha[int(m[1:])] = s
os.remove(MARKS)
records.sort()
with open(os.path.join(OUT, "prs.tsv"), "w") as f, open(os.path.join(OUT, "prs-meta.tsv"), "w") as meta:
    for number, base, head, merge, kind, ncommits, force_pushed in records:
        head_sha = sha[head]
        if force_pushed:  # the head the events saw was force-pushed away
            head_sha = hashlib.sha1(b"force-pushed %d %d" % (args.seed, number)).hexdigest()
        f.write("%d\t%s\t%s\t%s\n" % (number, sha[base], head_sha, sha[merge]))
        meta.write("%d\t%s\t%d\t%d\n" % (number, kind, ncommits, force_pushed))
stats.update(prs=len(records), initial_files=initial_files, final_files=len(main),
             seconds=round(time.time() - started, 1))
with open(os.path.join(OUT, "stats.json"), "w") as f:
    json.dump(stats, f, indent=1)
    f.write("\n")
with open(STAMP, "w") as f:
    f.write(stamp_text)
print("gen_repo: %s" % json.dumps(stats), file=sys.stderr)

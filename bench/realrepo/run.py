#!/usr/bin/env python3
"""The differential check at real scale (issue 20): every merged pull request
of real repositories, given as bare mirrors, goes through the real pipeline
(`swerl events | swerl ingest`, `link`, `clone` over file://, `assemble`), and
every stored patch is compared with the git CLI's

    git diff -M --full-index <merge_base> <head_commit>

(the flags of lib/swerl/git/instance.h), every stored file list with `git
diff --raw`, and every stored file side with `git cat-file` of <rev>:<path>
(what `git show` prints), byte for byte. Not a ctest: the mirrors are big and
come from outside; nothing from them is committed.

    run.py BUILD_DIR OWNER/NAME=MIRROR... [--out DIR] [--jobs N]
           [--baseline-every K] [--limit N]

The merged PRs are synthesized from each mirror itself (no events exist
here): (a) the merge commits on HEAD's first-parent line, base = parent 1,
head = parent 2, the number from the refs/pull/N/head that points at parent
2 or from "Merge pull request #N"; (b) every refs/pull/N/head merged into
HEAD that (a) lacks, the merge commit found by ancestry (the first commit
of HEAD's first-parent line that contains it); (c) squash merges: a
first-parent commit whose subject ends in "(#N)" with a refs/pull/N/head
that is not merged (head = that ref, base = the commit's parent). Their
GH Archive events (PullRequestEvent closed, merged) are written and read
back by `swerl events`, as real hours would be.

Timing: `swerl assemble -j N` on all PRs, and bench/assemble/baseline.py
(the git CLI script: rev-parse, merge-base, log, diff, diff --raw, show per
side; stores nothing) on every K-th PR, scaled, in the same run.

Prints counts per repository and per difference class and writes every
difference under OUT/diffs/. Exit status 1 when any difference is found.
"""
import argparse
import collections
import ctypes
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("build")
ap.add_argument("mirrors", nargs="+", help="OWNER/NAME=PATH of a bare mirror")
ap.add_argument("--out", default=None, help="work directory (default BUILD/bench/realrepo)")
ap.add_argument("--jobs", type=int, default=1)
ap.add_argument("--baseline-every", type=int, default=10)
ap.add_argument("--limit", type=int, default=0, help="at most N PRs per repository (0: all)")
ap.add_argument("--skip-pipeline", action="store_true", help="reuse OUT/store.db, only compare")
args = ap.parse_args()
SWERL = os.path.join(os.path.abspath(args.build), "swerl")
OUT = os.path.abspath(args.out or os.path.join(args.build, "bench", "realrepo"))
DIFF_FLAGS = ["-c", "core.quotePath=true", "-c", "diff.noprefix=false", "-c",
              "diff.mnemonicPrefix=false", "diff", "--no-color", "--no-ext-diff", "--no-textconv",
              "-M", "--full-index"]
MERGE_RE = re.compile(r"^Merge pull request #(\d+)")
SQUASH_RE = re.compile(r"\(#(\d+)\)\s*$")


def git(repo, *argv, check=True):
    r = subprocess.run(["git", "-C", repo] + list(argv), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        sys.exit("run.py: git %s: %s" % (" ".join(argv), r.stderr.decode(errors="replace")))
    return r.stdout


def synthesize(repo):
    """[(number, base, head, merge, title, kind)] of the merged PRs of `repo`."""
    pull = {}  # number -> head sha
    for line in git(repo, "for-each-ref", "--format=%(objectname) %(refname)",
                    "refs/pull/*/head").decode().splitlines():
        sha, ref = line.split(" ", 1)
        n = ref.split("/")[2]
        if n.isdigit():
            pull[int(n)] = sha
    by_head = collections.defaultdict(list)
    for n, sha in pull.items():
        by_head[sha].append(n)
    first_parent = git(repo, "rev-list", "--first-parent", "HEAD").decode().split()
    prs = {}
    log = git(repo, "log", "--first-parent", "--format=%H %P%x1f%s", "HEAD").decode()
    squash_candidates = []
    for line in log.splitlines():
        shas, subject = line.split("\x1f", 1)
        shas = shas.split()
        if len(shas) == 3:
            merge, p1, p2 = shas
            numbers = by_head.get(p2, [])
            m = MERGE_RE.match(subject)
            if not numbers and m:
                numbers = [int(m.group(1))]
            for n in numbers:
                if n not in prs:
                    prs[n] = (n, p1, p2, merge, subject, "merge")
        elif len(shas) == 2:
            m = SQUASH_RE.search(subject)
            if m:
                squash_candidates.append((int(m.group(1)), shas[1], shas[0], subject))
    # Which first-parent commit brought each commit of HEAD's history in:
    # walk the first-parent line from the oldest; each commit claims the
    # unclaimed ancestors behind its other parents.
    graph = {}
    for line in git(repo, "rev-list", "--parents", "HEAD").decode().splitlines():
        shas = line.split()
        graph[shas[0]] = shas[1:]
    brought_by = {}
    for m in reversed(first_parent):
        brought_by[m] = m
        stack = list(graph.get(m, [])[1:])
        while stack:
            c = stack.pop()
            if c in brought_by or c not in graph:
                continue
            brought_by[c] = m
            stack.extend(graph[c])
    for n, head in sorted(pull.items()):
        merge = brought_by.get(head)
        if n in prs or merge is None or not graph.get(merge):
            continue
        prs[n] = (n, graph[merge][0], head, merge, "pull %d" % n, "ancestry")
    for n, base, merge, subject in squash_candidates:
        if n in prs or n not in pull:
            continue
        prs[n] = (n, base, pull[n], merge, subject, "squash")
    out = sorted(prs.values())
    return out[:args.limit] if args.limit else out


def raw_event(event_id, repo_id, repo, pr):
    n, base, head, merge, title, _ = pr
    owner = repo.split("/")[0]
    user = {"login": "someone", "id": 1, "type": "User"}
    side = lambda ref, sha: {"ref": ref, "sha": sha,
                             "repo": {"id": repo_id, "name": repo.split("/")[1],
                                      "full_name": repo, "owner": {"login": owner}}}
    return {"id": str(event_id), "type": "PullRequestEvent",
            "actor": {"id": 1, "login": "someone"},
            "repo": {"id": repo_id, "name": repo, "url": "https://api.github.com/repos/" + repo},
            "payload": {"action": "closed", "number": n, "pull_request": {
                "id": repo_id * 1000000 + n, "number": n, "title": title, "body": "",
                "state": "closed", "merged": True, "merged_at": "2024-01-01T00:00:00Z",
                "merge_commit_sha": merge, "created_at": "2023-12-31T00:00:00Z",
                "updated_at": "2024-01-01T00:00:00Z", "closed_at": "2024-01-01T00:00:00Z",
                "user": user, "base": side("main", base), "head": side("pr-%d" % n, head)}},
            "public": True, "created_at": "2024-01-01T00:00:00Z"}


def run(argv, **kw):
    t0 = time.monotonic()
    r = subprocess.run(argv, capture_output=True, **kw)
    if r.returncode != 0:
        sys.exit("run.py: %s: exit %d\n%s" % (" ".join(argv[:2]), r.returncode,
                                              r.stderr.decode(errors="replace")))
    return time.monotonic() - t0, r


# ---- zstd frames of the blobs table (libzstd through ctypes) ----
_zstd = ctypes.CDLL("libzstd.so.1")
_zstd.ZSTD_getFrameContentSize.restype = ctypes.c_ulonglong
_zstd.ZSTD_decompress.restype = ctypes.c_size_t


def unzstd(frame, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    got = _zstd.ZSTD_decompress(buf, ctypes.c_size_t(max(size, 1)), frame, ctypes.c_size_t(len(frame)))
    if got != size:
        raise ValueError("bad zstd frame")
    return buf.raw[:size]


class CatFile:
    """One `git cat-file --batch` per repository: the bytes <rev>:<path> names."""

    def __init__(self, repo):
        self.p = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def get(self, spec):
        self.p.stdin.write(spec + b"\n")
        self.p.stdin.flush()
        header = self.p.stdout.readline()
        if header.endswith(b" missing\n") or header.endswith(b" ambiguous\n"):
            return None, None
        sha, kind, size = header.split()
        data = self.p.stdout.read(int(size))
        self.p.stdout.read(1)
        return sha.decode(), data


def sections(patch):
    parts = re.split(rb"(?m)^(?=diff --git )", patch)
    return [p for p in parts if p]


def classify(ours, theirs):
    """A difference class for two patches that differ."""
    a, b = sections(ours), sections(theirs)
    heads_a = [s.split(b"\n", 1)[0] for s in a]
    heads_b = [s.split(b"\n", 1)[0] for s in b]
    if heads_a != heads_b:
        if sorted(heads_a) == sorted(heads_b):
            return "file order"
        return "different file pairs (rename detection)"
    for sa, sb in zip(a, b):
        if sa == sb:
            continue
        if (b"\n--- " in sa) != (b"\n--- " in sb) and b"\n@@ " not in sb:
            return "---/+++ lines of a file without hunks (empty file)"
        if b"Binary files" in sa or b"Binary files" in sb:
            return "binary"
        la = [l for l in sa.split(b"\n") if l.startswith(b"@@")]
        lb = [l for l in sb.split(b"\n") if l.startswith(b"@@")]
        if [l.rsplit(b"@@", 1)[0] for l in la] == [l.rsplit(b"@@", 1)[0] for l in lb]:
            if la != lb:
                return "hunk header context"
            return "hunk lines"
        return "hunk placement"
    return "other"


def parse_raw(raw):
    fields = raw.split(b"\x00")
    out = []
    i = 0
    while i + 1 < len(fields):
        meta = fields[i].split()
        status = meta[4][:1]
        old = fields[i + 1]
        new = fields[i + 2] if status in (b"R", b"C") else old
        i += 3 if status in (b"R", b"C") else 2
        entry = (meta[0][1:].decode(), meta[1].decode(), meta[2].decode(), meta[3].decode(),
                 status.decode(), old, new)
        if status == b"T":  # git's patch without -B: a deletion and an addition
            z = "0" * 40
            out.append((entry[0], "000000", entry[2], z, "D", old, old))
            out.append(("000000", entry[1], z, entry[3], "A", new, new))
        else:
            out.append(entry)
    return out


EMPTY = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's empty blob
LETTER = {"added": "A", "deleted": "D", "modified": "M", "renamed": "R", "copied": "C",
          "typechange": "T"}


def main():
    os.makedirs(OUT, exist_ok=True)
    repos = []
    for k, spec in enumerate(args.mirrors):
        name, path = spec.split("=", 1)
        repos.append((k + 1, name, os.path.abspath(path)))
    store = os.path.join(OUT, "store.db")
    timings = {}
    prs_by_repo = {}
    if not args.skip_pipeline:
        for f in (store, store + "-wal", store + "-shm"):
            if os.path.exists(f):
                os.remove(f)
        src = os.path.join(OUT, "src")
        events = os.path.join(OUT, "events.json")
        event_id = 1
        with open(events, "w") as ev:
            for repo_id, name, path in repos:
                t0 = time.monotonic()
                prs = synthesize(path)
                prs_by_repo[name] = prs
                kinds = collections.Counter(p[5] for p in prs)
                print("%s: %d merged PRs synthesized (%s) in %.1f s" % (
                    name, len(prs), ", ".join("%d %s" % (v, k) for k, v in sorted(kinds.items())),
                    time.monotonic() - t0), flush=True)
                with open(os.path.join(OUT, name.replace("/", "+") + ".prs.tsv"), "w") as tsv:
                    for p in prs:
                        tsv.write("%d\t%s\t%s\t%s\n" % p[:4])
                for p in prs:
                    ev.write(json.dumps(raw_event(event_id, repo_id, name, p)) + "\n")
                    event_id += 1
                owner, short = name.split("/")
                os.makedirs(os.path.join(src, owner), exist_ok=True)
                link = os.path.join(src, owner, short + ".git")
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink(path, link)
        t, r = run(["sh", "-c", '"$0" events -q "$1" | "$0" ingest -q --db "$2"', SWERL, events,
                    store])
        timings["events | ingest"] = t
        t, _ = run([SWERL, "link", "-q", "--db", store])
        timings["link"] = t
        mirrors = os.path.join(OUT, "mirrors")
        t, r = run([SWERL, "clone", "--no-progress", "--db", store, "--repos", mirrors,
                    "--url-template", "file://%s/{owner}/{name}.git" % src, "-j", "1"])
        timings["clone"] = t
        sys.stdout.write(r.stderr.decode(errors="replace"))
        t, r = run(["/usr/bin/time", "-f", "%M", SWERL, "assemble", "--no-progress", "--db", store,
                    "--repos", mirrors, "-j", str(args.jobs)])
        timings["assemble"] = t
        timings["assemble_rss_kb"] = int(r.stderr.decode().strip().splitlines()[-1])
        sys.stdout.write("\n".join(r.stderr.decode(errors="replace").splitlines()[:-1]) + "\n")
        # The git CLI script on every K-th PR of each repository, scaled.
        base_total = 0.0
        for repo_id, name, path in repos:
            tsv = os.path.join(OUT, name.replace("/", "+") + ".prs.tsv")
            mirror = os.path.join(mirrors, name + ".git")
            t, _ = run([sys.executable, os.path.join(HERE, "..", "assemble", "baseline.py"), mirror,
                        tsv, "--every", str(args.baseline_every)])
            n = len(prs_by_repo[name])
            sampled = len(range(0, n, args.baseline_every))
            base_total += t * n / max(sampled, 1)
        timings["git CLI script (scaled)"] = base_total

    db = sqlite3.connect(store)
    classes = collections.Counter()
    per_repo = collections.OrderedDict()
    diffdir = os.path.join(OUT, "diffs")
    os.makedirs(diffdir, exist_ok=True)
    examples = collections.defaultdict(list)
    features = collections.defaultdict(collections.Counter)
    for repo_id, name, _ in repos:
        mirror = os.path.join(OUT, "mirrors", name + ".git")
        cat = CatFile(mirror)
        c = collections.Counter()
        rows = db.execute("SELECT number, status, merge_base, head_commit, patch, error FROM "
                          "instances WHERE repo_id = ? ORDER BY number", (repo_id,)).fetchall()
        c["prs"] = db.execute("SELECT count(*) FROM pull_requests WHERE repo_id = ? AND merged = 1",
                              (repo_id,)).fetchone()[0]
        for number, status, mb, head, patch, error in rows:
            c[status] += 1
            if status != "assembled":
                cls = "%s: %s" % (status, re.sub(r"[0-9a-f]{40}", "<id>", error or "")[:90])
                classes[cls] += 1
                c["not assembled"] += 1
                examples[cls].append("%s#%d" % (name, number))
                continue
            want = git(mirror, *DIFF_FLAGS, mb, head)
            if bytes(patch) != want:
                cls = "patch: " + classify(bytes(patch), want)
                classes[cls] += 1
                c["patch differs"] += 1
                examples[cls].append("%s#%d" % (name, number))
                stem = os.path.join(diffdir, "%s-%d" % (name.replace("/", "+"), number))
                with open(stem + ".swerl", "wb") as f:
                    f.write(bytes(patch))
                with open(stem + ".git", "wb") as f:
                    f.write(want)
            else:
                c["patch equal"] += 1
            raw = parse_raw(git(mirror, "diff", "--raw", "-z", "-M", "--no-abbrev", mb, head))
            files = db.execute("SELECT old_path, new_path, status, old_mode, new_mode, old_blob, "
                               "new_blob, skip FROM instance_files WHERE repo_id = ? AND number = ? "
                               "ORDER BY seq", (repo_id, number)).fetchall()
            z = "0" * 40
            mine = [(om or "000000", nm or "000000", ob or z, nb or z, LETTER[st], bytes(op),
                     bytes(np)) for op, np, st, om, nm, ob, nb, _ in files]
            if mine != raw:
                classes["file list differs from git diff --raw"] += 1
                examples["file list differs from git diff --raw"].append("%s#%d" % (name, number))
                c["files differ"] += 1
            # What the PR exercises (each counted once per PR).
            seen = set()
            for op, np, st, om, nm, ob, nb, skip in files:
                if st == "renamed":
                    seen.add("renames")
                if "120000" in (om, nm):
                    seen.add("symlinks")
                if "160000" in (om, nm):
                    seen.add("submodules")
                if om and nm and om != nm:
                    seen.add("mode changes")
                if EMPTY in (ob, nb):
                    seen.add("empty files")
                if skip:
                    seen.add("%s files" % skip)
                if any(re.search(rb'[^\x21-\x7e]|["\\]', bytes(x)) for x in (op, np)):
                    seen.add("odd paths (non-ASCII, space, quote, backslash)")
            for op, np, st, om, nm, ob, nb, skip in files:
                for blob, rev, path, mode in ((ob, mb, op, om), (nb, head, np, nm)):
                    if not blob:
                        continue
                    c["sides"] += 1
                    row = db.execute("SELECT size, data FROM blobs WHERE blob_id = ?",
                                     (blob,)).fetchone()
                    if row is None:
                        c["sides not stored (%s)" % (skip or "no skip reason!")] += 1
                        if not skip:
                            classes["side missing without a skip reason"] += 1
                        continue
                    data = unzstd(bytes(row[1]), row[0])
                    if b"\r\n" in data:
                        seen.add("CRLF files")
                    sha, shown = cat.get(rev.encode() + b":" + bytes(path))
                    if sha != blob or shown != data:
                        classes["file side differs from git show"] += 1
                        examples["file side differs from git show"].append(
                            "%s#%d %s" % (name, number, bytes(path).decode(errors="replace")))
                        c["sides differ"] += 1
                    else:
                        c["sides equal"] += 1
            for feature in seen:
                features[name][feature] += 1
        cat.p.stdin.close()
        cat.p.wait()
        per_repo[name] = c
        print("%s: %s" % (name, ", ".join("%s %d" % kv for kv in sorted(c.items()))), flush=True)
    print("\nPRs exercising each kind of change:")
    kinds = sorted({k for f in features.values() for k in f})
    for kind in kinds:
        print("  %-50s %s" % (kind, ", ".join("%s %d" % (n.split("/")[1], features[n][kind])
                                            for n in per_repo)))
    print("\ndifference classes:")
    for cls, n in classes.most_common():
        print("  %6d  %s   e.g. %s" % (n, cls, ", ".join(examples[cls][:4])))
    if not classes:
        print("  none")
    total = sum(c["assembled"] for c in per_repo.values())
    if timings:
        print("\ntimes (s): " + ", ".join("%s %.1f" % kv for kv in timings.items()
                                         if not kv[0].endswith("_kb")))
        a, g = timings["assemble"], timings["git CLI script (scaled)"]
        print("assemble -j %d: %d instances in %.1f s = %.1f instances/s, peak RSS %d MB; "
              "git CLI script: %.1f instances/s (every %d-th PR, scaled); speedup %.1fx" % (
                  args.jobs, total, a, total / a, timings["assemble_rss_kb"] // 1024,
                  total / g, args.baseline_every, g / a))
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump({"per_repo": per_repo, "classes": classes, "timings": timings,
                   "features": features,
                   "examples": {k: v[:20] for k, v in examples.items()}}, f, indent=1)
    return 1 if classes else 0


sys.exit(main())

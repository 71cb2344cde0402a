#!/usr/bin/env python3
"""SWE-bench instances rebuilt from real mirrors through the real pipeline
(issue 20): for every instance of INSTANCES (SWE-bench JSON Lines: repo,
instance_id, base_commit, patch, test_patch) whose repository has a mirror,
a GH Archive PullRequestEvent (closed, merged; base.sha = base_commit, head.sha
= refs/pull/N/head of the mirror) goes through `swerl events | swerl ingest`,
`clone` over file://, `assemble` and `export --all --ndjson --patch-format
swebench`, and the exported patch and test_patch must equal SWE-bench's byte
for byte. Not a ctest (the mirrors come from outside; nothing from them is
committed).

    swebench.py BUILD_DIR INSTANCES.jsonl[.zst] OWNER/NAME=MIRROR... [--out DIR]

Prints per repository: instances, equal, differing (with the first
differing line), not tried (no mirror); exit status 1 when any differs.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import time

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("build")
ap.add_argument("instances")
ap.add_argument("mirrors", nargs="+", help="OWNER/NAME=PATH of a bare mirror")
ap.add_argument("--out", default=None)
ap.add_argument("--daemon-port", type=int, default=0,
                help="clone through `git daemon` on 127.0.0.1:PORT instead of file:// (libgit2's "
                     "file:// transport packs every ref of a partial remote again for each group "
                     "of refs, which is slow on large ones)")
args = ap.parse_args()
SWERL = os.path.join(os.path.abspath(args.build), "swerl")
OUT = os.path.abspath(args.out or os.path.join(args.build, "bench", "realrepo-swebench"))


def load(path):
    if path.endswith(".zst"):
        raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    else:
        with open(path, "rb") as f:
            raw = f.read()
    return [json.loads(line) for line in raw.decode("utf-8").splitlines() if line.strip()]


def run(argv):
    r = subprocess.run(argv, capture_output=True)
    if r.returncode != 0:
        sys.exit("swebench.py: %s: exit %d\n%s" % (" ".join(argv[:2]), r.returncode,
                                                   r.stderr.decode(errors="replace")))
    return r


def first_difference(a, b):
    la, lb = a.splitlines(True), b.splitlines(True)
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return "line %d: %r vs %r" % (i + 1, x[:70], y[:70])
    return "lengths %d vs %d lines" % (len(la), len(lb))


def main():
    os.makedirs(OUT, exist_ok=True)
    mirrors = dict(spec.split("=", 1) for spec in args.mirrors)
    instances = load(args.instances)
    by_repo = collections.defaultdict(list)
    for inst in instances:
        by_repo[inst["repo"]].append(inst)
    src = os.path.join(OUT, "src")
    events = os.path.join(OUT, "events.json")
    store = os.path.join(OUT, "store.db")
    for f in (store, store + "-wal", store + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    tried, no_head = {}, collections.defaultdict(list)
    with open(events, "w") as ev:
        for k, (repo, insts) in enumerate(sorted(by_repo.items())):
            if repo not in mirrors:
                continue
            path = os.path.abspath(mirrors[repo])
            owner, name = repo.split("/")
            os.makedirs(os.path.join(src, owner), exist_ok=True)
            link = os.path.join(src, owner, name + ".git")
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(path, link)
            for inst in insts:
                n = int(inst["instance_id"].rsplit("-", 1)[1])
                r = subprocess.run(["git", "-C", path, "rev-parse", "-q", "--verify",
                                    "refs/pull/%d/head" % n], capture_output=True, text=True)
                head = r.stdout.strip()
                if not head:
                    no_head[repo].append(inst["instance_id"])
                tried[inst["instance_id"]] = inst
                side = lambda sha: {"ref": "x", "sha": sha, "repo": {"id": k + 1, "name": name,
                                                                    "full_name": repo}}
                ev.write(json.dumps({
                    "id": str(len(tried)), "type": "PullRequestEvent",
                    "actor": {"id": 1, "login": "someone"},
                    "repo": {"id": k + 1, "name": repo},
                    "payload": {"action": "closed", "number": n, "pull_request": {
                        "id": (k + 1) * 1000000 + n, "number": n, "title": inst["instance_id"],
                        "body": "", "state": "closed", "merged": True,
                        "merged_at": "2024-01-01T00:00:00Z", "merge_commit_sha": None,
                        "created_at": inst.get("created_at") or "2023-01-01T00:00:00Z",
                        "closed_at": "2024-01-01T00:00:00Z",
                        "user": {"login": "someone", "id": 1, "type": "User"},
                        "base": side(inst["base_commit"]), "head": side(head or None)}},
                    "public": True, "created_at": "2024-01-01T00:00:00Z"}) + "\n")
    run(["sh", "-c", '"$0" events -q "$1" | "$0" ingest -q --db "$2"', SWERL, events, store])
    repos = os.path.join(OUT, "mirrors")
    template = "file://%s/{owner}/{name}.git" % src
    daemon = None
    if args.daemon_port:
        daemon = subprocess.Popen(["git", "daemon", "--export-all", "--reuseaddr",
                                   "--listen=127.0.0.1", "--port=%d" % args.daemon_port,
                                   "--base-path=" + src, src])
        time.sleep(1)
        template = "git://127.0.0.1:%d/{owner}/{name}.git" % args.daemon_port
    try:
        r = run([SWERL, "clone", "--no-progress", "--db", store, "--repos", repos,
                 "--url-template", template])
    finally:
        if daemon:
            daemon.terminate()
            daemon.wait()
    sys.stdout.write(r.stderr.decode(errors="replace"))
    r = run([SWERL, "assemble", "--no-progress", "--db", store, "--repos", repos])
    sys.stdout.write(r.stderr.decode(errors="replace"))
    r = run([SWERL, "export", "-q", "--db", store, "--all", "--ndjson", "--patch-format",
             "swebench"])
    seeds = {s["instance_id"]: s for s in map(json.loads, r.stdout.decode().splitlines())}
    counts = collections.OrderedDict()
    failures = []
    for repo in sorted(by_repo):
        c = collections.Counter(instances=len(by_repo[repo]))
        for inst in by_repo[repo]:
            iid = inst["instance_id"]
            if iid not in tried:
                c["not tried (no mirror)"] += 1
                continue
            seed = seeds.get(iid)
            if seed is None:
                c["not exported"] += 1
                failures.append("%s: not exported" % iid)
                continue
            bad = [k for k in ("patch", "test_patch") if seed[k] != inst[k]]
            if not bad:
                c["equal"] += 1
                continue
            c["differ"] += 1
            for k in bad:
                failures.append("%s %s: %s" % (iid, k, first_difference(seed[k], inst[k])))
                with open(os.path.join(OUT, "%s.%s.swerl" % (iid, k)), "w") as f:
                    f.write(seed[k])
                with open(os.path.join(OUT, "%s.%s.want" % (iid, k)), "w") as f:
                    f.write(inst[k])
        counts[repo] = c
        print("%s: %s" % (repo, ", ".join("%s %d" % kv for kv in c.items())))
    for repo, ids in no_head.items():
        print("%s: no refs/pull/N/head in the mirror for %s" % (repo, ", ".join(ids)))
    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    print("total: %s" % ", ".join("%s %d" % kv for kv in sorted(total.items())))
    for line in failures:
        print("  " + line)
    return 1 if failures else 0


sys.exit(main())

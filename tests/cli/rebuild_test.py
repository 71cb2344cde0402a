#!/usr/bin/env python3
"""swerl export --manifest and swerl rebuild on the demo world (issue 22).

The demo's sample world (scripts/demo_world.py) and the bundled real hours
are served on 127.0.0.1 (fault_server.py for data.gharchive.org, git daemon
for github.com); the pipeline fetch, events | ingest, link, clone, assemble,
relevant, license, filter, export runs once with -j 1 under TZ=UTC and once
with -j 2 under another TZ, and the two shards must be the same bytes. Then
swerl rebuild reruns the first one's manifest from scratch twice, and again
after its mirrors and hours are deleted, each time byte-identical; an hour
served with other bytes, and a repository served without a recorded commit,
fail naming them.

Run by ctest as: python rebuild_test.py --swerl PATH.
"""

import argparse
import gzip
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "net"))
from fault_server import FaultServer  # noqa: E402
from github_server import GithubServer  # noqa: E402

SWERL = None
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def run(args, env=None, check_rc=True, **kw):
    p = subprocess.run([SWERL] + args, env=env, capture_output=True, text=True, **kw)
    if check_rc and p.returncode != 0:
        sys.stderr.write(p.stderr)
        raise SystemExit("swerl %s exited %d" % (" ".join(args[:1]), p.returncode))
    return p


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class GitDaemon:
    def __init__(self, base):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--base-path=" + base, "--export-all",
             "--listen=127.0.0.1", "--port=%d" % self.port],
            stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.template = "git://127.0.0.1:%d/{owner}/{name}.git" % self.port

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def pipeline(out, base_url, api_url, template, jobs, tz):
    """The demo's data half into `out`; returns the shard and manifest paths."""
    env = dict(os.environ, TZ=tz)
    db, repos, hours = out + "/swerl.db", out + "/repos", out + "/hours"
    j = ["-j", str(jobs)]
    run(["fetch", "--from", "2021-07-21T05", "--to", "2021-07-21T13", "--dir", hours,
         "--base-url", base_url, "-q"] + j, env)
    names = sorted(n for n in os.listdir(hours) if n.endswith(".json.gz"))
    with open(out + "/events.ndjson", "w") as f:
        subprocess.run([SWERL, "events", "-q"] + j + [hours + "/" + n for n in names],
                       stdout=f, check=True, env=env)
    run(["ingest", "--db", db, out + "/events.ndjson", "-q"], env)
    run(["link", "--db", db, "-q"], env)
    # The real hours' pull requests seen only in review events lack their
    # outcome: enrich asks the API (which has none of them: 404s).
    run(["enrich", "--db", db, "--api-url", api_url, "--retry-base-ms", "5", "-q"] + j, env)
    run(["clone", "--db", db, "--repos", repos, "--url-template", template,
         "--retry-base-ms", "100", "--no-progress", "-q"] + j, env, check_rc=False)
    run(["assemble", "--db", db, "--repos", repos, "--no-progress", "-q"] + j, env)
    run(["relevant", "--db", db, "--repos", repos, "-k", "3", "--no-progress", "-q"] + j, env)
    run(["license", "--db", db, "--repos", repos, "-q"], env)
    run(["filter", "--db", db, "--preset", "seeds", "--created-after", "2020-01-01",
         "--explain", out + "/dropped.ndjson", "-q"], env)
    run(["export", "--db", db, "--out", out + "/shard.db", "--manifest",
         out + "/manifest.json", "--hours", hours, "-q"], env)
    return out + "/shard.db", out + "/manifest.json"


def main():
    global SWERL
    ap = argparse.ArgumentParser()
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    SWERL = os.path.abspath(ap.parse_args().swerl)
    keep = ap.parse_args().keep
    tmp = tempfile.mkdtemp(prefix="swerl-rebuild-")
    python = sys.executable
    subprocess.run([python, ROOT + "/scripts/demo_world.py", tmp + "/world"], check=True,
                   stdout=subprocess.DEVNULL)
    served = tmp + "/served"
    os.makedirs(served)
    for d in (ROOT + "/data/gharchive", tmp + "/world/hours"):
        for n in os.listdir(d):
            if n.endswith(".json.gz"):
                shutil.copy(os.path.join(d, n), served)
    server = FaultServer(served)
    server.start()
    os.makedirs(tmp + "/api")
    api = GithubServer(tmp + "/api").start()
    api_url = "http://127.0.0.1:%d" % api.port
    api2 = GithubServer(tmp + "/api").start()  # another port for the rebuilds
    api2_url = "http://127.0.0.1:%d" % api2.port
    daemon = GitDaemon(tmp + "/world/git")
    try:
        base = "http://127.0.0.1:%d" % server.port
        t0 = time.time()
        a_shard, a_manifest = pipeline(tmp + "/a", base, api_url, daemon.template, 1, "UTC")
        print("pipeline: %.1f s" % (time.time() - t0), flush=True)
        b_shard, b_manifest = pipeline(tmp + "/b", base, api_url, daemon.template, 2, "Asia/Tokyo")
        check(sha(a_shard) == sha(b_shard), "shards of -j 1 (TZ=UTC) and -j 2 (TZ=Asia/Tokyo) "
              "are byte-identical")
        with open(a_manifest) as f:
            mf = json.load(f)
        m = mf["manifest"]
        check(mf["shard"]["sha256"] == sha(a_shard), "the manifest file holds the shard's sha256")
        check(len(m["seeds"]) > 0 and len(m["hours"]) == 9 and len(m["stages"]) == 7 and m["api"],
              "the manifest records %d seeds, %d hours, %d stages, %d repositories, %d REST items" %
              (len(m["seeds"]), len(m["hours"]), len(m["stages"]), len(m["repos"]), len(m["api"])))
        meta = subprocess.run(["sqlite3", a_shard, "SELECT value FROM meta WHERE key='manifest'"],
                              capture_output=True, text=True).stdout.rstrip("\n")
        check(json.loads(meta) == m, "the shard's meta holds the same manifest")
        created = subprocess.run(["sqlite3", a_shard,
                                  "SELECT value FROM meta WHERE key='created_at'"],
                                 capture_output=True, text=True).stdout.strip()
        check(created == "2021-07-21T13:00:00Z", "created_at is the end of the newest hour: " +
              created)

        for k, work in enumerate([tmp + "/r1", tmp + "/r2"]):
            t0 = time.time()
            p = run(["rebuild", a_manifest, "--workdir", work, "--api-url", api2_url],
                    check_rc=False)
            check(p.returncode == 0 and sha(work + "/shard.db") == sha(a_shard),
                  "rebuild %d from scratch is byte-identical (%.1f s)" % (k + 1, time.time() - t0))
            if p.returncode:
                sys.stderr.write(p.stderr)
        shutil.rmtree(tmp + "/r1/repos")
        shutil.rmtree(tmp + "/r1/hours")
        p = run(["rebuild", a_manifest, "--workdir", tmp + "/r1"], check_rc=False)  # recorded URLs
        check(p.returncode == 0 and sha(tmp + "/r1/shard.db") == sha(a_shard),
              "rebuild after deleting the mirrors and hours refetches them: byte-identical")
        p = run(["rebuild", a_shard, "--workdir", tmp + "/r3"], check_rc=False)
        check(p.returncode == 0, "rebuild from the shard itself (its meta manifest)")
        # The rebuilt shard would replace the one given: refused, the file kept.
        before = sha(tmp + "/r3/shard.db")
        p = run(["rebuild", tmp + "/r3/shard.db", "--workdir", tmp + "/r3"], check_rc=False)
        check(p.returncode == 2 and "same file" in p.stderr and sha(tmp + "/r3/shard.db") == before,
              "rebuild of a shard inside its own work directory is refused, the shard kept")

        # A REST item that answers otherwise now.
        item = m["api"][0]["url"]
        api3 = GithubServer(tmp + "/api", rules={item[len(api_url):]: [{"status": 410}]}).start()
        try:
            p = run(["rebuild", a_manifest, "--workdir", tmp + "/r6", "--api-url",
                     "http://127.0.0.1:%d" % api3.port], check_rc=False)
        finally:
            api3.stop()
        check(p.returncode == 2 and item in p.stderr,
              "a REST item that changed fails naming it: " +
              (p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "(no stderr)"))

        # A tampered hour: same name, other bytes.
        tampered = tmp + "/served-tampered"
        shutil.copytree(served, tampered)
        victim = "2021-07-21-11.json.gz"
        with gzip.open(os.path.join(tampered, victim), "rb") as f:
            data = f.read()
        with open(os.path.join(tampered, victim), "wb") as f:
            f.write(gzip.compress(data + data.splitlines(keepends=True)[0], mtime=0))
        server2 = FaultServer(tampered)
        server2.start()
        try:
            p = run(["rebuild", a_manifest, "--workdir", tmp + "/r4", "--gharchive-url",
                     "http://127.0.0.1:%d" % server2.port], check_rc=False)
        finally:
            server2.stop()
        check(p.returncode == 2 and victim in p.stderr and "sha256" in p.stderr,
              "a tampered hour fails naming it: " + p.stderr.strip().splitlines()[-1]
              if p.stderr.strip() else "(no stderr)")

        # A repository served without a commit the manifest records.
        repo = next(r for r in m["repos"] if r["commits"] and r["status"] == "cloned")
        owner, name = repo["name"].split("/")
        git2 = tmp + "/git2"
        shutil.copytree(tmp + "/world/git", git2, symlinks=True)
        bare = os.path.join(git2, owner, name + ".git")
        gone = None
        for c in repo["commits"]:
            refs = subprocess.run(["git", "-C", bare, "for-each-ref", "--contains", c,
                                   "--format=%(refname)"], capture_output=True,
                                  text=True).stdout.split()
            if refs and not any(r.startswith("refs/heads/") for r in refs):
                gone = c
                for r in refs:
                    subprocess.run(["git", "-C", bare, "update-ref", "-d", r], check=True)
                break
        check(gone is not None, "found a commit of %s only pull refs reach" % repo["name"])
        if gone:
            subprocess.run(["git", "-C", bare, "reflog", "expire", "--expire=now", "--all"],
                           check=True)
            subprocess.run(["git", "-C", bare, "gc", "-q", "--prune=now"], check=True)
            daemon2 = GitDaemon(git2)
            try:
                p = run(["rebuild", a_manifest, "--workdir", tmp + "/r5", "--git-url-template",
                         daemon2.template], check_rc=False)
            finally:
                daemon2.stop()
            check(p.returncode == 2 and gone in p.stderr,
                  "a missing commit fails naming it: " +
                  (p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "(no stderr)"))
    finally:
        server.stop()
        api.stop()
        api2.stop()
        daemon.stop()
        if keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d failed" % len(FAILURES))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The demo's sample world as a filtered store, for the export tests.

make_store(swerl, workdir) generates scripts/demo_world.py's world (twelve
repositories with real git histories and the GH Archive hours that tell of
them) and runs the data pipeline over it offline, as scripts/demo.sh does
but cloning over file:// instead of a git daemon: events | ingest, link,
clone, assemble, relevant -k 3, license, filter --preset seeds
--created-after 2020-01-01. Returns the store's path; `swerl export --db
STORE --out shard.db` then gives the demo's shard (14 seeds), and `--all`
every assembled instance (bots, docs-only and contaminated ones included).

As a script it is the ctest fixture the export tests share (they only read
the store):

    demo_store.py --swerl BIN --out DIR      # DIR/swerl.db, made afresh
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(argv, **kwargs):
    """Runs argv; fails the test with its stderr when it exits non-zero."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    if p.returncode != 0:
        sys.exit("%s: exit %d\n%s" % (" ".join(argv), p.returncode,
                                      p.stderr.decode("utf-8", "replace")))
    return p


def make_store(swerl, workdir):
    workdir = os.path.abspath(workdir)
    world = os.path.join(workdir, "world")
    db = os.path.join(workdir, "swerl.db")
    repos = os.path.join(workdir, "repos")
    run([sys.executable, os.path.join(ROOT, "scripts", "demo_world.py"), world])
    hours = sorted(glob.glob(os.path.join(world, "hours", "*.json.gz")))
    events = run([swerl, "events", "-q"] + hours).stdout
    run([swerl, "ingest", "-q", "--db", db], input=events)
    run([swerl, "link", "-q", "--db", db])
    # Repositories the world lacks (ghost/vanished) are recorded as not
    # found: exit 0.
    run([swerl, "clone", "-q", "--no-progress", "--db", db, "--repos", repos,
         "--url-template", "file://" + os.path.join(world, "git") + "/{owner}/{name}.git"])
    run([swerl, "assemble", "-q", "--no-progress", "--db", db, "--repos", repos])
    run([swerl, "relevant", "-q", "--no-progress", "--db", db, "--repos", repos, "-k", "3"])
    run([swerl, "license", "-q", "--db", db, "--repos", repos])
    run([swerl, "filter", "-q", "--db", db, "--preset", "seeds", "--created-after",
         "2020-01-01"])
    return db


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    print(make_store(args.swerl, args.out))


if __name__ == "__main__":
    main()

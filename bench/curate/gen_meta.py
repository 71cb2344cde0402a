#!/usr/bin/env python3
"""The pull request and issue metadata of the curate benchmark's store
(bench/curate/README.md): what GH Archive events would have left in
`pull_requests` and `issues` for the PRs of gen_repo.py's repository, made so
that the `seeds` filter rules (bots, closing issue, bug-fix signal) and the
BM25 query of `swerl relevant` have realistic material. Deterministic: every
PR draws from its own random.Random(seed, number).

    gen_meta.py prs STORE PRS_TSV [--seed 1]   before clone/assemble
    gen_meta.py issues STORE [--seed 1]        after assemble, before link

`prs` inserts the repository (repo_id 1, acme/bench) and one merged
pull_requests row per line of PRS_TSV (number, base_sha, head_sha,
merge_commit_sha) with a title, body, author, author type and dates:
  - 6% bots: dependabot[bot] / renovate[bot] (author_type Bot), "Bump X
    from 1.2.3 to 1.2.4";
  - the others humans; of them 65% say "Fixes #M" in the body (M = 100000 +
    the PR number: the closing issue), 8% only mention an issue ("See #M"),
    the rest reference nothing; titles are bug-fix-like ("Fix ...",
    "Handle errors in ...") half the time, feature-like otherwise.
`issues` inserts issue M for each PR that references one (5% of the closing
ones are left out: a closing issue the store has no text for). 70% are bug
reports (a traceback naming identifiers from the PR's stored code patch),
30% feature requests without bug-fix words. Identifiers from the change
make the issue a useful BM25 query, as real issues are.

Prints one line: counts of what it wrote.
"""
import argparse
import random
import re
import sqlite3
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("what", choices=("prs", "issues"))
ap.add_argument("store")
ap.add_argument("prs_tsv", nargs="?")
ap.add_argument("--seed", type=int, default=1)
args = ap.parse_args()

NOUNS = ["buffer", "parser", "cache", "token", "config", "handler", "request", "index", "node",
         "stream", "queue", "record", "schema", "client", "session", "event", "path", "entry"]
PACKAGES = ["lodash", "requests", "urllib3", "pyyaml", "jinja2", "webpack", "eslint", "numpy",
            "pytest", "babel-core", "minimist", "axios"]
HUMANS = ["ada", "bo-chen", "dara", "emil", "femi", "gus", "hana", "ines", "jon", "kai", "lea",
          "mia", "noor", "oli", "priya", "quin", "ravi", "sol", "tove"]
EXCEPTIONS = ["TypeError", "ValueError", "KeyError", "AttributeError", "IndexError"]


def plan(number):
    """What PR `number` is: (kind, ref, rng) with kind 'bot', 'bugfix' or
    'feature' (the title) and ref 'closing', 'mention' or ''."""
    rng = random.Random("%d-%d" % (args.seed, number))
    if rng.random() < 0.06:
        return "bot", "", rng
    kind = "bugfix" if rng.random() < 0.5 else "feature"
    r = rng.random()
    ref = "closing" if r < 0.65 else "mention" if r < 0.73 else ""
    return kind, ref, rng


def ident(rng):
    return "%s_%s" % (rng.choice(["parse", "load", "store", "read", "write", "merge", "split",
                                  "resolve", "build", "emit", "update", "fetch"]),
                      rng.choice(NOUNS))


db = sqlite3.connect(args.store)
if args.what == "prs":
    db.execute("INSERT INTO repos(repo_id, name) VALUES (1, 'acme/bench')")
    rows = []
    counts = {"bot": 0, "bugfix": 0, "feature": 0, "closing": 0, "mention": 0}
    with open(args.prs_tsv) as f:
        for line in f:
            n, base, head, merge = line.rstrip("\n").split("\t")
            number = int(n)
            kind, ref, rng = plan(number)
            counts[kind] += 1
            if ref:
                counts[ref] += 1
            day = 1 + number % 28
            created = "2021-07-%02dT%02d:%02d:00Z" % (day, rng.randrange(24), rng.randrange(60))
            merged_at = "2021-08-%02dT%02d:%02d:00Z" % (day, rng.randrange(24), rng.randrange(60))
            if kind == "bot":
                pkg = rng.choice(PACKAGES)
                a, b = rng.randrange(1, 9), rng.randrange(20)
                title = "Bump %s from %d.%d.0 to %d.%d.1" % (pkg, a, b, a, b)
                body = ("Bumps [%s](https://github.com/%s/%s) from %d.%d.0 to %d.%d.1.\n\n"
                        "Dependabot will resolve any conflicts with this PR as long as you "
                        "don't alter it yourself." % (pkg, pkg, pkg, a, b, a, b))
                author = rng.choice(["dependabot[bot]", "renovate[bot]"])
                author_type = "Bot"
            else:
                noun = rng.choice(NOUNS)
                title = rng.choice(
                    ["Fix %s handling in %s" % (noun, ident(rng)),
                     "Handle errors in %s" % ident(rng),
                     "%s: avoid crash on empty %s" % (ident(rng), noun)]
                    if kind == "bugfix" else
                    ["Add %s option to %s" % (noun, ident(rng)),
                     "Refactor %s loading" % noun,
                     "Speed up %s" % ident(rng)])
                body = "This changes how %s deals with the %s.\n" % (ident(rng), noun)
                if ref == "closing":
                    body = "Fixes #%d\n\n" % (100000 + number) + body
                elif ref == "mention":
                    body += "\nSee #%d for the discussion.\n" % (100000 + number)
                author = rng.choice(HUMANS)
                author_type = "User"
            rows.append((1, number, 1, "closed", base, head, merge, title, body, author,
                         author_type, created, merged_at, merged_at))
    db.executemany("INSERT INTO pull_requests(repo_id, number, merged, state, base_sha, "
                   "head_sha, merge_commit_sha, title, body, user, user_type, created_at, "
                   "merged_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   rows)
    db.commit()
    print("gen_meta: %d pull requests: %s" % (len(rows), counts))
    sys.exit(0)

# issues
IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]{4,}")
rows = []
counts = {"bug": 0, "feature": 0, "left_out": 0}
for number, patch, path in db.execute(
        "SELECT i.number, coalesce(i.code_patch, ''), "
        "(SELECT new_path FROM instance_files f WHERE f.repo_id = i.repo_id "
        "AND f.number = i.number AND f.is_test = 0 ORDER BY seq LIMIT 1) "
        "FROM instances i WHERE i.status = 'assembled' ORDER BY i.number"):
    kind, ref, rng = plan(number)
    if not ref:
        continue
    issue_rng = random.Random("%d-%d-issue" % (args.seed, number))
    if ref == "closing" and issue_rng.random() < 0.05:
        counts["left_out"] += 1
        continue
    words = sorted({w.decode() for line in patch.split(b"\n")
                    if line[:1] in (b"+", b"-") and not line.startswith((b"+++", b"---"))
                    for w in IDENT.findall(line)})
    picked = issue_rng.sample(words, min(3, len(words))) if words else []
    picked += [ident(issue_rng) for _ in range(3 - len(picked))]
    where = (path or b"src/acme/core/module.py").decode("utf-8", "replace")
    noun = issue_rng.choice(NOUNS)
    if issue_rng.random() < 0.7:
        exc = issue_rng.choice(EXCEPTIONS)
        title = "%s in %s when the %s is empty" % (exc, picked[0], noun)
        body = ("Calling `%s` with an empty %s raises:\n\n```\nTraceback (most recent call last):\n"
                "  File \"%s\", line %d, in %s\n    %s = %s(%s)\n%s: unexpected %s\n```\n\n"
                "Expected `%s` to return the %s unchanged.\n"
                % (picked[0], noun, where, issue_rng.randrange(10, 900), picked[1], picked[2],
                   picked[0], noun, exc, picked[2], picked[1], noun))
        counts["bug"] += 1
    else:
        title = "Support a %s argument in %s" % (noun, picked[0])
        body = ("It would be nice if `%s` accepted a %s, like `%s` and `%s` do. "
                "Today callers have to wrap it themselves.\n" % (picked[0], noun, picked[1],
                                                                 picked[2]))
        counts["feature"] += 1
    rows.append((1, 100000 + number, title, body, "open" if ref == "mention" else "closed",
                 issue_rng.choice(HUMANS), "User", "2021-06-30T12:00:00Z", 0))
db.executemany("INSERT INTO issues(repo_id, number, title, body, state, user, user_type, "
               "created_at, is_pull_request) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()
print("gen_meta: %d issues: %s" % (len(rows), counts))

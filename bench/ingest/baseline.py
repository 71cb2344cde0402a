#!/usr/bin/env python3
"""The baseline for `swerl ingest`: what a user writes today with the
standard library: json.loads per record and one sqlite3 upsert per entity
(latest created_at wins, no per-field versions, no trimmed-era rules), in
one transaction per 50,000 records, WAL mode. It does less than swerl.

    baseline.py DB < records.ndjson
"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.executescript("""
CREATE TABLE IF NOT EXISTS seen(id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS prs(repo_id INT, number INT, title TEXT, body TEXT, state TEXT,
  merged INT, base_sha TEXT, head_sha TEXT, user TEXT, at TEXT, PRIMARY KEY(repo_id, number));
CREATE TABLE IF NOT EXISTS issues(repo_id INT, number INT, title TEXT, body TEXT, state TEXT,
  user TEXT, at TEXT, PRIMARY KEY(repo_id, number));
CREATE TABLE IF NOT EXISTS comments(id INTEGER PRIMARY KEY, repo_id INT, number INT, body TEXT,
  user TEXT, at TEXT);
""")
n = 0
for line in sys.stdin:
    r = json.loads(line)
    if db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (int(r["id"]),)).rowcount == 0:
        continue
    at = r.get("created_at") or ""
    pr = r.get("pull_request")
    if pr:
        db.execute("""INSERT INTO prs VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET
          title=excluded.title, body=excluded.body, state=excluded.state, merged=excluded.merged,
          base_sha=excluded.base_sha, head_sha=excluded.head_sha, user=excluded.user, at=excluded.at
          WHERE excluded.at > prs.at""",
                   (r["repo_id"], r["number"], pr.get("title"), pr.get("body"), pr.get("state"),
                    pr.get("merged"), pr.get("base_sha"), pr.get("head_sha"), pr.get("user"), at))
    issue = r.get("issue")
    if issue:
        db.execute("""INSERT INTO issues VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET
          title=excluded.title, body=excluded.body, state=excluded.state, user=excluded.user,
          at=excluded.at WHERE excluded.at > issues.at""",
                   (r["repo_id"], r["number"], issue.get("title"), issue.get("body"),
                    issue.get("state"), issue.get("user"), at))
    c = r.get("comment")
    if c and c.get("id") is not None:
        db.execute("""INSERT INTO comments VALUES (?,?,?,?,?,?) ON CONFLICT DO UPDATE SET
          body=excluded.body, at=excluded.at WHERE excluded.at > comments.at""",
                   (c["id"], r["repo_id"], r["number"], c.get("body"), c.get("user"), at))
    n += 1
    if n % 50000 == 0:
        db.commit()
db.commit()

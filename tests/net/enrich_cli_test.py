#!/usr/bin/env python3
"""End-to-end tests of `swerl enrich` against github_server.py on 127.0.0.1.

Run by ctest (swerl_add_py_test) as: python enrich_cli_test.py --swerl PATH.
Each test builds a store with `swerl ingest` from trimmed-era records made
here, serves GitHub-shaped JSON for them, and checks the store with sqlite3.
Retry delays and timeouts are tiny so the suite stays well under a minute.
"""

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from github_server import GithubServer  # noqa: E402

SWERL = None
TOKEN = "ghp_TESTtoken0123456789abcdefSECRET"
FAST = ["--retry-base-ms", "20", "--timeout", "1", "--connect-timeout", "2", "--seed", "3",
        "--token-env", "SWERL_TEST_GH_TOKEN"]

PR_KEYS = ["id", "number", "title", "body", "state", "draft", "merged", "merged_at",
           "merge_commit_sha", "created_at", "updated_at", "closed_at", "user", "user_id",
           "user_type", "author_association", "base_ref", "base_sha", "base_repo",
           "base_repo_id", "head_ref", "head_sha", "head_repo", "head_repo_id", "additions",
           "deletions", "changed_files", "commits", "labels", "merged_by"]
ISSUE_KEYS = ["id", "number", "title", "body", "state", "user", "user_id", "user_type",
              "author_association", "labels", "created_at", "updated_at", "closed_at",
              "is_pull_request"]


def trimmed_pr_event(eid, repo, repo_id, number, action, when):
    """A trimmed-era PullRequestEvent record as `swerl events` writes it."""
    pr = {k: None for k in PR_KEYS}
    pr.update(id=90000 + number, number=number, base_ref="main", base_sha="a" * 40,
              base_repo=repo, base_repo_id=repo_id, head_ref="fix-%d" % number,
              head_sha="%040x" % number, head_repo=repo, head_repo_id=repo_id)
    return {"id": str(eid), "type": "PullRequestEvent", "created_at": when, "repo": repo,
            "repo_id": repo_id, "actor": "alice", "actor_id": 2, "action": action,
            "number": number, "era": "trimmed", "pull_request": pr}


def full_pr_event(eid, repo, repo_id, number, when):
    rec = trimmed_pr_event(eid, repo, repo_id, number, "opened", when)
    rec["era"] = "full"
    rec["pull_request"].update(title="already known", body="b", state="open", merged=False,
                               user="alice", user_id=2, user_type="User", labels=[])
    return rec


def bare_issue_event(eid, repo, repo_id, number, when):
    """An issue record whose issue object carries nothing (no main/body)."""
    issue = {k: None for k in ISSUE_KEYS}
    issue["number"] = number
    return {"id": str(eid), "type": "IssuesEvent", "created_at": when, "repo": repo,
            "repo_id": repo_id, "actor": "carol", "actor_id": 3, "action": "opened",
            "number": number, "era": "trimmed", "issue": issue}


def user(login, uid, kind="User"):
    return {"login": login, "id": uid, "node_id": "U_%d" % uid, "type": kind, "site_admin": False}


def api_pull(owner_repo, repo_id, n, merged):
    base = "https://api.github.com/repos/" + owner_repo
    return {
        "url": "%s/pulls/%d" % (base, n), "id": 90000 + n, "number": n,
        "state": "closed" if merged else "open", "locked": False,
        "title": "API title %d" % n, "user": user("alice", 2),
        "body": "API body of #%d \u00e9" % n,
        "created_at": "2025-11-01T00:00:00Z", "updated_at": "2025-11-02T00:00:00Z",
        "closed_at": "2025-11-02T00:00:00Z" if merged else None,
        "merged_at": "2025-11-02T00:00:00Z" if merged else None,
        "merge_commit_sha": "%040x" % (n + 1000), "labels": [{"id": 1, "name": "bug"}],
        "draft": False,
        "head": {"label": "alice:fix", "ref": "fix-%d" % n, "sha": "%040x" % n,
                 "repo": {"id": repo_id, "name": owner_repo.split("/")[1],
                          "full_name": owner_repo}},
        "base": {"label": "o:main", "ref": "main", "sha": "a" * 40,
                 "repo": {"id": repo_id, "name": owner_repo.split("/")[1],
                          "full_name": owner_repo}},
        "author_association": "CONTRIBUTOR", "merged": merged,
        "merged_by": user("bob", 4) if merged else None,
        "comments": 0, "review_comments": 0, "commits": 2, "additions": 10 + n,
        "deletions": 1, "changed_files": 1,
    }


def api_comment(owner_repo, n, cid, body):
    return {"url": "https://api.github.com/repos/%s/issues/comments/%d" % (owner_repo, cid),
            "issue_url": "https://api.github.com/repos/%s/issues/%d" % (owner_repo, n),
            "id": cid, "user": user("carol", 3), "created_at": "2025-11-01T01:00:00Z",
            "updated_at": "2025-11-01T01:00:00Z", "author_association": "NONE", "body": body}


def api_review(owner_repo, n, rid, state):
    return {"id": rid, "user": user("bob", 4), "body": "review %d" % rid, "state": state,
            "pull_request_url": "https://api.github.com/repos/%s/pulls/%d" % (owner_repo, n),
            "author_association": "MEMBER", "submitted_at": "2025-11-01T02:00:00Z",
            "commit_id": "%040x" % n}


def api_review_comment(owner_repo, n, cid):
    return {"id": cid, "pull_request_review_id": 7000 + n, "path": "src/a.c",
            "diff_hunk": "@@ -1,2 +1,3 @@\n a\n+b", "commit_id": "%040x" % n,
            "original_commit_id": "%040x" % n, "user": user("bob", 4), "body": "nit %d" % cid,
            "created_at": "2025-11-01T03:00:00Z", "updated_at": "2025-11-01T03:00:00Z",
            "pull_request_url": "https://api.github.com/repos/%s/pulls/%d" % (owner_repo, n),
            "author_association": "MEMBER", "line": 3, "original_line": 3, "side": "RIGHT",
            "start_line": None, "in_reply_to_id": None}


class EnrichTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="swerl-enrich-test-")
        self.root = os.path.join(self.tmp.name, "api")
        self.db = os.path.join(self.tmp.name, "swerl.db")
        # Lists of more than 2 elements span pages (GitHub caps per_page at 100).
        self.server = GithubServer(self.root, max_per_page=2).start()

    def tearDown(self):
        self.server.stop()
        self.tmp.cleanup()

    # helpers -------------------------------------------------------------

    def put(self, path, data):
        file = os.path.join(self.root, path.lstrip("/") + ".json")
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with open(file, "w") as f:
            json.dump(data, f)

    def serve_pr(self, repo, repo_id, n, merged=True, comments=1, reviews=1, review_comments=1):
        base = "/repos/%s" % repo
        self.put("%s/pulls/%d" % (base, n), api_pull(repo, repo_id, n, merged))
        self.put("%s/issues/%d/comments" % (base, n),
                 [api_comment(repo, n, n * 100 + k, "comment %d.%d" % (n, k))
                  for k in range(comments)])
        self.put("%s/pulls/%d/reviews" % (base, n),
                 [api_review(repo, n, n * 100 + k, "APPROVED") for k in range(reviews)])
        self.put("%s/pulls/%d/comments" % (base, n),
                 [api_review_comment(repo, n, n * 1000 + k) for k in range(review_comments)])

    def ingest(self, records):
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        r = subprocess.run([SWERL, "ingest", "--db", self.db, "-"], input=data,
                           capture_output=True, text=True, timeout=30)
        self.assert_exit(r, 0)

    def enrich(self, *extra, token=TOKEN, timeout=50):
        env = dict(os.environ)
        env.pop("SWERL_TEST_GH_TOKEN", None)
        if token:
            env["SWERL_TEST_GH_TOKEN"] = token
        args = [SWERL, "enrich", "--db", self.db, "--api-url", self.server.url] + FAST + \
            list(extra)
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)

    def query(self, sql, *params):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def assert_exit(self, r, code):
        self.assertEqual(r.returncode, code, "stdout:\n%s\nstderr:\n%s" % (r.stdout, r.stderr))

    def fetch_row(self, path):
        rows = self.query("SELECT etag, status, error FROM api_fetches WHERE url = ?",
                          self.server.url + path)
        self.assertEqual(len(rows), 1, path)
        return rows[0]

    # tests ---------------------------------------------------------------

    def test_enrich_with_faults_then_nothing_new(self):
        when = "2025-11-01T00:00:00Z"
        self.ingest([
            trimmed_pr_event(1, "o/r", 1, 5, "opened", when),
            trimmed_pr_event(2, "o/r", 1, 6, "merged", when),
            trimmed_pr_event(3, "o/r", 1, 7, "opened", when),
            trimmed_pr_event(4, "o/r", 1, 8, "closed", when),
            trimmed_pr_event(5, "o/r", 1, 9, "opened", when),
            bare_issue_event(6, "o/r", 1, 10, when),
            full_pr_event(7, "o/r", 1, 11, when),        # has text: not an item
            trimmed_pr_event(8, "gone/x", 2, 1, "opened", when),  # repo deleted: 404
        ])
        self.serve_pr("o/r", 1, 5, merged=False, comments=3, reviews=2, review_comments=3)
        self.serve_pr("o/r", 1, 6)
        self.serve_pr("o/r", 1, 7)
        self.serve_pr("o/r", 1, 8)
        self.serve_pr("o/r", 1, 9)
        self.put("/repos/o/r/issues/10", {
            "url": "https://api.github.com/repos/o/r/issues/10",
            "repository_url": "https://api.github.com/repos/o/r", "id": 4410, "number": 10,
            "title": "Crash on empty input", "user": user("carol", 3), "labels": [],
            "state": "open", "comments": 1, "created_at": "2025-10-30T00:00:00Z",
            "updated_at": "2025-11-01T00:00:00Z", "closed_at": None,
            "author_association": "NONE", "body": "It crashes."})
        self.put("/repos/o/r/issues/10/comments", [api_comment("o/r", 10, 1001, "me too")])
        self.server.set_rules({
            "/repos/o/r/pulls/6": [{"status": 500, "times": 1}],
            "/repos/o/r/pulls/6/reviews": [{"drop": True, "times": 1}],
            "/repos/o/r/pulls/7": [{"sleep_before": 2.5, "times": 1}],
            "/repos/o/r/pulls/8": [{"rate_limit": 2, "times": 1}],
            "/repos/o/r/pulls/9/reviews": [{"status": 429, "retry_after": 1, "times": 1}],
            "/repos/o/r/issues/9/comments": [{"status": 403, "retry_after": 1, "times": 1}],
        })

        # A first run stopped after two items (as if killed), then the rest.
        r = self.enrich("--limit", "2", "-j", "3")
        self.assert_exit(r, 0)
        first = self.server.requests()
        self.assertEqual({q["path"] for q in first if "/pulls/" in q["path"]} -
                         {"/repos/gone/x/pulls/1"},
                         {"/repos/o/r/pulls/5", "/repos/o/r/pulls/5/comments",
                          "/repos/o/r/pulls/5/reviews", "/repos/o/r/pulls/6",
                          "/repos/o/r/pulls/6/comments", "/repos/o/r/pulls/6/reviews"})
        r = self.enrich("-j", "3")
        self.assert_exit(r, 0)
        reqs = self.server.requests()
        second = reqs[len(first):]
        self.assertFalse([q for q in second if q["path"].startswith("/repos/o/r/pulls/5")
                          or q["path"].startswith("/repos/o/r/pulls/6")], second)
        self.assertIn("processed", r.stderr)

        # Text and state arrived.
        rows = self.query("SELECT number, title, body, state, merged, author FROM prs "
                          "WHERE repo_id = 1 ORDER BY number")
        by_n = {row[0]: row for row in rows}
        for n in (5, 6, 7, 8, 9):
            self.assertEqual(by_n[n][1], "API title %d" % n)
            self.assertEqual(by_n[n][2], "API body of #%d \u00e9" % n)
            self.assertEqual(by_n[n][5], "alice")
        self.assertEqual(by_n[5][3:5], ("open", 0))
        self.assertEqual(by_n[6][3:5], ("closed", 1))
        self.assertEqual(by_n[11][1], "already known")
        self.assertEqual(self.query("SELECT title, body, state FROM issues WHERE number = 10"),
                         [("Crash on empty input", "It crashes.", "open")])
        # Pagination: 3 comments and 3 review comments over 2 pages each.
        self.assertEqual(self.query("SELECT count(*) FROM issue_comments WHERE number = 5"),
                         [(3,)])
        self.assertEqual(self.query("SELECT count(*) FROM review_comments WHERE number = 5"),
                         [(3,)])
        self.assertEqual(self.query("SELECT count(*), min(state) FROM reviews WHERE number = 5"),
                         [(2, "approved")])
        self.assertEqual(self.query("SELECT body FROM issue_comments WHERE number = 10"),
                         [("me too",)])
        self.assertTrue(any("page=2" in q["query"] for q in first
                            if q["path"] == "/repos/o/r/issues/5/comments"))

        # The deleted repository's item is recorded as gone, asked once.
        self.assertEqual(self.fetch_row("/repos/gone/x/pulls/1")[1:], (404, None))
        self.assertEqual(len(self.server.requests("/repos/gone/x/pulls/1")), 1)
        self.assertFalse(self.server.requests("/repos/o/r/pulls/11"))

        # Retries: 500, dropped connection, a response slower than --timeout.
        self.assertEqual([q["status"] for q in self.server.requests("/repos/o/r/pulls/6")],
                         [500, 200])
        self.assertEqual([q["status"] for q in self.server.requests("/repos/o/r/pulls/6/reviews")],
                         ["dropped", 200])
        self.assertEqual(len(self.server.requests("/repos/o/r/pulls/7")), 2)

        # Rate limits: the 403 with x-ratelimit-remaining 0 paused until the
        # reset (2 s ahead); Retry-After: 1 paused a second.
        def gap(path):
            ts = [q["t"] for q in self.server.requests(path)]
            self.assertEqual(len(ts), 2, path)
            return ts[1] - ts[0]
        self.assertGreaterEqual(gap("/repos/o/r/pulls/8"), 1.5)
        self.assertGreaterEqual(gap("/repos/o/r/pulls/9/reviews"), 0.9)
        self.assertGreaterEqual(gap("/repos/o/r/issues/9/comments"), 0.9)
        self.assertEqual([q["status"] for q in self.server.requests("/repos/o/r/pulls/8")],
                         [403, 200])

        # Headers: token as a Bearer header on every request, GitHub's media
        # type and API version, our User-Agent.
        want = hashlib.sha256(("Bearer " + TOKEN).encode()).hexdigest()
        for q in self.server.requests():
            self.assertEqual(q["auth_sha256"], want, q)
            self.assertEqual(q["accept"], "application/vnd.github+json")
            self.assertEqual(q["api_version"], "2022-11-28")
            self.assertTrue(q["user_agent"].startswith("swerl/"), q)

        # A third run finds nothing to do and asks nothing.
        n_before = len(self.server.requests())
        r = self.enrich()
        self.assert_exit(r, 0)
        self.assertEqual(len(self.server.requests()), n_before)

        # --refresh asks again with If-None-Match: all 304, data kept.
        self.server.set_rules({})
        r = self.enrich("--refresh", "-v")
        self.assert_exit(r, 0)
        refresh = self.server.requests()[n_before:]
        self.assertTrue(refresh)
        self.assertTrue(all(q["status"] == 304 and q["if_none_match"] for q in refresh
                            if q["path"] != "/repos/gone/x/pulls/1"), refresh)
        self.assertEqual(self.fetch_row("/repos/o/r/pulls/5")[1:], (304, None))
        self.assertEqual(self.query("SELECT title FROM prs WHERE number = 5 AND repo_id = 1"),
                         [("API title 5",)])

        # The token is never printed, logged or stored.
        for stream in (r.stdout, r.stderr):
            self.assertNotIn(TOKEN, stream)
        for name in os.listdir(self.tmp.name):
            path = os.path.join(self.tmp.name, name)
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    self.assertNotIn(TOKEN.encode(), f.read(), name)

    def test_failures_exit_2_and_are_retried_next_run(self):
        when = "2025-11-01T00:00:00Z"
        self.ingest([trimmed_pr_event(1, "o/r", 1, 5, "opened", when),
                     trimmed_pr_event(2, "o/r", 1, 6, "opened", when)])
        self.serve_pr("o/r", 1, 5)
        self.serve_pr("o/r", 1, 6)
        self.server.set_rules({"/repos/o/r/pulls/6/comments": [{"status": 502}]})
        r = self.enrich("--retries", "1", token=None)
        self.assert_exit(r, 2)
        self.assertIn("o/r pull 6", r.stderr)
        self.assertIn("HTTP 502", r.stderr)
        self.assertIn("is not set", r.stderr)  # the unauthenticated warning
        self.assertFalse(any(q["auth"] for q in self.server.requests()))
        etag, status, error = self.fetch_row("/repos/o/r/pulls/6/comments?per_page=100")
        self.assertEqual(status, 502)
        self.assertIn("giving up after 2 attempts", error)
        # The rest of PR 6 and all of PR 5 are in.
        self.assertEqual(self.query("SELECT count(*) FROM prs WHERE title LIKE 'API title %'"),
                         [(2,)])
        # Next run: only the failed resource is asked again.
        self.server.set_rules({})
        n_before = len(self.server.requests())
        r = self.enrich()
        self.assert_exit(r, 0)
        self.assertEqual([q["path"] for q in self.server.requests()[n_before:]],
                         ["/repos/o/r/pulls/6/comments"])
        self.assertEqual(self.query("SELECT count(*) FROM review_comments WHERE number = 6"),
                         [(1,)])

    def test_long_rate_limit_stops_cleanly(self):
        when = "2025-11-01T00:00:00Z"
        self.ingest([trimmed_pr_event(1, "o/r", 1, 5, "opened", when),
                     trimmed_pr_event(2, "o/r", 1, 6, "opened", when)])
        self.serve_pr("o/r", 1, 5)
        self.serve_pr("o/r", 1, 6)
        self.server.set_rules({"/repos/o/r/pulls/6": [{"rate_limit": 600}]})
        start = time.time()
        r = self.enrich("--max-wait", "5", "-j", "1")
        self.assert_exit(r, 2)
        self.assertLess(time.time() - start, 10)
        self.assertIn("rate limit resets at", r.stderr)
        self.assertIn("rerun", r.stderr)
        # PR 5 (before the limit) is stored; PR 6 is not marked done.
        self.assertEqual(self.query("SELECT number FROM prs WHERE title IS NOT NULL"), [(5,)])
        self.assertFalse(self.query("SELECT * FROM api_fetches WHERE url LIKE '%/pulls/6%'"))

    def test_killed_run_resumes_with_what_is_missing(self):
        when = "2025-11-01T00:00:00Z"
        self.ingest([trimmed_pr_event(k, "o/r", 1, n, "opened", when)
                     for k, n in enumerate((5, 6, 7), start=1)])
        for n in (5, 6, 7):
            self.serve_pr("o/r", 1, n)
        self.server.set_rules({"/repos/o/r/pulls/7": [{"sleep_before": 10}]})
        env = dict(os.environ, SWERL_TEST_GH_TOKEN=TOKEN)
        args = [SWERL, "enrich", "--db", self.db, "--api-url", self.server.url, "-j", "1",
                "--timeout", "30", "--token-env", "SWERL_TEST_GH_TOKEN", "-q"]
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            # PR 6's rows land in its item's commit; PR 7 is asked next.
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    if self.query("SELECT count(*) FROM api_fetches")[0][0] >= 8:
                        break
                except sqlite3.OperationalError:
                    pass  # busy: the writer holds the lock
                time.sleep(0.05)
            time.sleep(0.3)
        finally:
            proc.kill()  # SIGKILL while PR 7 is in flight
            proc.wait()
        # PRs 5 and 6 were committed with their api_fetches rows; 7 left nothing.
        self.assertEqual(self.query("SELECT number FROM prs WHERE title IS NOT NULL "
                                    "ORDER BY number"), [(5,), (6,)])
        self.assertEqual(self.query("SELECT count(*) FROM api_fetches"), [(8,)])
        self.server.set_rules({})
        n_before = len(self.server.requests())
        r = self.enrich()
        self.assert_exit(r, 0)
        self.assertEqual(sorted(q["path"] for q in self.server.requests()[n_before:]),
                         ["/repos/o/r/issues/7/comments", "/repos/o/r/pulls/7",
                          "/repos/o/r/pulls/7/comments", "/repos/o/r/pulls/7/reviews"])
        self.assertEqual(self.query("SELECT count(*) FROM prs WHERE title IS NOT NULL"), [(3,)])

    def test_bad_where_is_a_usage_error(self):
        self.ingest([trimmed_pr_event(1, "o/r", 1, 5, "opened", "2025-11-01T00:00:00Z")])
        r = self.enrich("--where", "no_such_column = 1")
        self.assert_exit(r, 2)
        self.assertIn("--where", r.stderr)
        self.assertFalse(self.server.requests())
        r = self.enrich("--where", "number = 99")
        self.assert_exit(r, 0)
        self.assertFalse(self.server.requests())


def main():
    global SWERL
    argv = list(sys.argv)
    if "--swerl" in argv:
        i = argv.index("--swerl")
        SWERL = os.path.abspath(argv[i + 1])
        del argv[i:i + 2]
    if not SWERL:
        sys.exit("usage: enrich_cli_test.py --swerl PATH [unittest args]")
    unittest.main(argv=argv, verbosity=2)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerates the hand-made GH Archive samples next to this script.

    python3 tests/data/gharchive/make_samples.py

trimmed-era.json   events shaped like the payloads GitHub trims since 2025-10-07
timeline-era.json  2011-2014 Timeline API shapes (skipped by the normalizer)
                   plus one 2015 Events API event
bad-lines.json     the corrupt-line hazards of SPEC 2.3, built from real lines
                   of 2021-07-21-few-hours.json

Output is deterministic; see README.md for what each line exercises.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REAL = os.path.join(HERE, "2021-07-21-few-hours.json")


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def actor(uid, login):
    return {"id": uid, "login": login, "display_login": login.removesuffix("[bot]"),
            "gravatar_id": "", "url": f"https://api.github.com/users/{login}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?"}


def repo(rid, name):
    return {"id": rid, "name": name, "url": f"https://api.github.com/repos/{name}"}


def user(uid, login, kind="User"):
    return {"login": login, "id": uid, "node_id": "U_kgDOB" + str(uid),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4", "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}",
            "html_url": f"https://github.com/{login}", "type": kind, "site_admin": False}


def stub_repo(rid, full):
    # Trimmed head/base repos: {id, url, name} with the short name only.
    return {"id": rid, "url": f"https://api.github.com/repos/{full}", "name": full.split("/")[1]}


def pr_stub(full, number, pr_id, head_ref, head_sha, head_repo, base_sha):
    return {"url": f"https://api.github.com/repos/{full}/pulls/{number}", "id": pr_id,
            "number": number,
            "head": {"ref": head_ref, "sha": head_sha, "repo": head_repo},
            "base": {"ref": "main", "sha": base_sha, "repo": stub_repo(861200431, full)}}


def event(eid, etype, act, rep, payload, created, org=None):
    e = {"id": str(eid), "type": etype, "actor": act, "repo": rep, "payload": payload,
         "public": True, "created_at": created}
    if org:
        e["org"] = org
    return e


def trimmed_events():
    full = "quarkline/ledger"
    rep = repo(861200431, full)
    org = {"id": 152220331, "login": "quarkline", "gravatar_id": "",
           "url": "https://api.github.com/orgs/quarkline",
           "avatar_url": "https://avatars.githubusercontent.com/u/152220331?"}
    alice, bob = actor(48112233, "alice-dev"), actor(9034511, "bmaintainer")
    fork = stub_repo(902117788, "alice-dev/ledger")
    head1 = "5f0c2e9b7a1d4c3e8f6a2b1c0d9e8f7a6b5c4d3e"
    base1 = "a41d7c2e9b0f3a6d5c8e1b4f7a0d3c6e9b2f5a8d"
    pr412 = pr_stub(full, 412, 2893412201, "fix/utf8-escapes", head1, fork, base1)
    gone = pr_stub(full, 415, 2893577120, "patch-1", "0b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e",
                   None, base1)
    issue_user = user(48112233, "alice-dev")
    issue = {"url": f"https://api.github.com/repos/{full}/issues/409",
             "repository_url": f"https://api.github.com/repos/{full}",
             "html_url": f"https://github.com/{full}/issues/409", "id": 3501822910,
             "node_id": "I_kwDOM1sVb86wvXu-", "number": 409,
             "title": "Parser rejects \\u2028 inside strings", "user": issue_user,
             "labels": [{"id": 7712001, "node_id": "LA_kwDOM1sVb88AAAAB", "name": "bug",
                         "color": "d73a4a", "default": True, "description": None}],
             "state": "open", "locked": False, "assignee": None, "assignees": [],
             "milestone": None, "comments": 0, "created_at": "2025-11-03T14:21:07Z",
             "updated_at": "2025-11-03T14:21:07Z", "closed_at": None,
             "body": "Steps:\r\n1. feed `\"a\u2028b\"`\r\n2. observe the error", "type": None,
             "state_reason": None}
    pr_issue = dict(issue, id=3501830044, number=412, title="Fix UTF-8 escapes", body=None,
                    html_url=f"https://github.com/{full}/pull/412",
                    pull_request={"url": f"https://api.github.com/repos/{full}/pulls/412",
                                  "html_url": f"https://github.com/{full}/pull/412",
                                  "diff_url": f"https://github.com/{full}/pull/412.diff",
                                  "patch_url": f"https://github.com/{full}/pull/412.patch",
                                  "merged_at": None},
                    labels=[], comments=2, updated_at="2025-11-03T15:02:44Z")
    comment_user = user(9034511, "bmaintainer")
    return [
        # 1. opened: PR stub from a fork; repo names only via url.
        event(54871200011, "PullRequestEvent", alice, rep,
              {"action": "opened", "number": 412, "pull_request": pr412},
              "2025-11-03T14:30:12Z", org),
        # 2. review on the stub: review keeps user/state/body/submitted_at.
        event(54871200342, "PullRequestReviewEvent", bob, rep,
              {"action": "created",
               "review": {"id": 3190442107, "node_id": "PRR_kwDOM1sVb86-KxL7",
                          "user": comment_user, "body": "One nit, otherwise fine.",
                          "commit_id": head1, "submitted_at": "2025-11-03T14:55:40Z",
                          "state": "approved",
                          "html_url": f"https://github.com/{full}/pull/412#pullrequestreview-3190442107",
                          "pull_request_url": f"https://api.github.com/repos/{full}/pulls/412"},
               "pull_request": pr412},
              "2025-11-03T14:55:41Z", org),
        # 3. review comment on the stub: no line/side/author_association.
        event(54871200343, "PullRequestReviewCommentEvent", bob, rep,
              {"action": "created",
               "comment": {"url": f"https://api.github.com/repos/{full}/pulls/comments/2411900871",
                           "pull_request_review_id": 3190442107, "id": 2411900871,
                           "node_id": "PRRC_kwDOM1sVb86Pw3vH",
                           "diff_hunk": "@@ -10,7 +10,7 @@ fn escape(c: char) {\n-    '\\u{2028}' => \"\\\\u2028\",",
                           "path": "src/escape.rs", "commit_id": head1,
                           "original_commit_id": head1, "user": comment_user,
                           "body": "nit: keep the table sorted",
                           "created_at": "2025-11-03T14:55:40Z",
                           "updated_at": "2025-11-03T14:55:41Z",
                           "html_url": f"https://github.com/{full}/pull/412#discussion_r2411900871",
                           "pull_request_url": f"https://api.github.com/repos/{full}/pulls/412"},
               "pull_request": pr412},
              "2025-11-03T14:55:41Z", org),
        # 4. conversation comment on the PR: issue keeps its fields and the
        # pull_request marker; no author_association anywhere.
        event(54871200788, "IssueCommentEvent", bob, rep,
              {"action": "created", "issue": pr_issue,
               "comment": {"url": f"https://api.github.com/repos/{full}/issues/comments/3479001122",
                           "html_url": f"https://github.com/{full}/pull/412#issuecomment-3479001122",
                           "issue_url": f"https://api.github.com/repos/{full}/issues/412",
                           "id": 3479001122, "node_id": "IC_kwDOM1sVb87PXt0i",
                           "user": comment_user, "created_at": "2025-11-03T15:02:44Z",
                           "updated_at": "2025-11-03T15:02:44Z",
                           "body": "Merging once CI is green."}},
              "2025-11-03T15:02:45Z", org),
        # 5. the new `merged` action: merged is still absent (never invented).
        event(54871201007, "PullRequestEvent", bob, rep,
              {"action": "merged", "number": 412, "pull_request": pr412},
              "2025-11-03T15:10:03Z", org),
        # 6. `closed` now means closed without merge; head.repo null (deleted fork).
        event(54871201290, "PullRequestEvent", bob, rep,
              {"action": "closed", "number": 415, "pull_request": gone},
              "2025-11-03T15:12:30Z", org),
        # 7. a new-era action on a stub.
        event(54871201455, "PullRequestEvent", bob, rep,
              {"action": "labeled", "number": 415, "pull_request": gone},
              "2025-11-03T15:12:31Z", org),
        # 8. IssuesEvent: full issue, author_association gone.
        event(54871198002, "IssuesEvent", alice, rep, {"action": "opened", "issue": issue},
              "2025-11-03T14:21:08Z", org),
        # 9. PushEvent: only repository_id/push_id/ref/head/before.
        event(54871201603, "PushEvent", bob, rep,
              {"repository_id": 861200431, "push_id": 28110934471, "ref": "refs/heads/main",
               "head": "c7e1f0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3", "before": base1},
              "2025-11-03T15:10:04Z", org),
        # 10. PushEvent creating a branch (before = 40 zeros), bot actor.
        event(54871201777, "PushEvent", actor(41898282, "github-actions[bot]"), rep,
              {"repository_id": 861200431, "push_id": 28110941002,
               "ref": "refs/heads/release/v2.4", "head": "c7e1f0a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3",
               "before": "0" * 40},
              "2025-11-03T15:11:00Z", org),
        # 11. another type: skipped.
        event(54871201801, "WatchEvent", actor(77001234, "stargazer-42"), rep,
              {"action": "started"}, "2025-11-03T15:11:02Z", org),
    ]


def timeline_events():
    repository = {"id": 1863329, "url": "https://github.com/octo-labs/gitsy", "name": "gitsy",
                  "description": "git over http", "homepage": "", "watchers": 12, "stargazers": 12,
                  "forks": 3, "fork": False, "size": 412, "owner": "octo-labs", "private": False,
                  "open_issues": 2, "has_issues": True, "has_downloads": True, "has_wiki": True,
                  "language": "Ruby", "created_at": "2011-05-16T02:13:40-07:00",
                  "pushed_at": "2012-03-11T06:00:01-07:00", "master_branch": "master",
                  "organization": "octo-labs"}
    attrs = {"login": "rjones", "type": "User", "gravatar_id": "8f1d3e5c7a9b0d2f4e6a8c0b1d3f5e7a",
             "name": "R. Jones", "company": "", "blog": "", "location": "Portland",
             "email": "rjones@example.org"}
    return [
        # 1. 2012 PushEvent: repository{...}, actor a login string, no id,
        # Pacific offset, payload.shas instead of commits.
        {"created_at": "2012-03-11T06:00:02-07:00",
         "payload": {"shas": [["4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39", "rjones@example.org",
                               "Fix chunked reads", "R. Jones", True]],
                     "size": 1, "ref": "refs/heads/master",
                     "head": "4f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39"},
         "public": True, "type": "PushEvent",
         "url": "https://github.com/octo-labs/gitsy/compare/1b2c3d4e5f...4f2a1c9e8b",
         "actor": "rjones", "actor_attributes": attrs, "repository": repository},
        # 2. 2013 IssuesEvent: numeric issue id only, no title/body.
        {"created_at": "2013-06-02T11:15:40-07:00",
         "payload": {"action": "opened", "issue": 14729102, "number": 7},
         "public": True, "type": "IssuesEvent",
         "url": "https://github.com/octo-labs/gitsy/issues/7",
         "actor": "rjones", "actor_attributes": attrs, "repository": repository},
        # 3. 2013 IssueCommentEvent.
        {"created_at": "2013-06-02T12:01:09-07:00",
         "payload": {"issue_id": 14729102, "comment_id": 19033412},
         "public": True, "type": "IssueCommentEvent",
         "url": "https://github.com/octo-labs/gitsy/issues/7#issuecomment-19033412",
         "actor": "rjones", "actor_attributes": attrs, "repository": repository},
        # 4. 2014 PullRequestEvent with a full pull_request, but still the
        # timeline envelope (repository, string actor, no id).
        {"created_at": "2014-08-19T09:30:00-07:00",
         "payload": {"action": "opened", "number": 31,
                     "pull_request": {"url": "https://api.github.com/repos/octo-labs/gitsy/pulls/31",
                                      "id": 20011931, "number": 31, "state": "open",
                                      "title": "Add HTTP/1.1 keep-alive",
                                      "user": {"login": "rjones", "id": 88231, "type": "User"},
                                      "body": "", "merged": False}},
         "public": True, "type": "PullRequestEvent",
         "url": "https://github.com/octo-labs/gitsy/pull/31",
         "actor": "rjones", "actor_attributes": attrs, "repository": repository},
        # 5. A variant with an Events-API style `repo` and `actor` but no `id`.
        {"type": "WatchEvent", "created_at": "2014-12-31T23:59:58Z",
         "actor": {"id": 88231, "login": "rjones", "gravatar_id": "8f1d3e5c7a9b0d2f4e6a8c0b1d3f5e7a",
                   "url": "https://api.github.com/users/rjones",
                   "avatar_url": "https://avatars.githubusercontent.com/u/88231?"},
         "repo": {"id": 1863329, "name": "octo-labs/gitsy",
                  "url": "https://api.github.com/repos/octo-labs/gitsy"},
         "payload": {"action": "started"}, "public": True},
        # 6. The first Events API shape (2015-01-01): emitted, era "full".
        event(2489651045, "IssuesEvent", actor(88231, "rjones"),
              repo(1863329, "octo-labs/gitsy"),
              {"action": "closed",
               "issue": {"url": "https://api.github.com/repos/octo-labs/gitsy/issues/7",
                         "labels_url": "https://api.github.com/repos/octo-labs/gitsy/issues/7/labels{/name}",
                         "id": 14729102, "number": 7, "title": "Timeouts on large pushes",
                         "user": {"login": "rjones", "id": 88231, "type": "User",
                                  "site_admin": False},
                         "labels": [], "state": "closed", "locked": False, "assignee": None,
                         "milestone": None, "comments": 3,
                         "created_at": "2013-06-02T18:15:40Z",
                         "updated_at": "2015-01-01T15:00:03Z",
                         "closed_at": "2015-01-01T15:00:03Z", "body": "See the log."}},
              "2015-01-01T15:00:03Z"),
    ]


def real_lines():
    with open(REAL, "rb") as f:
        return f.read().split(b"\n")


def bad_lines():
    real = real_lines()
    issues, issues2 = real[414], real[573]
    push, push2 = real[328], real[681]
    comment = real[388]
    delete = real[19]
    create = real[2]
    assert b'"type":"IssuesEvent"' in issues and b'"type":"PushEvent"' in push
    title_at = issues.index(b'"title":"') + len(b'"title":"')
    missing_comma = delete.replace(b'"type":"DeleteEvent",', b'"type":"DeleteEvent"', 1)
    comma_at = push.index(b'","type"') + 2
    return [
        # 1. a clean real line (control)
        issues,
        # 2. malformed JSON (a comma deleted): invalid
        missing_comma,
        # 3. NUL bytes: a run before the event and one between two tokens
        b"\0" * 8 + push[:comma_at] + b"\0" + push[comma_at:],
        # 4. invalid UTF-8 in a string: a lone 0xFF and a cut 3-byte sequence
        issues[:title_at] + b"\xff" + b"\xe2\x82" + issues[title_at:],
        # 5. two objects on one line
        issues2 + push2,
        # 6. a truncated event concatenated with the next
        comment[:1500] + issues2,
        # 7. a JSON value that is not an object: invalid
        b'["IssuesEvent",17244207982]',
        # 8. blank and whitespace-only lines: nothing
        b"",
        b" \t ",
        # 9. all three at once: NUL run between two events, one with bad UTF-8
        push2 + b"\0\0\0\0" + issues[:title_at] + b"\xc3" + issues[title_at:],
        # 10. a truncated last line without '\n': invalid
        create[:300],
    ]


def main():
    with open(os.path.join(HERE, "trimmed-era.json"), "wb") as f:
        f.write(b"".join(dump(e) + b"\n" for e in trimmed_events()))
    with open(os.path.join(HERE, "timeline-era.json"), "wb") as f:
        f.write(b"".join(dump(e) + b"\n" for e in timeline_events()))
    lines = bad_lines()
    with open(os.path.join(HERE, "bad-lines.json"), "wb") as f:
        f.write(b"\n".join(lines))  # the last line stays unterminated


if __name__ == "__main__":
    main()

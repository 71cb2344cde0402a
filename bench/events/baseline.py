#!/usr/bin/env python3
"""The Python baseline for `swerl events`: what users run today. gzip + json
per line, keep the five PR/issue conversation event types, drop repeated
ids, and print one normalized record per event (the same fields swerl
emits, built as dicts and written with json.dumps)."""
import gzip
import json
import sys

TYPES = {"PullRequestEvent", "IssuesEvent", "IssueCommentEvent",
         "PullRequestReviewEvent", "PullRequestReviewCommentEvent"}


def user(u):
    return (u or {}).get("login"), (u or {}).get("id"), (u or {}).get("type")


def pr_fields(p):
    login, uid, utype = user(p.get("user"))
    base, head = p.get("base") or {}, p.get("head") or {}
    brepo, hrepo = base.get("repo") or {}, head.get("repo")
    return {
        "id": p.get("id"), "number": p.get("number"), "title": p.get("title"),
        "body": p.get("body"), "state": p.get("state"), "draft": p.get("draft"),
        "merged": p.get("merged"), "merged_at": p.get("merged_at"),
        "merge_commit_sha": p.get("merge_commit_sha"), "created_at": p.get("created_at"),
        "updated_at": p.get("updated_at"), "closed_at": p.get("closed_at"),
        "user": login, "user_id": uid, "user_type": utype,
        "author_association": p.get("author_association"),
        "base_ref": base.get("ref"), "base_sha": base.get("sha"),
        "base_repo": brepo.get("full_name"), "base_repo_id": brepo.get("id"),
        "head_ref": head.get("ref"), "head_sha": head.get("sha"),
        "head_repo": (hrepo or {}).get("full_name"), "head_repo_id": (hrepo or {}).get("id"),
        "additions": p.get("additions"), "deletions": p.get("deletions"),
        "changed_files": p.get("changed_files"), "commits": p.get("commits"),
        "labels": [l.get("name") for l in p.get("labels") or []],
        "merged_by": user(p.get("merged_by"))[0],
    }


def issue_fields(i):
    login, uid, utype = user(i.get("user"))
    return {
        "id": i.get("id"), "number": i.get("number"), "title": i.get("title"),
        "body": i.get("body"), "state": i.get("state"), "user": login, "user_id": uid,
        "user_type": utype, "author_association": i.get("author_association"),
        "labels": [l.get("name") for l in i.get("labels") or []],
        "created_at": i.get("created_at"), "updated_at": i.get("updated_at"),
        "closed_at": i.get("closed_at"), "is_pull_request": "pull_request" in i,
    }


def comment_fields(c):
    login, uid, utype = user(c.get("user"))
    out = {"id": c.get("id"), "body": c.get("body"), "user": login, "user_id": uid,
           "user_type": utype, "author_association": c.get("author_association"),
           "created_at": c.get("created_at"), "updated_at": c.get("updated_at")}
    for k in ("path", "diff_hunk", "commit_id", "original_commit_id", "line",
              "original_line", "side", "start_line", "in_reply_to_id",
              "pull_request_review_id"):
        if k in c:
            out[k] = c.get(k)
    return out


def main():
    seen = set()
    out = sys.stdout
    for path in sys.argv[1:]:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                t = ev.get("type")
                if t not in TYPES or ev.get("id") in seen:
                    continue
                seen.add(ev["id"])
                p = ev.get("payload") or {}
                actor, repo = ev.get("actor") or {}, ev.get("repo") or {}
                rec = {"id": ev["id"], "type": t, "created_at": ev.get("created_at"),
                       "repo": repo.get("name"), "repo_id": repo.get("id"),
                       "actor": actor.get("login"), "actor_id": actor.get("id"),
                       "action": p.get("action"),
                       "number": p.get("number") or (p.get("issue") or {}).get("number")
                       or (p.get("pull_request") or {}).get("number")}
                if "pull_request" in p:
                    rec["pull_request"] = pr_fields(p["pull_request"])
                if "issue" in p:
                    rec["issue"] = issue_fields(p["issue"])
                if "comment" in p:
                    rec["comment"] = comment_fields(p["comment"])
                if "review" in p:
                    r = p["review"]
                    rec["review"] = {"id": r.get("id"), "state": r.get("state"),
                                     "body": r.get("body"), "user": user(r.get("user"))[0],
                                     "submitted_at": r.get("submitted_at"),
                                     "commit_id": r.get("commit_id")}
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

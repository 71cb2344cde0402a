#!/usr/bin/env python3
"""Oracle for the event normalizer (schemas/records/event.md, version 1).

Reads raw GH Archive lines with Python's json module, derives the expected
record of every event from the grammar, runs the normalizer (normalize_tool,
or any command with the same stdin/stdout/stderr contract) on the same bytes,
and checks field by field: each value equals its raw path (null when absent
or of another type), keys come in the documented order, counts per type and
per outcome agree, and nothing else is emitted.

    events_oracle.py --tool build/tests/gharchive/normalize_tool \
        [--types all] FILE...

Exit 0 when every file agrees, 1 with a report of the first differences.
"""
import argparse
import json
import re
import subprocess
import sys

MISSING = object()

COMMON_KEYS = ["id", "type", "created_at", "repo", "repo_id", "actor", "actor_id", "action",
               "number", "era"]
TYPES = ["PullRequestEvent", "IssuesEvent", "IssueCommentEvent", "PullRequestReviewEvent",
         "PullRequestReviewCommentEvent", "PushEvent"]
DEFAULT_TYPES = TYPES[:5]


def get(obj, *path):
    """The value at path, or MISSING when a step is absent or not an object."""
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return MISSING
        obj = obj[key]
    return obj


def s(v):
    return v if isinstance(v, str) else None


def i(v):
    if isinstance(v, int) and not isinstance(v, bool) and -2**63 <= v < 2**63:
        return v
    return None


def b(v):
    return v if isinstance(v, bool) else None


def labels(v):
    if not isinstance(v, list):
        return None
    return [x["name"] for x in v if isinstance(x, dict) and isinstance(x.get("name"), str)]


def user_fields(u):
    return [("user", s(get(u, "login"))), ("user_id", i(get(u, "id"))),
            ("user_type", s(get(u, "type")))]


def repo_name(r):
    full = get(r, "full_name")
    if isinstance(full, str):
        return full
    name = get(r, "name")
    if isinstance(name, str) and "/" in name:
        return name
    url = get(r, "url")
    prefix = "https://api.github.com/repos/"
    if isinstance(url, str) and url.startswith(prefix):
        parts = url[len(prefix):].split("/")
        if len(parts) == 2 and parts[0] and parts[1]:
            return url[len(prefix):]
    return None


def pull_request(pr):
    if not isinstance(pr, dict):
        return None
    f = [("id", i(get(pr, "id"))), ("number", i(get(pr, "number"))),
         ("title", s(get(pr, "title"))), ("body", s(get(pr, "body"))),
         ("state", s(get(pr, "state"))), ("draft", b(get(pr, "draft"))),
         ("merged", b(get(pr, "merged"))), ("merged_at", s(get(pr, "merged_at"))),
         ("merge_commit_sha", s(get(pr, "merge_commit_sha"))),
         ("created_at", s(get(pr, "created_at"))), ("updated_at", s(get(pr, "updated_at"))),
         ("closed_at", s(get(pr, "closed_at")))]
    f += user_fields(get(pr, "user"))
    f.append(("author_association", s(get(pr, "author_association"))))
    for side in ("base", "head"):
        f += [(side + "_ref", s(get(pr, side, "ref"))), (side + "_sha", s(get(pr, side, "sha"))),
              (side + "_repo", repo_name(get(pr, side, "repo"))),
              (side + "_repo_id", i(get(pr, side, "repo", "id")))]
    f += [("additions", i(get(pr, "additions"))), ("deletions", i(get(pr, "deletions"))),
          ("changed_files", i(get(pr, "changed_files"))), ("commits", i(get(pr, "commits"))),
          ("labels", labels(get(pr, "labels"))),
          ("merged_by", s(get(pr, "merged_by", "login")))]
    return f


def issue(x):
    if not isinstance(x, dict):
        return None
    f = [("id", i(get(x, "id"))), ("number", i(get(x, "number"))),
         ("title", s(get(x, "title"))), ("body", s(get(x, "body"))),
         ("state", s(get(x, "state")))]
    f += user_fields(get(x, "user"))
    f += [("author_association", s(get(x, "author_association"))),
          ("labels", labels(get(x, "labels"))), ("created_at", s(get(x, "created_at"))),
          ("updated_at", s(get(x, "updated_at"))), ("closed_at", s(get(x, "closed_at"))),
          ("is_pull_request", get(x, "pull_request") not in (MISSING, None))]
    return f


def comment(c, review_comment):
    if not isinstance(c, dict):
        return None
    f = [("id", i(get(c, "id"))), ("body", s(get(c, "body")))]
    f += user_fields(get(c, "user"))
    f += [("author_association", s(get(c, "author_association"))),
          ("created_at", s(get(c, "created_at"))), ("updated_at", s(get(c, "updated_at")))]
    if review_comment:
        f += [("path", s(get(c, "path"))), ("diff_hunk", s(get(c, "diff_hunk"))),
              ("commit_id", s(get(c, "commit_id"))),
              ("original_commit_id", s(get(c, "original_commit_id"))),
              ("line", i(get(c, "line"))), ("original_line", i(get(c, "original_line"))),
              ("side", s(get(c, "side"))), ("start_line", i(get(c, "start_line"))),
              ("in_reply_to_id", i(get(c, "in_reply_to_id"))),
              ("pull_request_review_id", i(get(c, "pull_request_review_id")))]
    return f


def review(r):
    if not isinstance(r, dict):
        return None
    f = [("id", i(get(r, "id"))), ("state", s(get(r, "state"))), ("body", s(get(r, "body")))]
    f += user_fields(get(r, "user"))
    f += [("author_association", s(get(r, "author_association"))),
          ("submitted_at", s(get(r, "submitted_at"))), ("commit_id", s(get(r, "commit_id")))]
    return f


def push(p):
    if not isinstance(p, dict):
        return None
    commits = get(p, "commits")
    if isinstance(commits, list):
        commits = [dict([("sha", s(get(c, "sha"))), ("message", s(get(c, "message"))),
                         ("author_name", s(get(c, "author", "name"))),
                         ("author_email", s(get(c, "author", "email"))),
                         ("distinct", b(get(c, "distinct")))]) for c in commits]
    else:
        commits = None
    return [("push_id", i(get(p, "push_id"))), ("ref", s(get(p, "ref"))),
            ("head", s(get(p, "head"))), ("before", s(get(p, "before"))),
            ("size", i(get(p, "size"))), ("distinct_size", i(get(p, "distinct_size"))),
            ("commits", commits)]


def obj(fields):
    return None if fields is None else dict(fields)


def classify(ev, types):
    """('timeline'|'skip'|'invalid'|'emit', expected record or None)."""
    if not isinstance(ev, dict):
        return "invalid", None
    if ("id" not in ev or isinstance(ev.get("actor"), str)
            or ("repo" not in ev and "repository" in ev)):
        return "timeline", None
    if not isinstance(ev["id"], str) or not isinstance(ev.get("type"), str):
        return "invalid", None
    t = ev["type"]
    if t not in types:
        return "skip", None
    p = get(ev, "payload")
    pr = get(p, "pull_request")
    if t in ("PullRequestEvent", "PullRequestReviewEvent", "PullRequestReviewCommentEvent"):
        trimmed = isinstance(pr, dict) and not any(k in pr for k in ("title", "state", "user"))
    elif t == "PushEvent":
        trimmed = isinstance(p, dict) and "commits" not in p and "size" not in p
    else:
        trimmed = False
    if t == "PullRequestEvent":
        number = i(get(p, "number"))
        if number is None:
            number = i(get(pr, "number"))
    elif t in ("IssuesEvent", "IssueCommentEvent"):
        number = i(get(p, "issue", "number"))
    elif t == "PushEvent":
        number = None
    else:
        number = i(get(pr, "number"))
    rec = dict([("id", ev["id"]), ("type", t), ("created_at", s(get(ev, "created_at"))),
                ("repo", s(get(ev, "repo", "name"))), ("repo_id", i(get(ev, "repo", "id"))),
                ("actor", s(get(ev, "actor", "login"))), ("actor_id", i(get(ev, "actor", "id"))),
                ("action", s(get(p, "action"))), ("number", number),
                ("era", "trimmed" if trimmed else "full")])
    if t == "PullRequestEvent":
        rec["pull_request"] = obj(pull_request(pr))
    elif t == "IssuesEvent":
        rec["issue"] = obj(issue(get(p, "issue")))
    elif t == "IssueCommentEvent":
        rec["issue"] = obj(issue(get(p, "issue")))
        rec["comment"] = obj(comment(get(p, "comment"), False))
    elif t == "PullRequestReviewEvent":
        rec["pull_request"] = obj(pull_request(pr))
        rec["review"] = obj(review(get(p, "review")))
    elif t == "PullRequestReviewCommentEvent":
        rec["pull_request"] = obj(pull_request(pr))
        rec["comment"] = obj(comment(get(p, "comment"), True))
    elif t == "PushEvent":
        rec["push"] = obj(push(p))
    return "emit", rec


def loads(data):
    """json.loads of bytes that must be strict UTF-8; raises ValueError."""
    return json.loads(data.decode("utf-8"))


def parse_line(raw):
    """The JSON values of one raw line, with the repairs of event.md §Repairs:
    ([values], repaired?, invalid?)."""
    try:
        return [loads(raw)], False, False
    except ValueError:
        pass
    text = raw
    if b"\0" in text:
        text = text.replace(b"\0", b"")
        try:
            return [loads(text)], True, False
        except ValueError:
            pass
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        text = text.decode("utf-8", "replace").encode("utf-8")
        try:
            return [loads(text)], True, False
        except ValueError:
            pass
    start = b'{"id":"'
    cuts = []
    pos = text.find(start, 1)
    while pos != -1:
        cuts.append(pos)
        pos = text.find(start, pos + 1)
    values = []
    bounds = [0] + cuts + [len(text)]
    for a, z in zip(bounds, bounds[1:]):
        piece = text[a:z].strip(b" \t\r\n")
        if not piece:
            continue
        try:
            v = loads(piece)
        except ValueError:
            continue
        values.append(v)
    return values, True, not values


class Expectation:
    def __init__(self):
        self.records = []
        self.counts = {"lines": 0, "emitted": 0, "skipped_type": 0, "skipped_timeline": 0,
                       "invalid": 0, "repaired": 0}
        self.per_type = {t: 0 for t in TYPES}


FAST_PREFIX = re.compile(rb'^\{"id":"[0-9]+","type":"([A-Za-z]+)"')
CREATED_END = re.compile(rb',"created_at":"[^"]{20}"\}$')


def fast_skipped(raw, types):
    """event.md's fast path: a line whose prefix names a type that is not
    emitted, that ends like a whole event and holds no second event start, is
    skipped without parsing (damage inside it goes unnoticed)."""
    m = FAST_PREFIX.match(raw)
    if not m or m.group(1).decode() in types:
        return False
    line = raw.strip(b" \t\r\n")
    ends = (CREATED_END.search(line) and line.endswith(b'Z"}')) or (
        line.endswith(b'"}}') and b',"org":{"id":' in line[-512:])
    return bool(ends) and b'{"id":"' not in line[1:]


def expect(data, types):
    exp = Expectation()
    raw_lines = data.split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for raw in raw_lines:
        exp.counts["lines"] += 1
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw.strip(b" \t\r\n"):
            continue
        if fast_skipped(raw, types):
            exp.counts["skipped_type"] += 1
            continue
        values, repaired, invalid = parse_line(raw)
        if invalid:
            exp.counts["invalid"] += 1
            continue
        outcomes = [classify(v, types) for v in values]
        if not repaired and outcomes[0][0] == "invalid":
            exp.counts["invalid"] += 1
            continue
        if repaired and all(kind == "invalid" for kind, _ in outcomes):
            exp.counts["invalid"] += 1
            continue
        if repaired:
            exp.counts["repaired"] += 1
        for kind, rec in outcomes:
            if kind == "timeline":
                exp.counts["skipped_timeline"] += 1
            elif kind == "skip":
                exp.counts["skipped_type"] += 1
            elif kind == "emit":
                exp.counts["emitted"] += 1
                exp.per_type[rec["type"]] += 1
                exp.records.append(rec)
    return exp


def diff(path, want, got, out):
    """Appends field-level differences (values and key order) to out."""
    if isinstance(want, dict) and isinstance(got, dict):
        if list(want) != list(got):
            out.append(f"{path}: keys {list(got)} != expected {list(want)}")
            return
        for k in want:
            diff(f"{path}.{k}", want[k], got[k], out)
    elif isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            out.append(f"{path}: {len(got)} items != expected {len(want)}")
            return
        for n, (w, g) in enumerate(zip(want, got)):
            diff(f"{path}[{n}]", w, g, out)
    elif type(want) is not type(got) or want != got:
        out.append(f"{path}: {got!r:.120} != expected {want!r:.120}")


def check_file(tool, types_arg, types, path):
    with open(path, "rb") as f:
        data = f.read()
    exp = expect(data, types)
    proc = subprocess.run([tool, "--types", types_arg], input=data, capture_output=True)
    problems = []
    if proc.returncode != 0:
        problems.append(f"tool exited {proc.returncode}: {proc.stderr[-500:]!r}")
        return problems
    stats = json.loads(proc.stderr.decode("utf-8").strip().split("\n")[-1])
    for key, want in exp.counts.items():
        if stats.get(key) != want:
            problems.append(f"count {key}: {stats.get(key)} != expected {want}")
    if stats.get("per_type") != exp.per_type:
        problems.append(f"per type: {stats.get('per_type')} != expected {exp.per_type}")
    out = proc.stdout
    if out and not out.endswith(b"\n"):
        problems.append("output does not end with a newline")
    got = [json.loads(line) for line in out.decode("utf-8").split("\n") if line]
    if len(got) != len(exp.records):
        problems.append(f"{len(got)} records != expected {len(exp.records)}")
    for n, (want, rec) in enumerate(zip(exp.records, got)):
        if list(rec)[:len(COMMON_KEYS)] != COMMON_KEYS:
            problems.append(f"record {n}: common keys {list(rec)[:len(COMMON_KEYS)]}")
        diff(f"record {n} (id {want['id']})", want, rec, problems)
    return problems


def parse_types(arg):
    types = set()
    for item in arg.split(","):
        item = item.strip()
        if item == "default":
            types.update(DEFAULT_TYPES)
        elif item == "all":
            types.update(TYPES)
        elif item in TYPES:
            types.add(item)
        else:
            raise SystemExit(f"events_oracle: unknown type {item!r}")
    return types


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", required=True, help="normalize_tool binary")
    ap.add_argument("--types", default="default")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    types = parse_types(args.types)
    failed = False
    for path in args.files:
        problems = check_file(args.tool, args.types, types, path)
        if problems:
            failed = True
            print(f"{path}: {len(problems)} difference(s)")
            for p in problems[:40]:
                print("  " + p)
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The baseline for `swerl export --ndjson`: the store's seeds as NDJSON
(schemas/records/seed.md) from Python's sqlite3, as a user would script it
(bench/curate/README.md).

Per assembled instance, in (repo_id, number) order, it reads what
lib/swerl/curate/seed_source.cc reads: the instance with its PR (the view
prs), its changed files, linked issues (closing ones first; the problem
statement from the closing ones' "title\\nbody\\n"), its relevant files (llm
when it has them, else bm25), and the zstd-compressed contents of the
changed code files' two sides and of the relevant files from the blobs
table; renders the SWE-RL prompt (data/prompts/agentless_repair.txt) over
the context and writes one JSON line per seed.

Python has no zstd module here (the `zstandard` package is not installed),
so the blobs are decompressed in batches, never one process per blob:
instances are read 64 at a time, their blobs fetched with one query, and
  --zstd ctypes (default): libzstd's ZSTD_decompress through ctypes, one
                           call per blob (what the `zstandard` package does);
  --zstd cli:              the batch's frames concatenated and piped through
                           one `zstd -dc`, the output cut by blobs.size.

With --check it also does swerl's oracle self-check: the seed's oracle
answer (the real change as one SEARCH/REPLACE block per changed file, a
port of lib/swerl/curate/oracle_answer.cc) is scored by the CPython reward
reference (tests/oracles/reward_oracle.py, R's calculate_search_replace_reward
on difflib), and a seed is written only when it scores 1.0 ("no oracle" when
the oracle changes nothing). Without --check it does less than swerl: it also
writes the seeds swerl drops. It never writes a shard.

    export_baseline.py DB ROOT [--all] [--check] [--every K] [--zstd ctypes|cli]
                       > seeds.ndjson

--every K takes every K-th instance (from the first), a deterministic subset
for the slow --check (the CPython reward takes seconds per seed here).

ROOT is the repository root (for data/prompts/). Without --all, only the
instances filter_decisions keeps. Prints a summary line to stderr:
"instances I seeds N blobs B raw_bytes R" and, with --check, the seeds dropped per reason.
"""
import argparse
import ctypes
import ctypes.util
import json
import os
import sqlite3
import subprocess
import sys

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("db")
ap.add_argument("root")
ap.add_argument("--all", action="store_true")
ap.add_argument("--zstd", choices=("ctypes", "cli"), default="ctypes")
ap.add_argument("--check", action="store_true")
ap.add_argument("--every", type=int, default=1)
args = ap.parse_args()
if args.check:
    sys.dont_write_bytecode = True  # leave tests/oracles/ as it is
    sys.path.insert(0, os.path.join(args.root, "tests", "oracles"))
    import reward_oracle

with open(os.path.join(args.root, "data", "prompts", "agentless_repair.txt")) as f:
    TEMPLATE = f.read()
ISSUE_AT, CONTENT_AT = TEMPLATE.index("{problem_statement}"), TEMPLATE.index("{content}")


def render(statement, context):
    content = "\n\n".join("### %s\n%s" % kv for kv in context.items())
    return (TEMPLATE[:ISSUE_AT] + statement +
            TEMPLATE[ISSUE_AT + len("{problem_statement}"):CONTENT_AT] + content +
            TEMPLATE[CONTENT_AT + len("{content}"):])


if args.zstd == "ctypes":
    lib = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
    lib.ZSTD_decompress.restype = ctypes.c_size_t
    lib.ZSTD_decompress.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p,
                                    ctypes.c_size_t)
    lib.ZSTD_isError.restype = ctypes.c_uint
    lib.ZSTD_isError.argtypes = (ctypes.c_size_t,)

    def decompress_all(rows):
        out = {}
        for blob_id, size, data in rows:
            buf = ctypes.create_string_buffer(size or 1)
            n = lib.ZSTD_decompress(buf, size, data, len(data))
            if lib.ZSTD_isError(n) or n != size:
                sys.exit("export_baseline: blob %s does not decompress" % blob_id)
            out[blob_id.decode()] = buf.raw[:size]
        return out
else:
    def decompress_all(rows):
        if not rows:
            return {}
        r = subprocess.run(["zstd", "-dcq"], input=b"".join(d for _, _, d in rows),
                           stdout=subprocess.PIPE, check=True)
        out, at = {}, 0
        for blob_id, size, _ in rows:
            out[blob_id.decode()] = r.stdout[at:at + size]
            at += size
        if at != len(r.stdout):
            sys.exit("export_baseline: the zstd output does not match blobs.size")
        return out

db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True)
db.text_factory = bytes  # git's bytes; decoded once, below (blob ids bound as str)
SELECT = ("SELECT i.repo_id, i.number, coalesce(p.repo, ''), i.merge_base, "
          "coalesce(p.base_sha, ''), i.head_commit, coalesce(p.created_at, ''), "
          "coalesce(p.merged_at, ''), coalesce(p.title, ''), coalesce(p.body, ''), "
          "coalesce(p.author, ''), coalesce(p.author_type, ''), i.patch, "
          "coalesce(i.code_patch, ''), coalesce(i.test_patch, '') "
          "FROM instances i JOIN prs p ON p.repo_id = i.repo_id AND p.number = i.number " +
          ("" if args.all else "JOIN filter_decisions d ON d.repo_id = i.repo_id "
           "AND d.number = i.number AND d.kept = 1 ") +
          "WHERE i.status = 'assembled' ORDER BY i.repo_id, i.number")
FILES = ("SELECT old_path, new_path, status, binary, is_test, coalesce(skip, ''), "
         "coalesce(old_blob, ''), coalesce(new_blob, '') FROM instance_files "
         "WHERE repo_id = ? AND number = ? ORDER BY seq")
ISSUES = ("SELECT l.target_repo, l.target_number, l.closing, coalesce(i.title, ''), "
          "coalesce(i.body, '') FROM issue_links l LEFT JOIN issues i "
          "ON i.repo_id = coalesce(l.target_repo_id, "
          "CASE WHEN l.target_repo = '' THEN l.repo_id END) AND i.number = l.target_number "
          "WHERE l.repo_id = ?1 AND l.pr_number = ?2 AND coalesce(i.is_pull_request, 0) = 0 "
          "AND NOT (l.target_repo = '' AND l.target_number = ?2) "
          "ORDER BY l.closing DESC, l.target_repo, l.target_number")
RELEVANT = ("SELECT source, path, blob_id FROM relevant_files WHERE repo_id = ? AND number = ? "
            "ORDER BY source, rank")

repaired = False


def text(b):
    global repaired
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        repaired = True
        return b.decode("utf-8", "replace")


def count_lines(section):
    added = deleted = 0
    hunks = False
    for line in section.split(b"\n"):
        if line.startswith(b"@@"):
            hunks = True
        elif hunks and line:
            if line[0] == 43:
                added += 1
            elif line[0] == 45:
                deleted += 1
    return added, deleted


def sections(patch):
    out, start = [], 0
    while start < len(patch):
        nxt = patch.find(b"\ndiff --git ", start)
        nxt = len(patch) if nxt < 0 else nxt + 1
        out.append(patch[start:nxt])
        start = nxt
    return out


def gather(row):
    """An instance's rows, and the blob ids it needs."""
    repo_id, number = row[0], row[1]
    files = db.execute(FILES, (repo_id, number)).fetchall()
    issues = db.execute(ISSUES, (repo_id, number)).fetchall()
    relevant = db.execute(RELEVANT, (repo_id, number)).fetchall()
    source = b"llm" if any(r[0] == b"llm" for r in relevant) else b"bm25"
    relevant = [r for r in relevant if r[0] == source]
    need = []
    for f in files:
        if not f[4] and not f[5]:
            need += [b.decode() for b in (f[6], f[7]) if b]
    need += [r[2].decode() for r in relevant]
    return row, files, issues, relevant, need


def lines(text):
    out, pos = [], 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        out.append(text[pos:end])
        pos = end
    return out


def only_at(hay, needle, at):
    h, n = "\n" + hay, "\n" + needle
    return h.find(n) == at and h.find(n, at + 1) < 0


def block(path, before, after):
    """oracle_answer.cc's Block: the smallest unique run of whole lines
    around the change."""
    a, b = lines(before), lines(after)
    prefix = 0
    while prefix < len(a) and prefix < len(b) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(a) - prefix and suffix < len(b) - prefix and \
            a[len(a) - 1 - suffix] == b[len(b) - 1 - suffix]:
        suffix += 1
    lo, hi_a, hi_b = prefix, len(a) - suffix, len(b) - suffix
    context = 0
    while True:
        up, down = min(context, lo), min(context, len(a) - hi_a)
        begin = lo - up
        search = "".join(a[begin:hi_a + down])
        replace = "".join(b[begin:hi_b + down])
        if len(search) > 1 and replace and search[-1] == "\n" and replace[-1] == "\n":
            search, replace = search[:-1], replace[:-1]
        whole = begin == 0 and hi_a + down == len(a)
        at = sum(len(x) for x in a[:begin])
        if whole or (search and only_at(before, search, at)):
            break
        context += 1
    return "```\n### %s\n<<<<<<< SEARCH\n%s\n=======\n%s\n>>>>>>> REPLACE\n```" % (
        path, search, replace)


def oracle_answer(context, oracle):
    blocks = [block(p, context.get(p, ""), after) for p, after in oracle.items()
              if context.get(p, "") != after]
    return ("<think>\nThe oracle change.\n</think>\n<solution>\n" + "\n\n".join(blocks) +
            "\n</solution>")


def check(s):
    """swerl's CheckSeed: None when the oracle answer scores 1.0, else why."""
    if not reward_oracle.get_normalized_patch(s["context"], s["oracle"]):
        return "no_oracle"
    reward, _, _ = reward_oracle.calculate_search_replace_reward(
        s["context"], s["oracle"], oracle_answer(s["context"], s["oracle"]))
    return None if reward == 1.0 else "inexpressible"


def seed(row, files, issues, relevant, blobs):
    global repaired
    repaired = False
    (repo_id, number, repo, merge_base, base_sha, head, created, merged, title, body, author,
     author_type, patch, code_patch, test_patch) = row
    repo = text(repo)
    s = {"instance_id": "%s-%d" % ((repo or str(repo_id)).replace("/", "__", 1), number),
         "repo": repo, "repo_id": repo_id, "pull_number": number,
         "base_commit": text(merge_base), "pr_base_sha": text(base_sha),
         "head_commit": text(head), "created_at": text(created), "merged_at": text(merged),
         "title": text(title), "body": text(body), "author": text(author),
         "author_type": text(author_type)}
    statement = ""
    seed_issues = []
    for target, num, closing, ititle, ibody in issues:
        i = {"repo": text(target) or repo, "number": num, "closing": bool(closing),
             "title": text(ititle), "body": text(ibody)}
        if closing and i["title"]:
            statement += i["title"] + "\n" + i["body"] + "\n"
        seed_issues.append(i)
    s["issues"] = seed_issues
    s["problem_statement"] = statement
    s["patch"] = text(code_patch)
    s["test_patch"] = text(test_patch)
    secs = sections(patch or b"")
    seed_files, context, oracle = [], [], []
    for k, (old, new, status, binary, is_test, skip, old_blob, new_blob) in enumerate(files):
        status = text(status)
        path = text(old if status == "deleted" else new)
        old_path = "" if status == "added" else text(old)
        added, deleted = count_lines(secs[k]) if k < len(secs) else (0, 0)
        seed_files.append({"path": path, "old_path": old_path, "status": status,
                           "is_test": bool(is_test), "binary": bool(binary), "skip": text(skip),
                           "added_lines": added, "deleted_lines": deleted})
        if is_test or skip:
            continue
        if old_blob:
            context.append((old_path or path, text(blobs[old_blob.decode()])))
        oracle.append((path, text(blobs[new_blob.decode()]) if new_blob else ""))
    for _, path, blob in relevant:
        context.append((text(path), text(blobs[blob.decode()])))
    context.sort(key=lambda kv: kv[0].encode())
    oracle.sort(key=lambda kv: kv[0].encode())
    s["files"] = seed_files
    s["context"] = dict(context)
    s["oracle"] = dict(oracle)
    s["relevant_files"] = [text(r[1]) for r in relevant]
    s["prompt"] = render(statement, s["context"])
    s["utf8_repaired"] = repaired
    return s


out = sys.stdout
n = nblobs = raw = 0
dropped = {}
rows = db.execute(SELECT).fetchall()[::args.every]
for start in range(0, len(rows), 64):
    batch = [gather(r) for r in rows[start:start + 64]]
    ids = sorted({b for g in batch for b in g[4]})
    fetched = []
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        fetched += db.execute("SELECT blob_id, size, data FROM blobs WHERE blob_id IN (%s)" %
                              ",".join("?" * len(chunk)), chunk).fetchall()
    blobs = decompress_all(fetched)
    nblobs += len(blobs)
    raw += sum(len(v) for v in blobs.values())
    for row, files, issues, relevant, _ in batch:
        s = seed(row, files, issues, relevant, blobs)
        why = check(s) if args.check else None
        if why:
            dropped[why] = dropped.get(why, 0) + 1
            continue
        out.write(json.dumps(s, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        n += 1
out.flush()
print("instances %d seeds %d blobs %d raw_bytes %d%s" % (
    len(rows), n, nblobs, raw, "".join(" %s %d" % kv for kv in sorted(dropped.items()))), file=sys.stderr)

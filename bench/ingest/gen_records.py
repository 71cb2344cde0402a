#!/usr/bin/env python3
"""Expands the records of the real fixture (`swerl events` output, read on
stdin) to N records with fresh event ids, written to stdout: the same mix of
types, repositories, text sizes and eras as the fixture.

Copy c of the fixture re-emits every event with a new id and created_at
shifted by c hours. Pull request and issue numbers are shared by
COPIES_PER_ENTITY consecutive copies (so each PR or issue sees several
times its fixture events, like a busy day of one repository set) and then
move on to fresh numbers; comment and review ids are new in every copy
(each event is a new comment or review, as on GitHub).

    swerl events fixture.json | gen_records.py N > records.ndjson
"""
import json
import sys

COPIES_PER_ENTITY = 4

n = int(sys.argv[1])
base = [json.loads(line) for line in sys.stdin if line.strip()]
out = sys.stdout


def shift_time(ts, copy):
    if not ts:
        return ts
    day = 1 + (copy // 24) % 28
    hour = copy % 24
    return f"{ts[:8]}{day:02d}T{hour:02d}{ts[13:]}"


copy = 0
written = 0
while written < n:
    bump = (copy // COPIES_PER_ENTITY) * 1_000_000
    for rec in base:
        if written >= n:
            break
        r = json.loads(json.dumps(rec))
        r["id"] = str(10_000_000_000 + written)
        r["created_at"] = shift_time(r.get("created_at"), copy)
        if isinstance(r.get("number"), int):
            r["number"] += bump
        for key in ("pull_request", "issue"):
            if isinstance(r.get(key), dict) and isinstance(r[key].get("number"), int):
                r[key]["number"] += bump
        for key in ("comment", "review"):
            if isinstance(r.get(key), dict) and isinstance(r[key].get("id"), int):
                r[key]["id"] += copy * 10_000_000_000
        out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        written += 1
    copy += 1

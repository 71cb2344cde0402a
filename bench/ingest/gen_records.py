#!/usr/bin/env python3
"""Expands the records of the real fixture (`swerl events` output, read on
stdin) to N records with fresh event ids, written to stdout: the same mix of
types, repositories and pull requests, each event re-emitted with a new id
and created_at shifted by the copy number, so later copies update the same
rows (what ingesting many hours of one repository set does).

    swerl events fixture.json | gen_records.py N > records.ndjson
"""
import json
import sys

n = int(sys.argv[1])
base = [json.loads(line) for line in sys.stdin if line.strip()]
out = sys.stdout
copy = 0
written = 0
while written < n:
    for rec in base:
        if written >= n:
            break
        r = dict(rec)
        r["id"] = str(10_000_000_000 + copy * 1_000_000 + written % 1_000_000)
        if r.get("created_at"):
            day = 1 + copy % 28
            r["created_at"] = r["created_at"][:8] + f"{day:02d}" + r["created_at"][10:]
        out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        written += 1
    copy += 1

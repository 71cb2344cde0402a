#!/usr/bin/env python3
"""A canonical text dump of a swerl store or shard: two files with the same
rows give the same dump, whatever order the rows were written in and however
the work was split (a one-process run against `--shard` workers and `swerl
merge`).

    canonical_dump.py FILE [--replace OLD=NEW ...] > FILE.dump

Every table, by name; its columns in declaration order (rowids are not
columns); its rows sorted. Values: NULL, integers, floats by repr, text as
JSON, BLOBs as their length and sha256. --replace rewrites text values (the
mirrors' directory in repo_clones.path differs between two runs). Left out,
because they hold wall-clock times or where a run happened rather than what
it found:

  store  ingest_log.started_at, finished_at; api_fetches.fetched_at;
         repo_clones.fetched_at; instances.assembled_at;
         relevant_runs.ranked_at; filter_decisions.decided_at;
         repo_licenses.decided_at; worker_shards.first_at; and
         repo_clones.bytes, the mirror's size on disk, which is how git
         laid the files out rather than what it fetched (seen once to differ
         by 112 bytes for one mirror of the demo world under heavy load)
  shard  the meta rows created_at and source (the store's path)

PRAGMA user_version and application_id close the dump.
"""
import argparse
import hashlib
import json
import sqlite3
import sys

WALL_CLOCK = {
    "ingest_log": {"started_at", "finished_at"},
    "api_fetches": {"fetched_at"},
    "repo_clones": {"fetched_at", "bytes"},
    "instances": {"assembled_at"},
    "relevant_runs": {"ranked_at"},
    "filter_decisions": {"decided_at"},
    "repo_licenses": {"decided_at"},
    "worker_shards": {"first_at"},
}
SHARD_META_LEFT_OUT = {"created_at", "source"}


def render(value, replacements):
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        for old, new in replacements:
            value = value.replace(old, new)
        return json.dumps(value, ensure_ascii=False)
    return f"blob:{len(value)}:{hashlib.sha256(value).hexdigest()}"


def dump(path, replacements, out):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "ORDER BY name")]
    is_shard = "seeds" in tables and "meta" in tables
    for table in tables:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')
                   if r[1] not in WALL_CLOCK.get(table, ())]
        select = ", ".join(f'"{c}"' for c in columns)
        rows = []
        for row in db.execute(f'SELECT {select} FROM "{table}"'):
            if is_shard and table == "meta" and row[0] in SHARD_META_LEFT_OUT:
                continue
            rows.append("|".join(render(v, replacements) for v in row))
        rows.sort()
        out.write(f"## {table} ({', '.join(columns)}): {len(rows)} rows\n")
        for r in rows:
            out.write(r + "\n")
    for pragma in ("user_version", "application_id"):
        out.write(f"{pragma}={db.execute(f'PRAGMA {pragma}').fetchone()[0]}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file")
    ap.add_argument("--replace", action="append", default=[], metavar="OLD=NEW")
    args = ap.parse_args()
    replacements = [tuple(r.split("=", 1)) for r in args.replace]
    dump(args.file, replacements, sys.stdout)


if __name__ == "__main__":
    main()

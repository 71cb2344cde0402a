#!/usr/bin/env python3
"""The baseline of the `swerl merge` benchmark (bench/README.md): the
simplest union of worker stores a user would write with Python's sqlite3,
ATTACH each input and `INSERT OR IGNORE INTO t SELECT ... FROM input.t` per
table, one transaction per input. It checks nothing: no schema versions, no
overlapping shards, no differing rows (the first input's row wins), no
ownership of repositories. The output must already have the schema (the
benchmark makes it with `swerl ingest OUT /dev/null`).

    baseline.py OUT.db IN.db...
"""
import sqlite3
import sys


def main():
    out, inputs = sys.argv[1], sys.argv[2:]
    db = sqlite3.connect(f"file:{out}", uri=True, isolation_level=None)  # URIs in ATTACH
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "AND name != 'worker_shards'")]
    columns = {t: ", ".join(f'"{r[1]}"' for r in db.execute(f'PRAGMA table_info("{t}")'))
               for t in tables}
    for path in inputs:
        db.execute("ATTACH DATABASE ? AS w", (f"file:{path}?mode=ro",))
        db.execute("BEGIN")
        for t in tables:
            db.execute(f'INSERT OR IGNORE INTO main."{t}" ({columns[t]}) '
                       f'SELECT {columns[t]} FROM w."{t}"')
        db.execute("COMMIT")
        db.execute("DETACH DATABASE w")


if __name__ == "__main__":
    main()

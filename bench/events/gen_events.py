#!/usr/bin/env python3
"""Writes >= --bytes of realistic GH Archive NDJSON to stdout by re-emitting
the real fixture events (tests/data/gharchive) with fresh, increasing ids.

Only the top-level "id" changes, so the mix of types, sizes and text is that
of the real hours (2021-07-21, full-payload era).
"""
import argparse
import gzip
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--fixture", required=True)
ap.add_argument("--bytes", type=int, default=1 << 30)
args = ap.parse_args()

opener = gzip.open if args.fixture.endswith(".gz") else open
with opener(args.fixture, "rb") as f:
    lines = [l for l in f.read().split(b"\n") if l]
id_re = re.compile(rb'^\{"id":"(\d+)"')
for l in lines:
    assert id_re.match(l), "fixture line does not start with its id"

out = sys.stdout.buffer
written = 0
next_id = 30_000_000_000
while written < args.bytes:
    block = []
    for l in lines:
        m = id_re.match(l)
        block.append(b'{"id":"%d"' % next_id + l[m.end():] + b"\n")
        next_id += 1
    data = b"".join(block)
    out.write(data)
    written += len(data)

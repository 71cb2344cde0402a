#!/usr/bin/env python3
"""Writes one realistic day of GH Archive: 24 hourly files DATE-H.json.gz,
made by re-emitting the 800 real fixture events (tests/data/gharchive,
2021-07-21, four hours of the full-payload era) in the real type mix, at a
realistic hourly volume following a diurnal curve. Deterministic from
--seed (the files are byte-identical for the same arguments).

Volume (bench/day/README.md says where the numbers come from):
  events(h) = peak * (r + (1 - r) * w(h)),  w in [0, 1],
w a cosine that rises from its trough at TROUGH_AT (05:30 UTC) to its top
at PEAK_AT (15:30 UTC) and falls back over the other 14 hours; --peak-events
is the 15:00 UTC hour (257k in 2024, HOLT), --trough-ratio r (0.5) the
quietest hour relative to it. Each hour holds floor(events / 800) whole
copies of the fixture plus a seeded sample of the rest, so the mix of types,
actions, text sizes and cross references is the fixture's.

Each copy is a new, disjoint part of GitHub:
  - the top-level event id is fresh and increasing over the day;
  - every integer "id" and "*_id" (repositories, pull requests, issues,
    comments, reviews, users, pushes) is shifted by (copy + 1) * 10^12, so
    pull requests, issues, comments and reviews are distinct entities;
    repository ids instead (the store's keys: pull requests and issues are
    keyed by repository id and number) are scattered over [1, 2^50] by a
    fixed bijection (--repo-ids scattered, the default), as a day's active
    repositories are scattered over GitHub's id space; --repo-ids sequential
    shifts them like the other ids, so each copy's repositories sort after
    the previous copy's (an append-only key order no real day has);
  - every repository full name of the fixture (event repo, base, head,
    forkee) is renamed to NAME-<copy in base 36> wherever it occurs in the
    line (URLs, "owner/repo#N" in bodies), so "fixes #N", "owner/repo#N" and
    issue URLs resolve (or fail to) exactly as in the fixture;
  - issue and pull request numbers, titles and bodies are unchanged;
  - the top-level created_at spreads the hour's events evenly over it.

    gen_day.py --out DIR [--date 2021-07-21] [--hours 0-23] [--seed 1] [-j 2]
               [--repo-ids scattered|sequential] [--day-index N]

Prints a JSON summary (per hour: events, JSON bytes, gzip bytes) and writes
it to DIR/day.json.
"""
import argparse
import datetime
import json
import math
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STRIDE = 10**12          # id shift per copy; fixture ids are < 10^10
REPO_BITS = 30           # scattered repository ids: fixture id | copy << 30 ...
SCATTER = 0x9E3779B97F4A7C15 % (1 << 50) | 1   # ... times an odd constant mod 2^50
PEAK_AT, TROUGH_AT = 15.5, 5.5
NAME_CHARS = rb"A-Za-z0-9._-"


def hourly_events(peak, ratio, hour):
    """Events of hour `hour` (its middle, hour + 0.5) on the diurnal curve."""
    t = hour + 0.5
    rise = (PEAK_AT - TROUGH_AT) % 24
    since_trough = (t - TROUGH_AT) % 24
    if since_trough <= rise:      # trough -> peak
        w = (1 - math.cos(math.pi * since_trough / rise)) / 2
    else:                         # peak -> trough
        w = (1 + math.cos(math.pi * (since_trough - rise) / (24 - rise))) / 2
    return int(round(peak * (ratio + (1 - ratio) * w)))


def base36(n):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, d = divmod(n, 36)
        s = digits[d] + s
        if n == 0:
            return s


class Fixture:
    """Each fixture line as a %-template with its slots: event id, time,
    shifted ids and renamed repositories."""

    def __init__(self, path):
        with open(path, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if l]
        names, self.repo_ids = set(), set()
        for l in lines:
            ev = json.loads(l)
            names.add(ev["repo"]["name"])
            names.update(m.decode() for m in re.findall(rb'"full_name":"([^"]+)"', l))
            self.repo_ids.add(ev["repo"]["id"])
            p = ev.get("payload") or {}
            for obj in (p.get("pull_request") or {}).get("base"), (p.get("pull_request") or {}).get("head"):
                if obj and obj.get("repo"):
                    self.repo_ids.add(obj["repo"]["id"])
            if p.get("forkee"):
                self.repo_ids.add(p["forkee"]["id"])
        assert max(self.repo_ids) < 1 << REPO_BITS
        self.names = sorted(names, key=lambda n: (-len(n), n))
        index = {n.encode(): i for i, n in enumerate(self.names)}
        alternation = b"|".join(re.escape(n.encode()) for n in self.names)
        slot_re = re.compile(
            rb'(?P<ev>^\{"id":"\d+")'
            rb'|(?P<ts>"public":(?:true|false),"created_at":"[^"]+")'
            rb'|(?P<id>"[a-z_]*id":)(?P<idv>\d+)(?=[,}])'
            rb"|(?<![" + NAME_CHARS + rb"])(?P<repo>" + alternation + rb")(?![" + NAME_CHARS + rb"])")
        self.types = []
        self.templates = []   # bytes with %d / %s slots
        self.slots = []       # per line: tuple of (kind, value)
        for l in lines:
            ev = json.loads(l)
            self.types.append(ev["type"])
            parts, slots, pos = [], [], 0
            for m in slot_re.finditer(l):
                parts.append(l[pos:m.start()].replace(b"%", b"%%"))
                if m.group("ev"):
                    parts.append(b'{"id":"%d"')
                    slots.append(("ev", 0))
                elif m.group("ts"):
                    pub = b"true" if b'"public":true' in m.group("ts") else b"false"
                    parts.append(b'"public":' + pub + b',"created_at":"%s"')
                    slots.append(("ts", 0))
                elif m.group("id"):
                    parts.append(m.group("id").replace(b"%", b"%%") + b"%d")
                    v = int(m.group("idv"))
                    repo = m.group("id") in (b'"id":', b'"repository_id":') and v in self.repo_ids
                    slots.append(("rid" if repo else "id", v))
                else:
                    parts.append(b"%s")
                    slots.append(("repo", index[m.group("repo")]))
                pos = m.end()
            parts.append(l[pos:].replace(b"%", b"%%") + b"\n")
            assert slots and slots[0][0] == "ev", "fixture line does not start with its id"
            assert sum(k == "ts" for k, _ in slots) == 1, "no top-level created_at"
            self.templates.append(b"".join(parts))
            self.slots.append(tuple(slots))


FIXTURE = None


def write_hour(args, hour, first_event, first_copy, n_events):
    fx = FIXTURE
    rng = random.Random(args.seed * 1_000_003 + hour)
    per_copy = len(fx.templates)
    full, rest = divmod(n_events, per_copy)
    order = list(range(per_copy))
    plan = [(first_copy + c, order) for c in range(full)]
    if rest:
        plan.append((first_copy + full, sorted(rng.sample(order, rest))))
    if args.repo_ids == "scattered":
        def repo_id(v, copy):
            return ((v | copy << REPO_BITS) * SCATTER) % (1 << 50) + 1
    else:
        def repo_id(v, copy):
            return v + (copy + 1) * STRIDE
    stamps = [("%sT%02d:%02d:%02dZ" % (args.date, hour, s // 60, s % 60)).encode()
              for s in range(3600)]
    path = os.path.join(args.out, "%s-%d.json.gz" % (args.date, hour))
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        gz = subprocess.Popen(["gzip", "-n", "-%d" % args.gzip_level], stdin=subprocess.PIPE,
                              stdout=out)
        written = 0
        event = 0
        types = {}
        for copy, lines in plan:
            shift = (copy + 1) * STRIDE
            suffix = ("-" + base36(copy)).encode()
            renamed = [n.encode() + suffix for n in fx.names]
            chunk = []
            for i in lines:
                ts = stamps[event * 3600 // n_events]
                vals = []
                for kind, v in fx.slots[i]:
                    if kind == "id":
                        vals.append(v + shift)
                    elif kind == "rid":
                        vals.append(repo_id(v, copy))
                    elif kind == "repo":
                        vals.append(renamed[v])
                    elif kind == "ev":
                        vals.append(first_event + event)
                    else:
                        vals.append(ts)
                chunk.append(fx.templates[i] % tuple(vals))
                types[fx.types[i]] = types.get(fx.types[i], 0) + 1
                event += 1
            data = b"".join(chunk)
            written += len(data)
            gz.stdin.write(data)
        gz.stdin.close()
        if gz.wait() != 0:
            raise RuntimeError("gzip failed for " + path)
    os.replace(tmp, path)
    return {"hour": hour, "file": os.path.basename(path), "events": n_events,
            "json_bytes": written, "gzip_bytes": os.path.getsize(path), "types": types}


def init(fixture_path):
    global FIXTURE
    FIXTURE = Fixture(fixture_path)


def parse_hours(text):
    hours = set()
    for part in text.split(","):
        a, _, b = part.partition("-")
        hours.update(range(int(a), int(b or a) + 1))
    return sorted(h for h in hours if 0 <= h < 24)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixture", default=os.path.join(
        ROOT, "tests/data/gharchive/2021-07-21-few-hours.json"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--date", default="2021-07-21")
    ap.add_argument("--hours", default="0-23", help="e.g. 0-23, 15, 0-3,12")
    ap.add_argument("--peak-events", type=int, default=257_000)
    ap.add_argument("--trough-ratio", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--gzip-level", type=int, default=6)
    ap.add_argument("--repo-ids", choices=("scattered", "sequential"), default="scattered")
    ap.add_argument("--day-index", type=int, default=0,
                    help="N > 0: the N-th day after --date, with its own new entities and ids "
                         "(consecutive days for a store that grows)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    init(args.fixture)
    per_copy = len(FIXTURE.templates)
    # Ids and copies are laid out over the whole day, so any subset of hours
    # is the same files as in a full run.
    counts = [hourly_events(args.peak_events, args.trough_ratio, h) for h in range(24)]
    copies_per_day = sum(math.ceil(n / per_copy) for n in counts)
    event = 30_000_000_000 + args.day_index * sum(counts)
    copy = args.day_index * copies_per_day
    args.date = (datetime.date.fromisoformat(args.date) +
                 datetime.timedelta(days=args.day_index)).isoformat()
    first_event, first_copy = [], []
    for n in counts:
        first_event.append(event)
        first_copy.append(copy)
        event += n
        copy += math.ceil(n / per_copy)
    assert (copy + 1) * STRIDE < 2**63, "too many copies for the id stride (int64)"
    assert copy < 1 << (50 - REPO_BITS), "too many copies for scattered repository ids"
    hours = parse_hours(args.hours)
    with ProcessPoolExecutor(max_workers=args.jobs, initializer=init,
                             initargs=(args.fixture,)) as pool:
        futures = [pool.submit(write_hour, args, h, first_event[h], first_copy[h], counts[h])
                   for h in hours]
        results = [f.result() for f in futures]
    summary = {"date": args.date, "seed": args.seed, "peak_events": args.peak_events,
               "repo_ids": args.repo_ids,
               "trough_ratio": args.trough_ratio, "gzip_level": args.gzip_level,
               "fixture": os.path.relpath(args.fixture, ROOT), "fixture_events": per_copy,
               "fixture_repos": len(FIXTURE.names),
               "events": sum(r["events"] for r in results),
               "json_bytes": sum(r["json_bytes"] for r in results),
               "gzip_bytes": sum(r["gzip_bytes"] for r in results), "hours": results}
    with open(os.path.join(args.out, "day.json"), "w") as f:
        json.dump(summary, f, indent=1)
    json.dump({k: v for k, v in summary.items() if k != "hours"}, sys.stdout)
    print()


if __name__ == "__main__":
    main()

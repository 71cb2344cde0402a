#!/usr/bin/env python3
"""The command-line convention (docs/CLI.md), checked on every subcommand of
`swerl` and `swerl-train` as their --help describes them.

Subcommands and options are discovered from --help, so a new subcommand is
covered without touching this file. For each subcommand:

  1. `<bin> <cmd> --help` exits 0 and prints that subcommand's usage, with an
     "Exit status" sentence.
  2. It has the common flags: -q/--quiet, -v/--verbose, --progress,
     --no-progress, --json.
  3. Names: worker threads are -j/--jobs (LibTorch's intra-op threads are
     --torch-threads); no visible --threads, --stats, --workers, --parallel.
  4. Every numeric option (INT, UINT, FLOAT, N, SIZE) states its range in the
     help ("in [LO, HI]", ">= LO", "> LO", "in (LO, HI]"; SIZE options may be
     unbounded), and values just outside it are refused with exit 2 and an
     error naming the option; SIZE options also refuse "-1" and "12X" and
     accept "1M"-style values.
  5. An unknown flag is refused with exit 2, naming it.
  6. Run with --json and empty stdin, a subcommand that then succeeds prints
     one JSON object as the last line of stderr.
  7. No run above exits 0 after printing an "error:" line.
And for each binary: an unknown subcommand is named in the error (exit 2),
with the closest name suggested for a typo.

    convention_test.py --swerl BIN [--swerl-train BIN]
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

NUMERIC_TYPES = {"INT", "UINT", "FLOAT", "N", "SIZE", "NUMBER"}
COMMON_FLAGS = ["-q", "--quiet", "-v", "--verbose", "--progress", "--no-progress", "--json"]
BANNED_NAMES = {"--threads", "--stats", "--workers", "--parallel", "--nthreads"}
# An option whose help counts threads or workers sets a number of them.
THREADS_WORDS = re.compile(r"(?i)\b(threads|workers)\b")
UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def run(argv, cwd, stdin=b""):
    p = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       cwd=cwd, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def subcommands(help_text):
    """Names listed under "Subcommands:" in a binary's --help."""
    names, inside = [], False
    for line in help_text.splitlines():
        if line.startswith("Subcommands:"):
            inside = True
            continue
        if inside:
            m = re.match(r"^  (\S+)", line)
            if m:
                names.append(m.group(1))
            elif line and not line.startswith(" "):
                break
    return names


class Option:
    def __init__(self, names, spec, description):
        self.names = names          # ["-j", "--jobs"]
        self.spec = spec            # "N:in [1, 1024]=2"
        self.description = description

    @property
    def long(self):
        longs = [n for n in self.names if n.startswith("--")]
        return longs[0] if longs else self.names[0]

    @property
    def type(self):
        m = re.match(r"([A-Z]+)", self.spec)
        return m.group(1) if m else ""

    def __repr__(self):
        return ",".join(self.names)


def options(help_text):
    """The options of a subcommand's --help (CLI11 2.x layout)."""
    result, inside, last = [], False, None
    for line in help_text.splitlines():
        if line.startswith("Options:"):
            inside = True
            continue
        if not inside:
            continue
        if line and not line.startswith(" "):
            break
        m = re.match(r"^  (-[^\s]+)(?: (.*?))?(?:\s{2,}(.*))?$", line)
        if m:
            last = Option(m.group(1).split(","), (m.group(2) or "").strip(), m.group(3) or "")
            result.append(last)
        elif last is not None and line.strip():
            last.description += " " + line.strip()
    return result


def parse_size(text):
    m = re.fullmatch(r"(\d+)([KMGT]?)", text)
    return int(m.group(1)) * UNITS[m.group(2)] if m else None


def out_of_range_values(opt):
    """Values the option's stated range excludes ([] when it states none)."""
    spec = opt.spec
    if opt.type == "SIZE":
        values = ["-1", "12X"]
        m = re.search(r"in \[([0-9KMGT]+), ([0-9KMGT]+)\]", spec)
        if m:
            lo, hi = parse_size(m.group(1)), parse_size(m.group(2))
            if lo > 0:
                values.append(str(lo - 1))
            values.append(str(hi + 1))
        m = re.search(r">= ([0-9KMGT]+)", spec)
        if m and parse_size(m.group(1)) > 0:
            values.append(str(parse_size(m.group(1)) - 1))
        return values
    num = r"(-?[0-9.]+)"
    # cli::InRange's "in [LO, HI]", or CLI::Range's own "in [LO - HI]".
    m = re.search(r"in \[" + num + "(?:, | - )" + num + r"\]", spec)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        values = [lo - 1, hi + 1] + ([-1] if lo >= 0 else [])
        return [fmt(v) for v in values]
    m = re.search(r"in \(" + num + ", " + num + r"\]", spec)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        return [fmt(lo), fmt(lo - 1), fmt(hi + 1)]
    m = re.search(r">= " + num, spec)
    if m:
        lo = float(m.group(1))
        return [fmt(v) for v in [lo - 1] + ([-1] if lo >= 1 else [])]
    m = re.search(r"> " + num, spec)
    if m:
        lo = float(m.group(1))
        return [fmt(lo), fmt(lo - 1)]
    return []


def fmt(v):
    return str(int(v)) if float(v).is_integer() else repr(v)


def in_range_size(opt):
    m = re.search(r"in \[([0-9KMGT]+), ([0-9KMGT]+)\]", opt.spec)
    if m:
        return m.group(1)
    m = re.search(r">= ([0-9KMGT]+)", opt.spec)
    return m.group(1) if m else "1M"


def check_binary(binary, tool, workdir, problems):
    code, root_help, err = run([binary, "--help"], workdir)
    if code != 0:
        problems.append(f"{tool} --help exits {code}: {err}")
        return 0
    commands = subcommands(root_help)
    if not commands:
        problems.append(f"{tool} --help lists no subcommands")
        return 0

    # The binary's own errors: an unknown command is named; a typo gets the
    # closest name.
    code, _, err = run([binary, "frobnicate"], workdir)
    if code != 2 or "'frobnicate'" not in err or "error:" not in err:
        problems.append(f"{tool} frobnicate: exit {code}, stderr {err!r} (want 2 naming it)")
    typo = commands[0][:-1] + ("x" if commands[0][-1] != "x" else "y")
    code, _, err = run([binary, typo], workdir)
    if code != 2 or f"'{commands[0]}'" not in err:
        problems.append(f"{tool} {typo}: exit {code}, stderr {err!r} (want 2 suggesting "
                        f"'{commands[0]}')")

    probes = []  # (argv, what, check) run in parallel below
    for cmd in commands:
        code, text, err = run([binary, cmd, "--help"], workdir)
        where = f"{tool} {cmd}"
        if code != 0:
            problems.append(f"{where} --help exits {code}: {err}")
            continue
        usage = next((l for l in text.splitlines() if l.startswith("Usage:")), "")
        if not re.search(r"\s" + re.escape(cmd) + r"\b", usage) or text == root_help:
            problems.append(f"{where} --help does not show {cmd}'s usage: {usage!r}")
        if "Exit status" not in text:
            problems.append(f"{where} --help does not state the exit status")
        opts = options(text)
        names = {n for o in opts for n in o.names}
        for flag in COMMON_FLAGS:
            if flag not in names:
                problems.append(f"{where} lacks {flag}")
        for o in opts:
            for n in o.names:
                if n in BANNED_NAMES:
                    problems.append(f"{where} {o}: {n} is not a convention name (docs/CLI.md)")
            if ("-j" in o.names) != ("--jobs" in o.names):
                problems.append(f"{where} {o}: -j and --jobs go together")
            talks_threads = THREADS_WORDS.search(o.description)
            if talks_threads and "--jobs" not in o.names and "--torch-threads" not in o.names:
                problems.append(f"{where} {o}: its help speaks of threads or workers: "
                                "worker threads are -j/--jobs, LibTorch's --torch-threads")
            if o.type in NUMERIC_TYPES:
                values = out_of_range_values(o)
                if not values:
                    problems.append(f"{where} {o} ({o.spec}): numeric option without a stated "
                                    "range (use cli::InRange, AtLeast, Above or AddSizeOption)")
                for v in values:
                    probes.append(([binary, cmd, f"{o.long}={v}"], f"{where} {o.long}={v}",
                                   ("refused", o.long)))
                if o.type == "SIZE":
                    ok = in_range_size(o)
                    probes.append(([binary, cmd, f"{o.long}={ok}"], f"{where} {o.long}={ok}",
                                   ("accepted", o.long)))
        probes.append(([binary, cmd, "--no-such-flag"], f"{where} --no-such-flag",
                       ("refused", "--no-such-flag")))
        probes.append(([binary, cmd, "--json", "--no-progress"], f"{where} --json",
                       ("json", None)))

    def probe(item):
        argv, what, (kind, name) = item
        code, out, err = run(argv, workdir)
        # The exit-status rule: an "error:" line never comes with exit 0.
        if code == 0 and re.search(r"^\S.*: error: ", err, re.M):
            return f"{what}: exit 0 after an error line: {err.strip()[:300]!r}"
        if kind == "refused":
            if code != 2 or name not in err or "error:" not in err:
                return f"{what}: exit {code}, stderr {err.strip()[:300]!r} (want exit 2 naming {name})"
        elif kind == "accepted":
            if f"{name}:" in err:
                return f"{what}: refused: {err.strip()[:300]!r}"
        elif kind == "json" and code == 0:
            lines = err.strip().splitlines()
            try:
                ok = lines and isinstance(json.loads(lines[-1]), dict)
            except ValueError:
                ok = False
            if not ok:
                return f"{what}: exit 0 but the last stderr line is not a JSON object: {err[-300:]!r}"
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for problem in pool.map(probe, probes):
            if problem:
                problems.append(problem)
    print(f"{tool}: {len(commands)} subcommands ({', '.join(commands)}), {len(probes)} probes")
    return len(commands)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--swerl-train")
    args = ap.parse_args()
    args.swerl = os.path.abspath(args.swerl)
    if args.swerl_train:
        args.swerl_train = os.path.abspath(args.swerl_train)
    problems = []
    with tempfile.TemporaryDirectory() as workdir:  # any stray output lands here
        os.environ["OMP_NUM_THREADS"] = "1"
        check_binary(args.swerl, "swerl", workdir, problems)
        if args.swerl_train:
            check_binary(args.swerl_train, "swerl-train", workdir, problems)
    for p in problems:
        print("FAIL: " + p)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

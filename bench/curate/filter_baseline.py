#!/usr/bin/env python3
"""The baseline for `swerl filter --preset seeds`: the same rules in Python
over seed records (schemas/records/seed.md), as a user would script them
(bench/curate/README.md).

It reads the seeds from NDJSON (`swerl export --all --ndjson` of the same
store, written beforehand), loads the thresholds from the shipped presets
(data/filters/default.toml, then seeds.toml over it, with tomllib) and
applies, in swerl's order, the first rule that drops a seed winning:
decontaminated (data/swebench_repos.tsv names, forks by name), utf8_repaired,
bot (keywords in author/title/body, author_type Bot), empty, too_large (files,
'+'/'-' lines, skip "huge"), noise (every hunk generated/vendored, docs, a
version bump or whitespace-only), no_code_file, no_closing_issue,
no_bugfix_signal (keywords with '*' word boundaries), missing_contents,
over_budget (swerl's token estimate of problem statement and context) and
duplicate (SHA-256 of the patches without index lines and hunk ranges).
The unified-diff reader is a straightforward port of swerl's for git's
patches; quoted paths and plain (non-git) diffs are not handled.

It does less than swerl: it writes no filter_decisions rows and no funnel,
and reads one JSON record per seed where swerl reads the store.

    filter_baseline.py SEEDS.ndjson ROOT [--out DECISIONS.tsv]

ROOT is the repository root (for data/). Writes "instance_id<TAB>rule" per
seed ("kept" when kept) to --out and one summary line to stdout:
"seeds N kept K" and the count per rule.
"""
import argparse
import hashlib
import json
import os
import re
import tomllib

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("seeds")
ap.add_argument("root")
ap.add_argument("--out", default="/dev/null")
args = ap.parse_args()

rules = {}
for name in ("default.toml", "seeds.toml"):
    with open(os.path.join(args.root, "data", "filters", name), "rb") as f:
        for section, table in tomllib.load(f).items():
            rules.setdefault(section, {}).update(table)
R = {s + "." + k: v for s, t in rules.items() for k, v in t.items()}
for key in ("bots.keywords", "noise.doc_extensions", "noise.doc_dirs", "noise.doc_names",
            "noise.version_files", "noise.extra_file_names", "code.extensions",
            "seed.bugfix_keywords"):
    R[key] = [s.lower() for s in R[key]]

EXCLUDED = set()
EXCLUDED_IDS = set()
if R["decontamination.swebench"]:
    with open(os.path.join(args.root, "data", "swebench_repos.tsv")) as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0]:
                EXCLUDED_IDS.add(int(cols[0]))
            EXCLUDED.update(c.lower() for c in cols[1:] if c)
EXCLUDED.update(r.lower() for r in R["decontamination.extra_repos"])
EXCLUDED_IDS.update(R["decontamination.extra_repo_ids"])
EXCLUDED_BASES = {n.split("/", 1)[1] for n in EXCLUDED}

# ---------------------------------------------------------------- diffs --


class Hunk:
    __slots__ = ("header", "lines", "added", "deleted")

    def __init__(self, header):
        self.header, self.lines, self.added, self.deleted = header, [], 0, 0


class DiffFile:
    __slots__ = ("old_path", "new_path", "header_lines", "hunks")

    def __init__(self):
        self.old_path = self.new_path = ""
        self.header_lines, self.hunks = [], []

    def path(self):
        return self.new_path or self.old_path


HUNK_RE = re.compile(r"@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))?")


def diff_path(arg):
    tab = arg.find("\t")
    if tab >= 0:
        arg = arg[:tab]
    if arg == "/dev/null":
        return ""
    if len(arg) > 2 and arg[0] in "ab" and arg[1] == "/":
        arg = arg[2:]
    return arg


def parse_diff(patch):
    files = []
    f = hunk = None
    old_left = new_left = 0
    counted = False
    git_old = git_new = ""
    saw = False
    if not patch:
        return files
    for line in (patch[:-1] if patch.endswith("\n") else patch).split("\n"):
        if hunk is not None:
            c = line[0] if line else " "
            if c == "\\" and hunk.lines:
                hunk.lines.append(line)
                continue
            if (not counted or old_left > 0 or new_left > 0) and c in " +-" and \
                    not line.startswith("diff --git ") and (line or counted):
                hunk.lines.append(line)
                if c == "+":
                    hunk.added += 1
                    new_left -= 1
                elif c == "-":
                    hunk.deleted += 1
                    old_left -= 1
                else:
                    old_left -= 1
                    new_left -= 1
                continue
            hunk = None
        if line.startswith("diff --git "):
            if f is not None and not f.old_path and not f.new_path and not saw:
                f.old_path, f.new_path = git_old, git_new
            f = DiffFile()
            files.append(f)
            saw = False
            f.header_lines.append(line)
            rest = line[11:]
            split = rest.rfind(" b/")
            git_old, git_new = (diff_path(rest[:split]), diff_path(rest[split + 1:])) \
                if split >= 0 else ("", "")
            continue
        if f is None:
            continue
        if line.startswith("@@ "):
            hunk = Hunk(line)
            f.hunks.append(hunk)
            m = HUNK_RE.match(line)
            counted = m is not None
            if m:
                old_left = int(m.group(1)) if m.group(1) is not None else 1
                new_left = int(m.group(2)) if m.group(2) is not None else 1
            continue
        f.header_lines.append(line)
        if line.startswith("--- "):
            saw = True
            f.old_path = diff_path(line[4:])
        elif line.startswith("+++ "):
            saw = True
            f.new_path = diff_path(line[4:])
        elif line.startswith("rename from "):
            git_old = line[12:]
        elif line.startswith("rename to "):
            git_new = line[10:]
        elif line.startswith("new file mode "):
            git_old = ""
        elif line.startswith("deleted file mode "):
            git_new = ""
    if f is not None and not f.old_path and not f.new_path and not saw:
        f.old_path, f.new_path = git_old, git_new
    return files


def normalized_hash(patch, test_patch):
    h = hashlib.sha256()
    for part in (patch, test_patch):
        for f in parse_diff(part):
            for line in f.header_lines:
                if not line.startswith("index "):
                    h.update(line.encode() + b"\n")
            for hk in f.hunks:
                second = hk.header.find("@@", 2)
                h.update(b"@@" + (hk.header[second + 2:].encode() if second >= 0 else b"") + b"\n")
                for line in hk.lines:
                    h.update(line.encode() + b"\n")
        h.update(b"\0--test--\0")
    return h.hexdigest()[:32]


# ---------------------------------------------------------------- noise --

VENDOR_DIRS = {"vendor", "vendors", "node_modules", "third_party", "bower_components", "dist"}
VENDOR_SUFFIXES = (".min.js", ".min.css", ".map", ".lock", ".pb.go")
LOCK_FILES = {"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
              "Cargo.lock", "go.sum", "poetry.lock", "Pipfile.lock", "composer.lock",
              "Gemfile.lock"}


def vendored(path):
    dirs = path.split("/")
    name = dirs.pop()
    return any(d in VENDOR_DIRS for d in dirs) or name.endswith(VENDOR_SUFFIXES) or \
        name in LOCK_FILES


def base_name(path):
    return path.rsplit("/", 1)[-1]


def extension(path):
    base = base_name(path)
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def is_doc(path):
    if not path:
        return False
    if extension(path) in R["noise.doc_extensions"]:
        return True
    base = base_name(path).lower()
    dot = base.find(".")
    if dot > 0:
        base = base[:dot]
    if base in R["noise.doc_names"]:
        return True
    return any(d.lower() in R["noise.doc_dirs"] for d in path.split("/")[:-1])


def is_code(path):
    return bool(path) and extension(path) in R["code.extensions"]


VERSION_SIMPLE = re.compile(r"(?<![A-Za-z0-9])[vV]?[0-9]+(?:\.[0-9]+)+(?:[A-Za-z0-9]|[.+-][A-Za-z0-9])*")


def strip_versions(line):
    return VERSION_SIMPLE.subn("\x01", line)


def version_only(removed, added):
    a, ta = strip_versions(removed)
    b, tb = strip_versions(added)
    return ta > 0 and tb > 0 and a == b


WS = str.maketrans("", "", " \t\r\f\v")


def hunk_noise(f, hk, vendored_by_content):
    if R["noise.generated"] and (vendored_by_content or vendored(f.old_path) or
                                 vendored(f.new_path) or
                                 base_name(f.path()).lower() in R["noise.extra_file_names"]):
        return "generated"
    if R["noise.docs"] and is_doc(f.path()):
        return "docs"
    removed = [l[1:] for l in hk.lines if l[:1] == "-"]
    added = [l[1:] for l in hk.lines if l[:1] == "+"]
    if not removed and not added:
        return None
    if R["noise.version_bumps"] and len(removed) == len(added):
        vfile = base_name(f.path()).lower() in R["noise.version_files"]
        if all(version_only(r, a) and (vfile or ("version" in r.lower() and "version" in a.lower()))
               for r, a in zip(removed, added)):
            return "version"
    if R["noise.whitespace"] and "".join(removed).translate(WS) == "".join(added).translate(WS):
        return "whitespace"
    return None


# ------------------------------------------------------- text estimates --

CLASS_RUN = re.compile(r"([A-Za-z]+)|([0-9]+)|([ \t\r\n]+)|([^A-Za-z0-9 \t\r\n\x80-\U0010ffff]+)"
                       r"|([\x80-\U0010ffff]+)")


def estimate_tokens(text):
    """swerl's EstimateTokens, on the UTF-8 bytes' classes (non-ASCII runs
    count their UTF-8 bytes)."""
    tokens = 0
    n = len(text)
    for m in CLASS_RUN.finditer(text):
        letters, digits, space, punct, high = m.groups()
        if letters:
            tokens += (len(letters) + 5) // 6
        elif digits:
            tokens += (len(digits) + 2) // 3
        elif space:
            lone = space == " " and m.end() < n
            tokens += 0 if lone else 1
        elif punct:
            tokens += (len(punct) + 1) // 2
        else:
            tokens += (len(high.encode("utf-8", "surrogatepass")) + 1) // 2
    return tokens


def keyword_matches(text, keyword):
    open_start = keyword.startswith("*")
    open_end = len(keyword) > 1 and keyword.endswith("*")
    kw = keyword[1 if open_start else 0:len(keyword) - (1 if open_end else 0)]
    if not kw:
        return False
    at = text.find(kw)
    while at >= 0:
        after = at + len(kw)
        if (open_start or at == 0 or not text[at - 1].isascii() or not text[at - 1].isalnum()) and \
                (open_end or after == len(text) or not text[after].isascii() or
                 not text[after].isalnum()):
            return True
        at = text.find(kw, at + 1)
    return False


# --------------------------------------------------------------- filter --

kept_hashes = set()


def decide(s):
    """The first rule that drops seed s, or None."""
    if R["decontamination.enabled"]:
        repo = s["repo"].lower()
        if s["repo_id"] in EXCLUDED_IDS or repo in EXCLUDED or \
                (R["decontamination.forks"] and repo.split("/", 1)[-1] in EXCLUDED_BASES):
            return "decontaminated"
    if R["seed.drop_utf8_repaired"] and s["utf8_repaired"]:
        return "utf8_repaired"
    if R["bots.enabled"]:
        fields = (s["author"].lower(), s["title"].lower(), s["body"].lower())
        if any(kw in t for kw in R["bots.keywords"] for t in fields) or \
                (R["bots.author_type_bot"] and s["author_type"].lower() == "bot"):
            return "bot"
    code, tests = parse_diff(s["patch"]), parse_diff(s["test_patch"])
    if R["size.drop_empty"] and not code and not tests:
        return "empty"
    hunks = [h for f in code + tests for h in f.hunks]
    lines = sum(h.added + h.deleted for h in hunks)
    if 0 < R["size.max_files"] < len(code) + len(tests) or \
            0 < R["size.max_changed_lines"] < lines or \
            (R["size.drop_huge_files"] and any(f["skip"] == "huge" for f in s["files"])):
        return "too_large"
    if R["noise.enabled"]:
        vend = {f["path"] for f in s["files"] if f["skip"] == "vendored"} | \
            {f["old_path"] for f in s["files"] if f["skip"] == "vendored"}
        real = any(hunk_noise(f, h, f.path() in vend or f.old_path in vend) is None
                   for f in code + tests for h in f.hunks)
        if not real:
            return "noise"
    if R["code.required"] and not any(is_code(f.path()) for f in code):
        return "no_code_file"
    if R["seed.require_closing_issue"] and \
            (not any(i["closing"] for i in s["issues"]) or not s["problem_statement"]):
        return "no_closing_issue"
    if R["seed.require_bugfix_signal"]:
        st, title = s["problem_statement"].lower(), s["title"].lower()
        if not any(keyword_matches(st, k) or keyword_matches(title, k)
                   for k in R["seed.bugfix_keywords"]):
            return "no_bugfix_signal"
    if R["seed.require_contents"] and any(not f["is_test"] and is_code(f["path"]) and f["skip"]
                                          for f in s["files"]):
        return "missing_contents"
    if R["budget.max_prompt_tokens"] > 0:
        tokens = R["budget.overhead_tokens"] + estimate_tokens(s["problem_statement"])
        for path, contents in s["context"].items():
            # "### " estimates as 3 tokens; 2 for fence and separators
            tokens += 2 + 3 + estimate_tokens(path) + estimate_tokens(contents)
        if tokens > R["budget.max_prompt_tokens"]:
            return "over_budget"
    if R["dedup.enabled"]:
        h = normalized_hash(s["patch"], s["test_patch"])
        if h in kept_hashes:
            return "duplicate"
        kept_hashes.add(h)
    return None


counts = {}
n = 0
with open(args.seeds, encoding="utf-8") as src, open(args.out, "w") as out:
    for line in src:
        s = json.loads(line)
        why = decide(s) or "kept"
        counts[why] = counts.get(why, 0) + 1
        n += 1
        out.write("%s\t%s\n" % (s["instance_id"], why))
print("seeds %d kept %d %s" % (n, counts.get("kept", 0),
                               " ".join("%s=%d" % kv for kv in sorted(counts.items()))))

#!/usr/bin/env python3
"""Oracle for the kSweBench issue-reference rule (lib/swerl/link/issue_refs.h).

extract_resolved_issues() below is SWE-bench's rule as published in
swebench/collect/utils.py (Repo.extract_resolved_issues, the version that
built the SWE-bench dataset: dict(issues_pat.findall(text))), with the
GitHub API call for the commits replaced by a list of messages. Stdlib only.

The differential test generates a few thousand texts (seeded) from the pull
requests of a GH Archive fixture, with references injected in many shapes
(keywords in any case, Unicode letters, digits and spaces, HTML comments,
repeated words, cross-repository references, URLs), runs issue_refs_tool on
them and requires, for every text, exactly SWE-bench's answer:

  * the same numbers in the same order (dict order), duplicates included,
    after the one documented projection: a number that names no issue
    (int(n) == 0 or int(n) > 2**31 - 1) is dropped;
  * for each, the keyword as written and the byte offset of its '#' in the
    original text (recomputed here from re.finditer on the same regexes).

It also checks the tool's Unicode tables (--tables) against this
interpreter's re module over every code point, and kSwerl's invariants on
the same texts (offsets in range and at a reference, sorted, one per
repository and number, numbers in range).

    swebench_refs.py --tool build/tests/issue_refs_tool \
        --events tests/data/gharchive/2021-07-21-few-hours.json [--cases 4000] [--seed 1]

Exit 0 when everything agrees, 1 with a report of the first differences.
"""
import argparse
import json
import random
import re
import subprocess
import sys
import unicodedata

# ---------------------------------------------------------------------------
# SWE-bench's rule, as published.

KEYWORDS = {
    "close",
    "closes",
    "closed",
    "fix",
    "fixes",
    "fixed",
    "resolve",
    "resolves",
    "resolved",
}
ISSUES_PAT = re.compile(r"(\w+)\s+\#(\d+)")
COMMENTS_PAT = re.compile(r"(?s)<!--.*?-->")


def swebench_text(title, body, commit_messages):
    """The text extract_resolved_issues searches (its first three lines)."""
    text = title if title else ""
    text += "\n" + (body if body else "")
    commit_text = "\n".join(commit_messages) if commit_messages else ""
    text += "\n" + commit_text
    return text


def extract_resolved_issues(title, body, commit_messages):
    """swebench/collect/utils.py Repo.extract_resolved_issues, verbatim but
    for where the commit messages come from. Returns a list of str."""
    issues_pat = re.compile(r"(\w+)\s+\#(\d+)")
    comments_pat = re.compile(r"(?s)<!--.*?-->")
    keywords = {
        "close",
        "closes",
        "closed",
        "fix",
        "fixes",
        "fixed",
        "resolve",
        "resolves",
        "resolved",
    }
    text = swebench_text(title, body, commit_messages)
    # Remove comments from text
    text = comments_pat.sub("", text)
    # Look for issue numbers in text via scraping <keyword, number> patterns
    references = dict(issues_pat.findall(text))
    resolved_issues = list()
    if references:
        for word, issue_num in references.items():
            if word.lower() in keywords:
                resolved_issues.append(issue_num)
    return resolved_issues


def located_refs(text):
    """The same answer as extract_resolved_issues on `text`, with each
    entry's keyword and the code point offset of its '#' in `text`:
    [(word, num_str, offset)]."""
    kept = []  # (stripped_start, original_start, length)
    pos = 0
    for m in COMMENTS_PAT.finditer(text):
        kept.append((pos, m.start()))
        pos = m.end()
    kept.append((pos, len(text)))
    stripped, segments = "", []
    for start, end in kept:
        segments.append((len(stripped), start))
        stripped += text[start:end]
    assert stripped == COMMENTS_PAT.sub("", text)

    def original(p):
        seg = max(s for s in segments if s[0] <= p)  # last one starting at or before p
        return seg[1] + (p - seg[0])

    order, last = [], {}
    for m in ISSUES_PAT.finditer(stripped):
        word = m.group(1)
        if word not in last:
            order.append(word)
        last[word] = (m.group(2), original(m.start(2) - 1))
    return [(w, last[w][0], last[w][1]) for w in order if w.lower() in KEYWORDS]


def project(num_str):
    """The documented projection: int(), or None when it names no issue."""
    n = int(num_str)
    return n if 1 <= n <= 2**31 - 1 else None


# ---------------------------------------------------------------------------
# Unicode tables.


def ranges(pred):
    out = []
    for cp in range(0x110000):
        if pred(cp):
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
    return out


def check_tables(tool):
    got = json.loads(subprocess.run([tool, "--tables"], check=True, capture_output=True).stdout)
    problems = []
    if got["unicode"] != unicodedata.unidata_version:
        problems.append(f"tables from Unicode {got['unicode']}, this Python has "
                        f"{unicodedata.unidata_version}: rerun tests/link/gen_py_re_classes.py")
    word, space, digit = re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")
    want = {
        "word": ranges(lambda cp: word.match(chr(cp)) is not None),
        "space": ranges(lambda cp: space.match(chr(cp)) is not None),
    }
    # The value of each \d is what int() makes of it.
    value = {cp: int(chr(cp)) for cp in range(0x110000) if digit.match(chr(cp))}
    want["digit"] = [ranges(lambda cp, v=v: value.get(cp) == v) for v in range(10)]
    for key in ("word", "space", "digit"):
        if got[key] != want[key]:
            problems.append(f"--tables: {key} ranges differ from re's")
    return problems


# ---------------------------------------------------------------------------
# Generated cases.

REPO = "acme/widget"
# Words around the keywords: near misses, Unicode look-alikes, other words.
NEAR = ["fixing", "prefix", "fixes_", "fix2", "Fixe", "closer", "resolver", "unfixed",
        "\ufb01x", "F\u0130X", "\uff46ix", "\u212aeep", "issue", "see", "and", "PR", "bug",
        "\u4fee\u590d", "\u0438\u0441\u043f\u0440\u0430\u0432\u043b\u044f\u0435\u0442", "x\u00b2",
        "caf\u00e9", "123", "_", "a1"]
SPACES = [" ", " ", " ", "  ", "\t", "\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2003", "\x1c",
          "\x85", "\u200b", "\u2028", "", ":", ": ", " : ", "\f", "\v"]
DIGITS = "0123456789"
UNI_DIGITS = ["\u0663", "\u0967", "\uff11", "\uff12", "\U0001d7cf", "\u09e6", "\u00b2",
              "\u2460", "\u0f20", "\U0001fbf5"]


def rand_case(rng, word):
    mode = rng.random()
    if mode < 0.4:
        return word
    if mode < 0.55:
        return word.upper()
    if mode < 0.75:
        return word.capitalize()
    return "".join(c.upper() if rng.random() < 0.5 else c for c in word)


def rand_number(rng):
    r = rng.random()
    if r < 0.6:
        return str(rng.randint(1, 99999))
    if r < 0.68:
        return "0" * rng.randint(1, 3) + str(rng.randint(0, 999))
    if r < 0.74:
        return rng.choice(["0", "2147483647", "2147483648", "99999999999999999999"])
    if r < 0.88:
        return "".join(rng.choice(UNI_DIGITS + list(DIGITS)) for _ in range(rng.randint(1, 4)))
    return str(rng.randint(1, 999)) + rng.choice(["abc", "_", ".", ",", ")", "fixes", "#3"])


def rand_ref(rng):
    """A keyword-and-reference snippet, or something that looks like one."""
    word = rand_case(rng, rng.choice(sorted(KEYWORDS))) if rng.random() < 0.75 else rng.choice(NEAR)
    r = rng.random()
    if r < 0.7:
        ref = "#" + rand_number(rng)
    elif r < 0.8:
        ref = rng.choice(["octo/lib#", "acme/widget#", "ACME/Widget#"]) + rand_number(rng)
    elif r < 0.9:
        ref = f"https://github.com/octo/lib/{rng.choice(['issues', 'pull'])}/{rand_number(rng)}"
    else:
        ref = rng.choice(["#", "##12", "&#123;", "GH-12", "#fff", "# 12"])
    return word + rng.choice(SPACES) + ref


def rand_unicode(rng, n):
    out = []
    for _ in range(n):
        plane = rng.random()
        if plane < 0.5:
            cp = rng.randint(0x20, 0x7E)
        elif plane < 0.8:
            cp = rng.randint(0xA0, 0xFFFF)
        else:
            cp = rng.randint(0x10000, 0x10FFFF)
        if 0xD800 <= cp <= 0xDFFF:
            cp = 0xFFFD
        out.append(chr(cp))
    return "".join(out)


def mutate(rng, text):
    """Injects references, comments and noise into a real PR text."""
    pieces = [text]
    for _ in range(rng.randint(0, 6)):
        kind = rng.random()
        if kind < 0.45:
            snippet = rand_ref(rng)
        elif kind < 0.55:
            snippet = "<!-- " + rand_ref(rng) + " -->"
        elif kind < 0.6:
            snippet = rng.choice(["<!--", "-->", "<!-->", "<!--->", "<!-- <!-- -->", "--><!--"])
        elif kind < 0.7:
            # A comment splitting a keyword: SWE-bench joins the halves.
            kw = rand_case(rng, rng.choice(sorted(KEYWORDS)))
            cut = rng.randint(1, len(kw) - 1)
            snippet = kw[:cut] + "<!-- x -->" + kw[cut:] + " #" + rand_number(rng)
        elif kind < 0.8:
            word = rng.choice(sorted(KEYWORDS))  # the dict quirk: a repeated word
            snippet = f"{word} #{rng.randint(1, 500)}, {word} #{rng.randint(1, 500)}"
        elif kind < 0.9:
            snippet = rand_unicode(rng, rng.randint(1, 12))
        else:
            snippet = rng.choice(["```\nfixes #77\n```", "`closes #78`", "Fixes: #79",
                                  "Fixes #1, #2 and #3", "\x00", "#4 #5"])
        pos = rng.randint(0, len(pieces[-1]))
        last = pieces.pop()
        pieces.extend([last[:pos], rng.choice(["", " ", "\n"]) + snippet + rng.choice(["", " ", "\n"]), last[pos:]])
    return "".join(pieces)


def load_prs(path):
    prs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e.get("type") != "PullRequestEvent":
                continue
            pr = (e.get("payload") or {}).get("pull_request") or {}
            prs.append((pr.get("title"), pr.get("body")))
    return prs


def make_cases(prs, n, seed):
    rng = random.Random(seed)
    cases = []
    for k in range(n):
        title, body = rng.choice(prs)
        if rng.random() < 0.7:
            title = mutate(rng, title or "") if rng.random() < 0.5 else title
            body = mutate(rng, body or "") if rng.random() < 0.8 else body
        else:
            title = rand_ref(rng) if rng.random() < 0.5 else title
            body = mutate(rng, rand_unicode(rng, rng.randint(0, 40)))
        if rng.random() < 0.05:
            title = None
        if rng.random() < 0.05:
            body = None
        commits = [mutate(rng, rng.choice(["", "Fix typo", "Merge branch 'main'", "wip"]))
                   for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        cases.append((title, body, commits, k % 2 == 0))
    return cases


# ---------------------------------------------------------------------------
# The differential test.


def byte_offset(text, cp_offset):
    return len(text[:cp_offset].encode("utf-8"))


SWERL_REF_START = re.compile(r"#|GH-|gh-|[hHwW]|[A-Za-z0-9]")


def check_swerl(text, refs):
    """kSwerl invariants on one answer; returns a problem or None."""
    raw = text.encode("utf-8")
    keys, last = set(), -1
    for r in refs:
        if not 0 <= r["offset"] < len(raw) or r["offset"] < last:
            return f"offset {r['offset']} out of range or order"
        last = r["offset"]
        if not 1 <= r["number"] <= 2**31 - 1:
            return f"number {r['number']}"
        head = raw[r["offset"]:r["offset"] + 1].decode("ascii", "replace")
        if not SWERL_REF_START.match(head):
            return f"offset {r['offset']} is not at a reference ({head!r})"
        if r["closing"] != bool(r["keyword"]):
            return "closing without keyword or keyword without closing"
        if (r["owner"] == "") != (r["name"] == ""):
            return "half a repository"
        if (r["owner"].lower(), r["name"].lower()) == ("acme", "widget"):
            return "self reference not normalized"
        key = (r["owner"].lower(), r["name"].lower(), r["number"])
        if key in keys:
            return f"duplicate {key}"
        keys.add(key)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tool", required=True, help="issue_refs_tool")
    ap.add_argument("--events", required=True, help="GH Archive NDJSON with PullRequestEvents")
    ap.add_argument("--cases", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    problems = check_tables(args.tool)

    prs = load_prs(args.events)
    if not prs:
        print(f"no PullRequestEvent in {args.events}", file=sys.stderr)
        return 1
    cases = make_cases(prs, args.cases, args.seed)
    requests = []
    for title, body, commits, as_parts in cases:
        text = swebench_text(title, body, commits)
        if as_parts:
            requests.append({"title": title, "body": body, "commits": commits, "rule": "swebench"})
        else:
            requests.append({"text": text, "rule": "swebench"})
        requests.append({"text": text, "repo": REPO, "rule": "swerl"})
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    run = subprocess.run([args.tool], input=stdin.encode("utf-8"), capture_output=True)
    if run.returncode != 0:
        print(f"issue_refs_tool exited {run.returncode}: {run.stderr.decode()}", file=sys.stderr)
        return 1
    answers = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    if len(answers) != len(requests):
        print(f"{len(requests)} requests, {len(answers)} answers", file=sys.stderr)
        return 1

    stats = {"texts": len(cases), "swebench_refs": 0, "texts_with_refs": 0, "dropped": 0,
             "swerl_refs": 0, "swerl_closing": 0}
    for k, (title, body, commits, _) in enumerate(cases):
        text = swebench_text(title, body, commits)
        published = extract_resolved_issues(title, body, commits)
        located = located_refs(text)
        assert [num for _, num, _ in located] == published, "oracle self-check"
        want = []
        for word, num, off in located:
            n = project(num)
            if n is None:
                stats["dropped"] += 1
                continue
            want.append({"owner": "", "name": "", "number": n, "closing": True, "keyword": word,
                         "offset": byte_offset(text, off)})
        got = answers[2 * k]["refs"]
        stats["swebench_refs"] += len(want)
        stats["texts_with_refs"] += bool(want)
        if got != want:
            problems.append(f"case {k}: text {text!r}\n  SWE-bench {published}\n"
                            f"  want {want}\n  got  {got}")
        swerl = answers[2 * k + 1]["refs"]
        stats["swerl_refs"] += len(swerl)
        stats["swerl_closing"] += sum(r["closing"] for r in swerl)
        if (why := check_swerl(text, swerl)) is not None:
            problems.append(f"case {k} (swerl): {why}: text {text!r}\n  got {swerl}")

    print("swebench_refs: " + ", ".join(f"{v} {k}" for k, v in stats.items()))
    if problems:
        for p in problems[:20]:
            print(p, file=sys.stderr)
        print(f"{len(problems)} problems", file=sys.stderr)
        return 1
    if stats["texts_with_refs"] < len(cases) // 4:
        print("too few texts with references: the generator is broken", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

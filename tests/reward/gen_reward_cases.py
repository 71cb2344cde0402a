#!/usr/bin/env python3
"""Deterministic generator of reward cases for the differential test
(reward_diff_test.py) and the benchmark (bench/reward/gen_cases.py).

Texts are cut from real source files available offline: the CPython standard
library sources of the box (/usr/lib/python3.*/**/*.py) and the repository's
own C++ sources (lib/**/*.cc, *.h), picked by sorted path with a seeded RNG.

    gen_reward_cases.py [--seed S] [--cases N] [--groups G] [--predicted P] > cases.ndjson
    gen_reward_cases.py --primitives [--seed S] [--cases N] > prims.ndjson

Lines are bytes: some JSON strings carry raw invalid UTF-8 (written through
placeholder code points, see BAD_BYTES), so consumers must decode with
errors="replace" semantics.
"""
import argparse
import glob
import json
import os
import random
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Line separators of str.splitlines (CRLF counts as one break).
SEPARATORS = ["\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
# str.strip whitespace that is no line separator, and near-misses that are neither.
WHITESPACE = ["\t", " ", "\x1f", "\xa0", "\u1680", "\u2000", "\u2007", "\u200a", "\u202f",
              "\u205f", "\u3000"]
NEAR_MISSES = ["\u200b", "\u180e", "\ufeff", "\u2060", "\x00", "\x7f"]
ASTRAL = ["\U0001F600", "\U00010348", "\U0001D11E", "\U0002A6B0", "\U000E0001", "\U0010FFFD"]
COMBINING = ["e\u0301", "\u0301", "a\u0308\u0323", "\u20dd", "\u0915\u094d\u0937", "\u05b8"]
# Placeholder code points (Private Use Area) replaced by raw invalid UTF-8 in
# the written line. Python decodes them (errors="replace") to 1, 1, 3, 2, 1, 1
# U+FFFD respectively (one per maximal invalid subpart).
BAD_BYTES = {"\uf8f0": b"\xff", "\uf8f1": b"\xe2\x82", "\uf8f2": b"\xed\xa0\x80",
             "\uf8f3": b"\xc0\xaf", "\uf8f4": b"\xf0\x9f\x98", "\uf8f5": b"\x80"}
FENCES = ["```python"] * 6 + ["```"] * 3 + ["```py", "```cpp", "``` python", "```diff",
                                            '```python title="x"', "````", "```\r",
                                            "```\u2028", "```\x85"]
TAGS = ["<think>", "</think>", "<solution>", "</solution>"]


def encode_line(obj):
    """JSON line bytes with placeholders turned into raw invalid UTF-8."""
    data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    for ch, raw in BAD_BYTES.items():
        data = data.replace(ch.encode("utf-8"), raw)
    return data + b"\n"


class Sources:
    """Real source files, by sorted path; text read lazily and cached."""

    def __init__(self):
        py = sorted(glob.glob("/usr/lib/python3.*/**/*.py", recursive=True))
        if not py:
            import sysconfig
            base = sysconfig.get_paths()["stdlib"]
            py = sorted(glob.glob(os.path.join(base, "**", "*.py"), recursive=True))
        cc = sorted(glob.glob(os.path.join(ROOT, "lib", "**", "*.cc"), recursive=True)
                    + glob.glob(os.path.join(ROOT, "lib", "**", "*.h"), recursive=True))
        # Two pools, so that files added to lib/ change only the cases that
        # pick from it.
        self.py = [p for p in py if os.path.getsize(p) > 0]
        self.cc = [p for p in cc if os.path.getsize(p) > 0]
        self.cache = {}

    def pick(self, rng):
        pool = self.cc if (rng.random() < 0.15 and self.cc) or not self.py else self.py
        return rng.choice(pool)

    def name(self, path):
        if path.startswith(ROOT + os.sep):
            return os.path.relpath(path, ROOT)
        parts = path.split(os.sep)
        # /usr/lib/python3.11/json/decoder.py -> Lib/json/decoder.py
        return "/".join(["Lib"] + parts[4:]) if len(parts) > 4 else path

    def lines(self, path):
        if path not in self.cache:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
            for ch in BAD_BYTES:
                text = text.replace(ch, "?")
            # Keep texts free of accidental markers of the block grammar.
            self.cache[path] = text.split("\n")
        return self.cache[path]


class Gen:
    def __init__(self, seed, sources=None):
        self.rng = random.Random(seed)
        self.src = sources or Sources()

    # ---- texts -----------------------------------------------------------
    def window(self, lo, hi):
        """(path name, lines) of a window of lo..hi lines of a random file."""
        rng = self.rng
        for _ in range(20):
            path = self.src.pick(rng)
            lines = self.src.lines(path)
            if len(lines) >= lo or _ == 19:
                n = min(len(lines), rng.randint(lo, hi))
                start = rng.randint(0, len(lines) - n)
                return self.src.name(path), list(lines[start:start + n])
        raise AssertionError

    def odd_char(self):
        rng = self.rng
        pool = rng.choice([SEPARATORS, WHITESPACE, NEAR_MISSES, ASTRAL, COMBINING])
        return rng.choice(pool)

    def sprinkle(self, lines, count, bad=False):
        """Inserts odd characters at random places of random lines."""
        rng = self.rng
        for _ in range(count):
            if not lines:
                return
            i = rng.randrange(len(lines))
            line = lines[i]
            k = rng.randint(0, len(line))
            ch = rng.choice(list(BAD_BYTES)) if bad else self.odd_char()
            lines[i] = line[:k] + ch + line[k:]

    def flavor(self, lines):
        """Line-ending and character flavours of a whole file (in place)."""
        rng = self.rng
        r = rng.random()
        if r < 0.10:  # CRLF everywhere
            lines[:] = [l + "\r" for l in lines]
        elif r < 0.16:  # some lines end with a lone CR (merged with the next)
            out = []
            for l in lines:
                if out and rng.random() < 0.2:
                    out[-1] = out[-1] + "\r" + l
                else:
                    out.append(l)
            lines[:] = out
        elif r < 0.30:
            self.sprinkle(lines, rng.randint(1, 4))
        elif r < 0.34:
            self.sprinkle(lines, rng.randint(1, 2), bad=True)

    def file(self, big=False):
        rng = self.rng
        if big:
            name, lines = self.window(200, 600)
        elif rng.random() < 0.05:
            name, lines = "", []
        else:
            name, lines = self.window(*rng.choice([(1, 12), (10, 60), (30, 120)]))
        if not name:
            name = "empty_%d.py" % rng.randrange(100)
        self.flavor(lines)
        final_nl = rng.random() < 0.85
        if lines and lines[-1] == "":
            lines.pop()
        return {"path": name, "lines": lines, "final_nl": final_nl}

    @staticmethod
    def join(lines, final_nl):
        if not lines:
            return ""
        return "\n".join(lines) + ("\n" if final_nl else "")

    # ---- edits -----------------------------------------------------------
    def mutate(self, line):
        rng = self.rng
        r = rng.random()
        if r < 0.3 and line:
            k = rng.randrange(len(line))
            return line[:k] + rng.choice("abcxyz_0 ();=") + line[k + 1:]
        if r < 0.45:
            return ("    " + line) if rng.random() < 0.6 else line.lstrip(" \t")
        if r < 0.6:
            return line + rng.choice([" # fix", "  // fixed", ",", " or None", ";"])
        if r < 0.7:
            k = rng.randint(0, len(line))
            return line[:k] + self.odd_char() + line[k:]
        if r < 0.85 and line.strip():
            words = line.split(" ")
            k = rng.randrange(len(words))
            words[k] = "new_" + words[k]
            return " ".join(words)
        return line.upper() if rng.random() < 0.5 else line + " " + str(rng.randrange(1000))

    def new_lines(self, around):
        rng = self.rng
        n = rng.randint(1, 3)
        base = around or ["pass"]
        return [self.mutate(rng.choice(base)) for _ in range(n)]

    def hunks(self, lines, n):
        """Up to n non-overlapping hunks (s, e, new) with >= 7 lines between."""
        rng = self.rng
        out = []
        if not lines:
            return [(0, 0, self.new_lines(["x = 1"]))]
        for _ in range(n * 3):
            if len(out) == n:
                break
            s = rng.randrange(len(lines) + 1)
            kind = rng.random()
            if kind < 0.5:
                e = min(len(lines), s + rng.randint(1, 3))
                new = [self.mutate(l) for l in lines[s:e]] or self.new_lines(lines[-3:])
            elif kind < 0.7:
                e = s
                new = self.new_lines(lines[max(0, s - 3):s + 3])
            elif kind < 0.85:
                e = min(len(lines), s + rng.randint(1, 4))
                new = []
            else:
                e = min(len(lines), s + rng.randint(1, 3))
                new = self.new_lines(lines[s:e]) + [self.mutate(l) for l in lines[s:e]]
            if any(not (e + 7 <= s2 or e2 + 7 <= s) for s2, e2, _ in out):
                continue
            if lines[s:e] == new:
                continue
            out.append((s, e, new))
        return sorted(out)

    @staticmethod
    def apply_hunks(lines, hunks):
        out = list(lines)
        for s, e, new in sorted(hunks, reverse=True):
            out[s:e] = new
        return out

    def block(self, path, search, replace, fence=None):
        fence = fence if fence is not None else self.rng.choice(FENCES)
        return (f"{fence}\n### {path}\n<<<<<<< SEARCH\n" + "\n".join(search)
                + "\n=======\n" + "\n".join(replace) + "\n>>>>>>> REPLACE\n```")

    def hunk_blocks(self, f, hunks, merge=False):
        """(search, replace) line lists reproducing the hunks, with context."""
        rng = self.rng
        lines = f["lines"]
        pairs = []
        groups = [hunks] if merge and hunks else [[h] for h in hunks]
        for group in groups:
            s0, e0 = group[0][0], group[-1][1]
            c1, c2 = rng.randint(0, 3), rng.randint(0, 3)
            if c1 == 0 and c2 == 0 and (s0 == e0) and lines:
                c1 = 1
            a, b = max(0, s0 - c1), min(len(lines), e0 + c2)
            # An empty SEARCH (no line, or one empty line) inserts after every
            # LF of the file: only where meant (kind empty_search).
            while not "".join(lines[a:b]) and (a > 0 or b < len(lines)):
                a, b = (a, b + 1) if b < len(lines) else (a - 1, b)
            search = lines[a:b]
            replace = self.apply_hunks(lines[a:b], [(s - a, e - a, n) for s, e, n in group])
            pairs.append((search, replace))
        return pairs

    # ---- outputs ---------------------------------------------------------
    def thought(self):
        rng = self.rng
        r = rng.random()
        if r < 0.02:
            return rng.choice(["", " ", "\n\t\u3000\x1c\x85 ", "\u2028"])  # empty after strip
        if r < 0.04:
            return rng.choice(["\u200b", "\ufeff", "\u180e"])  # not whitespace
        _, lines = self.window(1, 8)
        return "\n".join(lines).replace("<", "&lt;") or "ok"

    def wrap(self, blocks, thought=None, sep=None):
        rng = self.rng
        if sep is None:
            sep = rng.choice(["\n\n", "\n", "\n\nAnd then:\n", " ", "\n\n\n"])
        body = sep.join(blocks)
        think = self.thought() if thought is None else thought
        pre = rng.choice(["", "", "", "Sure.\n", "  \n"])
        post = rng.choice(["", "", "", "\n", "\nDone.", "<|eot_id|>"])
        return (f"{pre}<think>\n{think}\n</think>\n<solution>\n{body}\n</solution>{post}")

    def model_output(self, files, oracle_hunks, kind=None):
        """A model output of a random kind for the case (files, oracle hunks)."""
        rng = self.rng
        kinds = ["exact"] * 14 + ["merged"] * 3 + [
            "one_off", "one_off", "indent_replace", "indent_search", "partial", "extra_new",
            "extra_edit", "missing_file", "other", "other", "other", "dup_block", "dup_search",
            "empty_search", "same", "tag_count", "empty_think", "missing_fence",
            "missing_replace", "missing_solution_end", "unknown_path", "search_absent",
            "path_trailing", "swallow", "wrong_order", "no_tags", "crlf_output", "odd_replace",
            "astral", "bad_utf8", "think_tags"]
        kind = kind or rng.choice(kinds)
        edited = [f for f in files if oracle_hunks.get(f["path"])]
        pairs_by_file = []
        for f in files:
            h = oracle_hunks.get(f["path"], [])
            if kind == "other" or (not h and kind == "extra_edit"):
                h = self.hunks(f["lines"], rng.randint(1, 2))
            if not h:
                continue
            pairs_by_file.append((f, self.hunk_blocks(f, h, merge=(kind == "merged"))))
        if kind == "missing_file" and len(pairs_by_file) > 1:
            pairs_by_file = pairs_by_file[:1]
        elif kind == "partial":
            pairs_by_file = [(f, ps[: max(1, len(ps) - 1)]) for f, ps in pairs_by_file]
        blocks = []
        for f, pairs in pairs_by_file:
            for search, replace in pairs:
                blocks.append([f["path"], list(search), list(replace)])
        if not blocks:  # nothing to edit: an edit on the first file
            f = files[0]
            for search, replace in self.hunk_blocks(f, self.hunks(f["lines"], 1)):
                blocks.append([f["path"], search, replace])
        if kind == "exact" and rng.random() < 0.3:
            rng.shuffle(blocks)
        target = rng.choice(blocks)
        if kind == "one_off":
            if target[2]:
                k = rng.randrange(len(target[2]))
                target[2][k] = self.mutate(target[2][k])
            else:
                target[2] = ["# removed"]
        elif kind == "indent_replace":
            target[2] = ["\t" + l if rng.random() < 0.5 else "  " + l for l in target[2]]
        elif kind == "indent_search" and target[1]:
            target[1] = [" " + l for l in target[1]]
            target[2] = [" " + l for l in target[2]]
        elif kind == "extra_new":
            blocks.append(["new_%d.py" % rng.randrange(10), [], self.new_lines(None)])
        elif kind == "dup_block":
            blocks.insert(blocks.index(target) + 1, list(target))
        elif kind == "dup_search":
            blocks.insert(blocks.index(target) + 1,
                          [target[0], list(target[1]), [self.mutate(l) for l in target[2]]])
        elif kind == "empty_search":
            small = [f for f in files if len(f["lines"]) <= 15]
            if small:
                f = rng.choice(small)
                blocks.append([f["path"], [], [self.mutate(rng.choice(f["lines"] or ["x"]))]])
            else:
                blocks.append(["fresh.txt", [""], ["content"]])
        elif kind == "same":
            target[2] = list(target[1])
        elif kind == "unknown_path":
            target[0] = "src/not_there_%d.py" % rng.randrange(10)
            if not target[1]:
                target[1] = ["x"]
        elif kind == "search_absent":
            target[1] = target[1] + ["this line is absent %d" % rng.randrange(1000)]
        elif kind == "path_trailing":
            target[0] = target[0] + rng.choice([" ", "\r", "\t", "\u2028", " \r"])
        elif kind == "odd_replace":
            self.sprinkle(target[2], rng.randint(1, 3))
        elif kind == "astral":
            if not target[2]:
                target[2] = [""]
            k = rng.randrange(len(target[2]))
            target[2][k] += rng.choice(ASTRAL) + rng.choice(COMBINING)
        elif kind == "bad_utf8":
            if not target[2]:
                target[2] = [""]
            self.sprinkle(target[2], rng.randint(1, 2), bad=True)
        texts = [self.block(p, s, r) for p, s, r in blocks]
        if kind == "missing_fence":
            k = rng.randrange(len(texts))
            texts[k] = texts[k][:-3]
        elif kind == "missing_replace":
            k = rng.randrange(len(texts))
            texts[k] = texts[k].replace(">>>>>>> REPLACE\n", "", 1)
        elif kind == "swallow":
            first = texts[0][:-rng.choice([3, 4])] if rng.random() < 0.7 else \
                texts[0].replace("\n=======\n", "\n=====\n", 1)
            texts = [first] + texts[1:] + [self.block(*blocks[-1])]
        out = self.wrap(texts, thought=(self.thought_empty() if kind == "empty_think" else None))
        if kind == "tag_count":
            tag = rng.choice(TAGS)
            if rng.random() < 0.5:
                out = out.replace(tag, "", 1)
            else:
                k = rng.randint(0, len(out))
                out = out[:k] + tag + out[k:]
        elif kind == "missing_solution_end":
            out = out.replace("</solution>", "", 1)
        elif kind == "wrong_order":
            body = "\n\n".join(texts)
            think = self.thought()
            if rng.random() < 0.5:  # </think> first: the thought runs to the end
                out = f"</think>\n<think>\n{think}\n<solution>\n{body}\n</solution>"
            else:  # the solution first, then the thought
                out = f"<solution>\n{body}\n</solution>\n<think>\n{think}\n</think>"
        elif kind == "no_tags":
            out = "\n\n".join(texts)
        elif kind == "crlf_output":
            out = out.replace("\n", "\r\n")
        elif kind == "think_tags":
            out = out.replace("</think>", "quoting <solution> here </think>", 1)
        return out

    def thought_empty(self):
        return self.rng.choice(["", " ", "\t\n", "\u3000\x1c\x1d\x1e\x1f\x85\xa0", "\u2028\u2029"])

    # ---- cases -----------------------------------------------------------
    def base(self):
        """Context files and oracle hunks (file dicts with paths made unique)."""
        rng = self.rng
        nfiles = rng.choices([1, 2, 3], [60, 30, 10])[0]
        files, seen = [], set()
        for i in range(nfiles):
            f = self.file(big=(rng.random() < 0.04))
            while f["path"] in seen:
                f["path"] = "d%d/%s" % (rng.randrange(100), f["path"])
            seen.add(f["path"])
            files.append(f)
        oracle_hunks = {}
        for i, f in enumerate(files):
            if i == 0 or rng.random() < 0.5:
                oracle_hunks[f["path"]] = self.hunks(f["lines"], rng.choices([1, 2, 3], [82, 14, 4])[0])
        ctx = {f["path"]: self.join(f["lines"], f["final_nl"]) for f in files}
        oracle = {}
        for f in files:
            h = oracle_hunks.get(f["path"])
            if h:
                fnl = f["final_nl"] if rng.random() < 0.9 else not f["final_nl"]
                oracle[f["path"]] = self.join(self.apply_hunks(f["lines"], h), fnl)
        r = rng.random()
        if r < 0.04:  # the oracle also creates a file
            oracle["added/new_module.py"] = self.join(self.new_lines(None), True)
        elif r < 0.06:  # the oracle changes nothing visible (line ends only)
            f = files[0]
            oracle = {f["path"]: self.join([l + "\r" for l in f["lines"]], f["final_nl"])}
        return files, oracle_hunks, ctx, oracle

    def case(self, cid):
        files, oracle_hunks, ctx, oracle = self.base()
        return {"id": cid, "context": ctx, "oracle": oracle,
                "output": self.model_output(files, oracle_hunks)}

    def group(self, cid, size=16):
        files, oracle_hunks, ctx, oracle = self.base()
        return {"id": cid, "context": ctx, "oracle": oracle,
                "outputs": [self.model_output(files, oracle_hunks) for _ in range(size)]}

    def predicted(self, cid):
        rng = self.rng
        files, oracle_hunks, ctx, oracle = self.base()
        pred = {}
        for f in files:
            r = rng.random()
            lines = f["lines"]
            if r < 0.35 and f["path"] in oracle:
                pred[f["path"]] = oracle[f["path"]]
            elif r < 0.45 and f["path"] in oracle:  # same edit, CRLF line ends
                pred[f["path"]] = oracle[f["path"]].replace("\n", "\r\n")
            elif r < 0.75:
                h = self.hunks(lines, rng.randint(1, 2))
                pred[f["path"]] = self.join(self.apply_hunks(lines, h), rng.random() < 0.8)
            elif r < 0.85:
                pred[f["path"]] = ctx[f["path"]]  # unchanged
        if rng.random() < 0.1:
            pred["brand_new.py"] = self.join(self.new_lines(None), True)
        if rng.random() < 0.05:
            pred["gone.py"] = ""
        return {"id": cid, "context": ctx, "oracle": oracle, "predicted": pred}


# ---- primitives -------------------------------------------------------------
SPEC_RATIOS = [("tide", "diet", False), ("diet", "tide", False), ("abxcd", "abcd", False),
               ("qabxcd", "abycdf", False), ("", "", False), ("", "", True),
               ("a" * 150 + "b" * 100, "b" * 100 + "a" * 150, False),
               ("a" * 150 + "b" * 100, "b" * 100 + "a" * 150, True),
               ("\u00e9", "\u00e8", False), ("\u00c3\u00a9", "\u00c3\u00a8", False),
               ("abc", "", False), ("", "abc", True)]
SPEC_DIFFS = [("a\nb\nc\n", "a\nB\nc\n"), ("", "x\n"), ("x\ny\n", ""), ("a\nb", "a\nb\n"),
              ("a\r\nb\r\n", "a\nb\n"), ("", ""),
              ("x\n" * 150 + "y\n" + "x\n" * 150, "x\n" * 150 + "z\n" + "x\n" * 150),
              ("x\n" * 99 + "y\n" + "x\n" * 99, "x\n" * 99 + "z\n" + "x\n" * 99)]
# Every str.strip whitespace character (CPython 3.11, Unicode 14) and every
# line separator, near-misses, and ordinary characters.
ALL_WHITESPACE = [chr(c) for c in list(range(0x09, 0x0e)) + list(range(0x1c, 0x21))
                  + [0x85, 0xa0, 0x1680] + list(range(0x2000, 0x200b))
                  + [0x2028, 0x2029, 0x202f, 0x205f, 0x3000]]
LINE_CHARS = sorted(set(["a", "b", " ", "x"] + SEPARATORS + ALL_WHITESPACE + NEAR_MISSES
                        + ["\u00e9", "\U0001F600", "\u2007", "\u0301"]))


def primitive_cases(seed, n):
    rng = random.Random(seed)
    out = []
    for a, b, aj in SPEC_RATIOS:
        out.append({"op": "ratio", "a": a, "b": b, "autojunk": aj})
    for old, new in SPEC_DIFFS:
        out.append({"op": "diff", "old": old, "new": new})
    for ch in LINE_CHARS + ["\n\r", "\r\r\n"]:
        for s in (ch, ch * 2, "a" + ch + "b", ch + "a" + ch, "a" + ch):
            out.append({"op": "splitlines", "s": s})
            out.append({"op": "strip", "s": s})

    def rand_str(alphabet, lo, hi):
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))

    alphabets = ["ab", "abc", "abcd", "ab \n", "xy\u00e9\U0001F600\u0301", "abcdefghij"]
    diff_lines = ["x", "y", "z", "", "  x", "a\tb", "}", "\u00e9\U0001F600"]
    seps = ["\n"] * 6 + SEPARATORS
    def at_popularity_threshold(k):
        # k symbols of a large alphabet (each rare) with one symbol repeated
        # exactly len // 100 + 1 times (not popular) or once more (popular):
        # autojunk's threshold, which small alphabets never reach.
        background = [chr(0x4E00 + rng.randrange(4000)) for _ in range(k)]
        ntest = (k + 1) // 100 + 1  # b gets one more element below
        count = ntest + rng.choice([0, 1])
        b = background[: k + 1 - count]
        for _ in range(count):
            b.insert(rng.randint(0, len(b)), "p")
        # a: symbols b lacks, p's, and a few pieces of b, so that whether p
        # may start a match decides the blocks.
        a = []
        while len(a) < rng.randint(5, 60):
            r = rng.random()
            if r < 0.5:
                a.append(chr(0xAC00 + rng.randrange(4000)))
            elif r < 0.85:
                a.append("p")
            else:
                j = rng.randrange(len(b))
                a.extend(b[j : j + rng.randint(1, 4)])
        return a, b

    while len(out) < n:
        r = rng.random()
        if r < 0.08:
            a, b = at_popularity_threshold(rng.randint(199, 420))
            if rng.random() < 0.5:
                out.append({"op": "ratio", "a": "".join(a), "b": "".join(b), "autojunk": True})
            else:
                out.append({"op": "diff", "old": "\n".join(b) + "\n", "new": "\n".join(a) + "\n"})
            continue
        if r < 0.45:
            alpha = rng.choice(alphabets)
            long_ = rng.random() < 0.2
            a = rand_str(alpha, 190, 420) if long_ else rand_str(alpha, 0, 40)
            if rng.random() < 0.5:  # b a mutation of a: long matches and ties
                b = list(a)
                for _ in range(rng.randint(0, 6)):
                    k = rng.randint(0, len(b))
                    op = rng.random()
                    if op < 0.4 and b:
                        del b[min(k, len(b) - 1)]
                    elif op < 0.7:
                        b.insert(k, rng.choice(alpha))
                    elif b:
                        b[min(k, len(b) - 1)] = rng.choice(alpha)
                b = "".join(b)
            else:
                b = rand_str(alpha, 190, 420) if long_ else rand_str(alpha, 0, 40)
            out.append({"op": "ratio", "a": a, "b": b, "autojunk": rng.random() < 0.5})
        elif r < 0.8:
            n_lines = rng.randint(195, 330) if rng.random() < 0.2 else rng.randint(0, 30)
            old = [rng.choice(diff_lines) for _ in range(n_lines)]
            new = list(old)
            for _ in range(rng.randint(0, 5)):
                k = rng.randint(0, len(new))
                op = rng.random()
                if op < 0.35 and new:
                    del new[min(k, len(new) - 1)]
                elif op < 0.7:
                    new.insert(k, rng.choice(diff_lines + ["w", "q"]))
                elif new:
                    new[min(k, len(new) - 1)] = rng.choice(diff_lines + ["w"])

            def join(lines):
                if not lines:
                    return rng.choice(["", "", "\n"])
                s = ""
                for i, l in enumerate(lines):
                    s += l
                    if i < len(lines) - 1 or rng.random() < 0.8:
                        s += rng.choice(seps)
                return s
            out.append({"op": "diff", "old": join(old), "new": join(new)})
        else:
            s = rand_str(LINE_CHARS, 0, 12)
            out.append({"op": rng.choice(["splitlines", "strip"]), "s": s})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--cases", type=int, default=7800)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--predicted", type=int, default=800)
    ap.add_argument("--primitives", action="store_true")
    args = ap.parse_args()
    out = sys.stdout.buffer
    if args.primitives:
        for obj in primitive_cases(args.seed, args.cases):
            out.write(encode_line(obj))
        return 0
    for data in generate(args.seed, args.cases, args.groups, args.predicted):
        out.write(data)
    return 0


def generate(seed, cases, groups, predicted):
    """Encoded lines: single-output cases, groups and general-form cases, mixed."""
    gen = Gen(seed)
    kinds = ["case"] * cases + ["group"] * groups + ["predicted"] * predicted
    random.Random(seed + 1).shuffle(kinds)
    for i, kind in enumerate(kinds):
        # One RNG per line: a line depends only on (seed, i) and the files it
        # picks, so edits elsewhere in lib/ leave it unchanged.
        gen.rng = random.Random("%d:%d" % (seed, i))
        obj = getattr(gen, kind)(i if i % 5 == 0 else "%s-%d" % (kind, i))
        yield encode_line(obj)


if __name__ == "__main__":
    sys.exit(main())

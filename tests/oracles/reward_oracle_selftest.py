#!/usr/bin/env python3
"""Self-test of tests/oracles/reward_oracle.py against the values SPEC section 5
states (5.1 edge cases, 5.2 conformance cases, 5.4 string primitives), and of
its NDJSON command line (shapes, order, errors="replace" decoding).

    python tests/oracles/reward_oracle_selftest.py [-v]
"""
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reward_oracle as ro  # noqa: E402

ORACLE = os.path.join(HERE, "reward_oracle.py")


def reward(ctx, oracle, output):
    return ro.calculate_search_replace_reward(ctx, oracle, output)[0]


def block(path, search, replace, fence="```python"):
    return (f"{fence}\n### {path}\n<<<<<<< SEARCH\n{search}\n=======\n{replace}\n"
            ">>>>>>> REPLACE\n```")


def wrap(*blocks, think="reasoning"):
    return f"<think>\n{think}\n</think>\n<solution>\n" + "\n\n".join(blocks) + "\n</solution>"


def applied(ctx, path, search, replace):
    return ro.apply_code_change(ctx, {path: [(search, replace)]})[path]


# SPEC 5.2 project cases.
CTX = {"a.py": "x = 1\ny = x+1\nprint(y)\n"}
ORACLE_A = {"a.py": "x = 1\ny = x + 1\nprint(y)\n"}

# SPEC 5.2 repository cases: a.py (add/subtract), b.py (sort_list); the oracle
# adds type hints to all three functions.
R_CTX = {
    "a.py": "def add(a, b):\n    return a + b\n\ndef subtract(a, b):\n    return a - b",
    "b.py": "def sort_list(lst):\n    return sorted(lst)",
}
R_ORACLE = {
    "a.py": ("def add(a: int, b: int) -> int:\n    return a + b\n\n"
             "def subtract(a: float, b: float) -> float:\n    return a - b"),
    "b.py": "def sort_list(lst: list[int]) -> list[int]:\n    return sorted(lst)",
}


class ProjectCases(unittest.TestCase):
    def test_exact(self):
        self.assertEqual(reward(CTX, ORACLE_A, wrap(block("a.py", "y = x+1", "y = x + 1"))), 1.0)

    def test_near(self):
        self.assertEqual(reward(CTX, ORACLE_A, wrap(block("a.py", "y = x+1", "y = x+2"))),
                         0.9607843137254902)

    def test_search_ends_mid_line(self):
        self.assertEqual(reward(CTX, ORACLE_A, wrap(block("a.py", "y = x", "y = x "))),
                         0.9902912621359223)

    def test_cr_before_lf(self):
        self.assertEqual(reward(CTX, ORACLE_A, wrap(block("a.py", "y = x+1", "y = x + 1\r"))), 1.0)


class EdgeCases(unittest.TestCase):
    """SPEC 5.1: the oracle edits one line of a.py."""

    def r(self, output):
        return reward(CTX, ORACLE_A, output)

    def test_bare_fence(self):
        self.assertEqual(self.r(wrap(block("a.py", "y = x+1", "y = x + 1", fence="```"))), 1.0)

    def test_minus_one(self):
        good = block("a.py", "y = x+1", "y = x + 1")
        cases = {
            "search absent": wrap(block("a.py", "z = 3", "z = 4")),
            "indentation differs": wrap(block("a.py", "  y = x+1", "  y = x + 1")),
            "path trailing space": wrap(block("a.py ", "y = x+1", "y = x + 1")),
            "search == replace": wrap(block("a.py", "y = x+1", "y = x+1")),
            "whitespace-only think": wrap(good, think=" \t\u3000\n"),
            "tag twice": wrap(good, think="quote </think> here"),
            "no block": wrap("no edits here"),
            "closing fence missing": wrap(good[:-3]),
            "REPLACE missing": wrap(good.replace(">>>>>>> REPLACE\n", "")),
            "</solution> missing": wrap(good).replace("</solution>", ""),
            "identical block repeated": wrap(good, good),
            "no think": wrap(good).replace("<think>", ""),
        }
        for name, output in cases.items():
            with self.subTest(name):
                result = ro.calculate_search_replace_reward(CTX, ORACLE_A, output)
                self.assertEqual(result[0], -1.0)
                self.assertIsNotNone(result[1])
                self.assertEqual(result[2], [])

    def test_scored_normally(self):
        good = block("a.py", "y = x+1", "y = x + 1")
        self.assertEqual(self.r("before " + wrap(good) + " after"), 1.0)
        wrong_order = "</think>\n<think>\nreasoning\n<solution>\n" + good + "\n</solution>"
        self.assertEqual(self.r(wrong_order), 1.0)

    def test_new_file(self):
        good = block("a.py", "y = x+1", "y = x + 1")
        self.assertEqual(self.r(wrap(good, block("b.py", "", "new"))), 0.5)
        self.assertEqual(self.r(wrap(block("b.py", "", "new"))), 0.0)

    def test_apply(self):
        self.assertEqual(applied({"a.py": "x=1\ny=2\n"}, "a.py", "", "# c"), "# cx=1\n# cy=2\n# c")
        self.assertEqual(applied({"a.py": "pass\nx\npass\n"}, "a.py", "pass", "return"),
                         "return\nx\nreturn\n")
        self.assertEqual(applied({"a.py": "  foo(1)\nfoo(2)\n"}, "a.py", "foo", "bar"),
                         "  foo(1)\nbar(2)\n")

    def test_regex_semantics(self):
        # `.` crosses CR, U+2028 and U+2029 (only LF stops it): the fence info
        # string and the path may hold them.
        out = wrap(block("a.py", "y = x+1", "y = x + 1", fence="```py\r\u2028\u2029"))
        self.assertEqual(self.r(out), 1.0)
        parsed = ro.parse_search_replace(block("a\r", "s", "r"))
        self.assertEqual(parsed, {"a\r": [("s", "r")]})
        # A block without its closing fence is swallowed into the next block's
        # REPLACE body.
        broken = block("a.py", "x = 1", "x = 2")[:-3]
        parsed = ro.parse_search_replace(broken + "\n\n" + block("a.py", "y = x+1", "y = 0"))
        self.assertEqual(list(parsed), ["a.py"])
        self.assertEqual(len(parsed["a.py"]), 1)
        self.assertTrue(parsed["a.py"][0][1].endswith("y = 0"))
        # An empty SEARCH is one empty line.
        self.assertEqual(ro.parse_search_replace(block("n.py", "", "z")), {"n.py": [("", "z")]})


class RepositoryCases(unittest.TestCase):
    def test_multifile(self):
        out = ("\n<think>\ndummy\n</think>\n<solution>\n"
               + block("a.py", "def add(a, b):", "def add(a: int, b: int) -> int:", fence="```")
               + "\n\n" + block("a.py", "def subtract(a, b):",
                                "def subtract(a: float, b: float) -> float:")
               + "\n\n" + block("b.py", "def sort_list(lst):",
                                "def sort_list(lst: list[int]) -> list[int]:")
               + "\n</solution>\n")
        self.assertEqual(reward(R_CTX, R_ORACLE, out), 1.0)
        self.assertEqual(ro.extract_thought_solution(out)[0], "dummy")

    def test_zero(self):
        out = "<think>\ndummy\n</think>\n<solution>\n" + block("c.py", "", "# dummy", "```") + \
              "\n</solution>\n"
        self.assertEqual(reward(R_CTX, R_ORACLE, out), 0.0)

    def test_new_file_third(self):
        out = ("<think>\ndummy\n</think>\n<solution>\n"
               + block("c.py", "", "# dummy", "```") + "\n\n"
               + block("c.py", "# dummy", 'print("hello")', "```") + "\n\n"
               + block("b.py", "def sort_list(lst):",
                       "def sort_list(lst: list[int]) -> list[int]:", "```")
               + "\n</solution>\n")
        r, err, sims = ro.calculate_search_replace_reward(R_CTX, R_ORACLE, out)
        self.assertIsNone(err)
        self.assertEqual(r, 1 / 3)
        self.assertEqual([p for p, _ in sims], ["a.py", "b.py", "c.py"])
        self.assertEqual([s for _, s in sims], [0.0, 1.0, 0.0])

    def test_failed_parse(self):
        out1 = "\n<think>\ndummy\n</think>\n<solution>\n"
        out2 = ("\n<think>\ndummy\n</think>\n<solution>\n```\n### a.py\n<<<<<<< SEARCH\n"
                "return a + b\n=======\nreturn a - b\n```\n</solution>")
        for out in (out1, out2):
            self.assertEqual(reward(R_CTX, R_ORACLE, out), -1.0)

    def test_empty_union(self):
        # The oracle changes nothing and the prediction only rewrites line ends.
        r, err, sims = ro.calculate_search_replace_reward(
            CTX, dict(CTX), wrap(block("a.py", "x = 1", "x = 1\r")))
        self.assertEqual((r, err, sims), (1.0, None, []))
        self.assertEqual(ro.calculate_reward(CTX, CTX, {}), (1.0, []))


class Primitives(unittest.TestCase):
    def diff(self, old, new):
        return ro.primitive({"op": "diff", "old": old, "new": new})["diff"]

    def ratio(self, a, b, autojunk=False):
        return ro.primitive({"op": "ratio", "a": a, "b": b, "autojunk": autojunk})["ratio"]

    def test_diff(self):
        self.assertEqual(self.diff("a\nb\nc\n", "a\nB\nc\n"), "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c")
        self.assertEqual(self.diff("", "x\n"), "@@ -0,0 +1 @@\n+x")
        self.assertEqual(self.diff("x\ny\n", ""), "@@ -1,2 +0,0 @@\n-x\n-y")
        self.assertEqual(self.diff("a\nb", "a\nb\n"), "")
        self.assertEqual(self.diff("a\r\nb\r\n", "a\nb\n"), "")

    def test_diff_autojunk(self):
        old = "x\n" * 150 + "y\n" + "x\n" * 150
        d = self.diff(old, old.replace("y", "z"))
        self.assertTrue(d.startswith("@@ -148,154 +148,154 @@\n"), d[:40])
        self.assertEqual(len(d.split("\n")), 306)
        old = "x\n" * 99 + "y\n" + "x\n" * 99
        self.assertTrue(self.diff(old, old.replace("y", "z")).startswith("@@ -97,7 +97,7 @@\n"))

    def test_ratio(self):
        self.assertEqual(self.ratio("tide", "diet"), 0.25)
        self.assertEqual(self.ratio("diet", "tide"), 0.5)
        self.assertEqual(self.ratio("abxcd", "abcd"), 0.8888888888888888)
        self.assertEqual(self.ratio("qabxcd", "abycdf"), 0.6666666666666666)
        self.assertEqual(self.ratio("", ""), 1.0)
        a, b = "a" * 150 + "b" * 100, "b" * 100 + "a" * 150
        self.assertEqual(self.ratio(a, b, False), 0.6)
        self.assertEqual(self.ratio(a, b, True), 0.0)
        self.assertEqual(self.ratio("\u00e9", "\u00e8"), 0.0)
        self.assertEqual(self.ratio("\u00e9".encode().decode("latin-1"),
                                    "\u00e8".encode().decode("latin-1")), 0.5)
        blocks = ro.primitive({"op": "ratio", "a": "abxcd", "b": "abcd", "autojunk": True})
        self.assertEqual(blocks["blocks"], [[0, 0, 2], [3, 2, 2], [5, 4, 0]])

    SEPARATORS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
                  + "".join(chr(c) for c in range(0x2000, 0x200b)) + "\u2028\u2029\u202f\u205f\u3000")

    def test_splitlines(self):
        for sep in self.SEPARATORS:
            self.assertEqual(ro.primitive({"op": "splitlines", "s": f"a{sep}b{sep}"})["lines"],
                             ["a", "b"], repr(sep))
        self.assertEqual("a\r\nb".splitlines(), ["a", "b"])
        self.assertEqual("".splitlines(), [])
        self.assertEqual("\n".splitlines(), [""])
        for c in "\x1f\t \xa0\u200b\u180e\ufeff\u2007":
            self.assertEqual(f"a{c}b".splitlines(), [f"a{c}b"], repr(c))

    def test_strip(self):
        for c in self.WHITESPACE:
            self.assertEqual(ro.primitive({"op": "strip", "s": f"{c}a{c}"})["s"], "a", repr(c))
        ws = [chr(c) for c in range(0x110000) if chr(c).isspace()]
        self.assertEqual("".join(ws), self.WHITESPACE)
        for c in "\u200b\u180e\ufeff\x00":
            self.assertEqual(f"{c}a{c}".strip(), f"{c}a{c}", repr(c))


class CommandLine(unittest.TestCase):
    def run_oracle(self, data, *args):
        proc = subprocess.run([sys.executable, ORACLE, *args], input=data,
                              stdout=subprocess.PIPE, check=True)
        return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]

    def test_shapes(self):
        good = wrap(block("a.py", "y = x+1", "y = x + 1"))
        lines = [
            {"id": 1, "context": CTX, "oracle": ORACLE_A, "output": good},
            {"id": "g", "context": CTX, "oracle": ORACLE_A, "outputs": [good, "junk"]},
            {"id": [3], "context": CTX, "oracle": ORACLE_A,
             "predicted": {"a.py": "x = 1\ny = x+2\nprint(y)"}},
        ]
        data = "".join(json.dumps(x) + "\n" for x in lines).encode()
        out = self.run_oracle(data)
        self.assertEqual(out[0], {"id": 1, "reward": 1.0, "error": None,
                                  "files": [{"path": "a.py", "similarity": 1.0}]})
        self.assertEqual(out[1]["id"], "g")
        self.assertEqual(out[1]["results"][0]["reward"], 1.0)
        self.assertEqual(out[1]["results"][1]["reward"], -1.0)
        self.assertIsNotNone(out[1]["results"][1]["error"])
        self.assertEqual(out[1]["results"][1]["files"], [])
        self.assertEqual(out[2]["id"], [3])
        self.assertEqual(out[2]["reward"], 0.9607843137254902)
        self.assertIsNone(out[2]["error"])

    def test_invalid_utf8(self):
        # E2 82 -> one U+FFFD, ED A0 80 -> three (maximal invalid subparts).
        ctx = json.dumps({"a.py": "x = 1\ny = @\n"}).encode().replace(b"@", b"\xe2\x82")
        orc = json.dumps({"a.py": "x = 1\ny = @!\n"}).encode().replace(b"@", b"\xed\xa0\x80")
        out_text = wrap(block("a.py", "y = \ufffd", "y = \ufffd\ufffd\ufffd!"))
        line = (b'{"id": 7, "context": ' + ctx + b', "oracle": ' + orc + b', "output": '
                + json.dumps(out_text).encode() + b"}\n")
        out = self.run_oracle(line)
        self.assertEqual(out[0]["reward"], 1.0)

    def test_primitives_cli(self):
        data = (json.dumps({"op": "ratio", "a": "tide", "b": "diet", "autojunk": False}) + "\n"
                + json.dumps({"op": "strip", "s": "\u3000x\x85"}) + "\n").encode()
        out = self.run_oracle(data, "--primitives")
        self.assertEqual(out, [{"ratio": 0.25, "blocks": [[0, 3, 1], [4, 4, 0]]}, {"s": "x"}])


if __name__ == "__main__":
    argv = [a for a in sys.argv if not a.startswith("--swerl")]
    unittest.main(argv=argv)

#!/usr/bin/env python3
"""`swerl export --format hf|verl` read back by the libraries other trainers
use (issue 22): every field of every row, loaded with pyarrow and with
Hugging Face `datasets`, equals the seed it came from, as `swerl export
--ndjson` writes it and as the shard stores it (sqlite3) — exactly.

On the demo's world (demo_store.py): the demo's shard (its 14 seeds) and
every assembled instance (--all: bots, docs-only, contaminated ones, deleted
and added files). Also: the shard round trip (--seeds gives the store's
records back), verl's prompt equal to the shard's system_prompt and prompt
(what swerl-train feeds), the ground truth equal to the context and oracle
`swerl reward` takes, the file metadata, the held-out split (the trainer's
rule, recomputed here), empty exports, the --out rules, and byte-identical
files from identical runs.

    export_formats_test.py --swerl BIN [--keep DIR] [--store STORE]
"""
import argparse
import datasets
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from fractions import Fraction

import pyarrow.parquet as pq

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import demo_store  # noqa: E402

HF_COLUMNS = [
    "repo", "instance_id", "base_commit", "patch", "test_patch", "problem_statement",
    "hints_text", "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS",
    "environment_setup_commit",
    "repo_id", "pull_number", "pr_base_sha", "head_commit", "merged_at", "license", "title",
    "body", "author", "author_type", "issues", "stripped", "files", "context", "oracle",
    "relevant_files", "prompt", "controls", "utf8_repaired", "split",
]
VERL_COLUMNS = ["data_source", "prompt", "ability", "reward_model", "extra_info"]

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def records(ndjson):
    return [json.loads(line) for line in ndjson.decode("utf-8").splitlines()]


def is_eval(instance_id, fraction):
    """shard::IsEvalSeed: the first 8 bytes of sha256(instance_id) below f * 2^64."""
    if not fraction > 0:
        return False
    if fraction >= 1:
        return True
    x = int(hashlib.sha256(instance_id.encode("utf-8")).hexdigest()[:16], 16)
    return x < Fraction(fraction) * 2 ** 64


def hf_row(r, fraction=0.0):
    """The hf row schemas/export_hf.md promises for seed record r."""
    return {
        "repo": r["repo"], "instance_id": r["instance_id"], "base_commit": r["base_commit"],
        "patch": r["patch"], "test_patch": r["test_patch"],
        "problem_statement": r["problem_statement"], "hints_text": "",
        "created_at": r["created_at"], "version": "", "FAIL_TO_PASS": "[]",
        "PASS_TO_PASS": "[]", "environment_setup_commit": "",
        "repo_id": r["repo_id"], "pull_number": r["pull_number"],
        "pr_base_sha": r["pr_base_sha"], "head_commit": r["head_commit"],
        "merged_at": r["merged_at"], "license": r.get("license", ""), "title": r["title"],
        "body": r["body"], "author": r["author"], "author_type": r["author_type"],
        "issues": [{"repo": i["repo"], "number": i["number"], "closing": i["closing"],
                    "title": i["title"], "body": i["body"],
                    "created_at": i.get("created_at", "")} for i in r["issues"]],
        "stripped": [{"kind": s["kind"], "text": s["text"]} for s in r.get("stripped", [])],
        "files": [{k: f[k] for k in ("path", "old_path", "status", "is_test", "binary", "skip",
                                     "added_lines", "deleted_lines")} for f in r["files"]],
        "context": [{"path": p, "content": c} for p, c in r["context"].items()],
        "oracle": [{"path": p, "content": c} for p, c in r["oracle"].items()],
        "relevant_files": r["relevant_files"], "prompt": r["prompt"],
        "controls": [{"name": k, "reward": v} for k, v in r.get("controls", {}).items()],
        "utf8_repaired": r["utf8_repaired"],
        "split": "eval" if is_eval(r["instance_id"], fraction) else "train",
    }


def verl_row(r, index, system, fraction=0.0, data_source="swerl"):
    """The verl row schemas/export_verl.md promises for seed record r."""
    truth = json.dumps({"context": r["context"], "oracle": r["oracle"]}, ensure_ascii=False,
                       separators=(",", ":"))
    return {
        "data_source": data_source.replace("{repo}", r["repo"]),
        "prompt": [{"role": "system", "content": system}, {"role": "user", "content": r["prompt"]}],
        "ability": "swe",
        "reward_model": {"style": "rule", "ground_truth": truth},
        "extra_info": {"index": index,
                       "split": "eval" if is_eval(r["instance_id"], fraction) else "train",
                       "instance_id": r["instance_id"], "repo": r["repo"],
                       "pull_number": r["pull_number"], "base_commit": r["base_commit"],
                       "created_at": r["created_at"], "license": r.get("license", "")},
    }


def same(a, b):
    """Equal values with equal key order at every level (dicts compare
    unordered in Python; the files promise an order)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


def first_difference(a, b, path="row"):
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return "%s: keys %s vs %s" % (path, list(a), list(b))
        for k in a:
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return "%s: %d vs %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if type(a) is not type(b) or a != b:
        return "%s: %r vs %r" % (path, str(a)[:80], str(b)[:80])
    return None


def compare_rows(name, path, expected, columns):
    """pyarrow and datasets read `path`; every row must equal `expected`."""
    table = pq.read_table(path)
    check(table.column_names == columns, "%s: columns %s" % (name, table.column_names))
    got = table.to_pylist()
    check(len(got) == len(expected), "%s: %d rows, expected %d" % (name, len(got), len(expected)))
    bad = [first_difference(g, e) for g, e in zip(got, expected)]
    bad = [d for d in bad if d]
    check(not bad, "%s (pyarrow): %d rows differ, first: %s" % (name, len(bad), bad[:1]))
    if expected:
        ds = datasets.Dataset.from_parquet(path,
                                           cache_dir=os.path.join(os.path.dirname(path), "hf"))
    else:
        # datasets' loaders refuse a file without rows ("corresponds to no
        # data", a pyarrow-written one too): read the table as it is.
        ds = datasets.Dataset(table)
    check(ds.column_names == columns, "%s: datasets columns %s" % (name, ds.column_names))
    check(len(ds) == len(expected), "%s: datasets %d rows" % (name, len(ds)))
    bad = [first_difference(dict(g), e) for g, e in zip(ds, expected)]
    bad = [d for d in bad if d]
    check(not bad, "%s (datasets): %d rows differ, first: %s" % (name, len(bad), bad[:1]))
    print("%s: %d rows, %d columns equal through pyarrow and datasets (%d row groups)" % (
        name, len(got), len(columns), pq.ParquetFile(path).num_row_groups))
    return table


def swerl_run(swerl, args, expect=0, env=None):
    p = subprocess.run([swerl] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, **(env or {})))
    err = p.stderr.decode("utf-8", "replace")
    check(p.returncode == expect, "swerl %s: exit %d, expected %d: %s" % (
        " ".join(args), p.returncode, expect, err))
    return p.stdout, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--keep", help="work in this directory and leave it")
    ap.add_argument("--store", help="the demo's store, made by demo_store.py (default: made here)")
    args = ap.parse_args()
    swerl = args.swerl
    work = args.keep or tempfile.mkdtemp(prefix="swerl-export-formats-")
    os.makedirs(work, exist_ok=True)
    try:
        db = os.path.abspath(args.store) if args.store else demo_store.make_store(swerl, work)
        j = lambda *p: os.path.join(work, *p)  # noqa: E731

        # The demo's shard, and its seeds as the store gives them.
        shard_ndjson, _ = swerl_run(swerl, ["export", "-q", "--db", db, "--out", j("shard.db"),
                                            "--ndjson"])
        seeds = records(shard_ndjson)
        check(len(seeds) >= 10, "the demo shard has %d seeds" % len(seeds))
        # The shard round trip: its seeds, read back, are the store's records.
        again, _ = swerl_run(swerl, ["export", "-q", "--seeds", j("shard.db"), "--ndjson"])
        check(again == shard_ndjson, "export --seeds --ndjson differs from the store's records")

        con = sqlite3.connect(j("shard.db"))
        system = con.execute("SELECT value FROM meta WHERE key = 'system_prompt'").fetchone()[0]
        shard_prompts = dict(con.execute("SELECT instance_id, prompt FROM seeds"))
        con.close()
        with open(os.path.join(demo_store.ROOT, "data", "prompts", "thinking_system.txt"),
                  encoding="utf-8") as f:
            check(system == f.read(), "the shard's system_prompt is not thinking_system.txt")

        # hf and verl from the shard and from the store: the same rows.
        for src in (["--seeds", j("shard.db")], ["--db", db]):
            tag = "shard" if src[0] == "--seeds" else "store"
            swerl_run(swerl, ["export", "-q"] + src + ["--format", "hf", "--out",
                                                       j("hf-%s.parquet" % tag)])
            swerl_run(swerl, ["export", "-q"] + src + ["--format", "verl", "--out",
                                                       j("verl-%s.parquet" % tag)])
            compare_rows("hf from the %s" % tag, j("hf-%s.parquet" % tag),
                         [hf_row(r) for r in seeds], HF_COLUMNS)
            table = compare_rows("verl from the %s" % tag, j("verl-%s.parquet" % tag),
                                 [verl_row(r, i, system) for i, r in enumerate(seeds)],
                                 VERL_COLUMNS)
            # What swerl-train feeds: the shard's system_prompt and prompt.
            for row in table.to_pylist():
                messages = row["prompt"]
                check(messages[0]["content"] == system and
                      messages[1]["content"] == shard_prompts[row["extra_info"]["instance_id"]],
                      "verl prompt of %s is not the shard's" % row["extra_info"]["instance_id"])
                truth = json.loads(row["reward_model"]["ground_truth"])
                check(list(truth) == ["context", "oracle"], "ground truth keys")

        # Metadata: format, schema version, system prompt, provenance.
        meta = pq.read_metadata(j("verl-shard.parquet")).metadata
        want = {b"swerl.format": b"verl", b"swerl.schema_version": b"1",
                b"swerl.system_prompt": system.encode("utf-8"),
                b"swerl.source": j("shard.db").encode(),
                # a shard records its store by file name only (schemas/shard.md)
                b"swerl.store": os.path.basename(db).encode(),
                b"swerl.selection": b"kept by swerl filter --db", b"swerl.where": b"",
                b"swerl.patch_format": b"swerl", b"swerl.eval_fraction": b"0.0",
                b"swerl.split": b"all", b"swerl.data_source": b"swerl"}
        for k, v in want.items():
            check(meta.get(k) == v, "verl metadata %s = %r, expected %r" % (k, meta.get(k), v))
        meta = pq.read_metadata(j("hf-store.parquet")).metadata
        check(meta.get(b"swerl.format") == b"hf" and meta.get(b"swerl.source") == db.encode(),
              "hf metadata: %r" % {k: v[:40] for k, v in meta.items()})

        # Every assembled instance, with NDJSON from the same run.
        all_ndjson, err = swerl_run(swerl, ["export", "--db", db, "--all", "--ndjson", "--format",
                                            "hf", "--out", j("hf-all.parquet")])
        every = records(all_ndjson)
        check(len(every) > len(seeds), "--all gives %d seeds" % len(every))
        check("(hf, %d rows in 1 row groups)" % len(every) in err, "summary: " + err)
        compare_rows("hf of every instance", j("hf-all.parquet"), [hf_row(r) for r in every],
                     HF_COLUMNS)
        check(any(r["stripped"] for r in every), "no seed with stripped text")

        # The split: --eval-fraction names it, --split keeps one side.
        frac = "0.4"
        swerl_run(swerl, ["export", "-q", "--seeds", j("shard.db"), "--format", "verl",
                          "--eval-fraction", frac, "--data-source", "swerl/{repo}", "--out",
                          j("verl-split.parquet")])
        compare_rows("verl with --eval-fraction and --data-source", j("verl-split.parquet"),
                     [verl_row(r, i, system, 0.4, "swerl/{repo}") for i, r in enumerate(seeds)],
                     VERL_COLUMNS)
        sides = {}
        for side in ("train", "eval"):
            _, err = swerl_run(swerl, ["export", "--seeds", j("shard.db"), "--format", "hf",
                                       "--eval-fraction", frac, "--split", side, "--out",
                                       j("hf-%s.parquet" % side)])
            part = [r for r in seeds if is_eval(r["instance_id"], 0.4) == (side == "eval")]
            compare_rows("hf --split " + side, j("hf-%s.parquet" % side),
                         [hf_row(r, 0.4) for r in part], HF_COLUMNS)
            sides[side] = part
            check("%d exported" % len(part) in err, "split summary: " + err)
        check(sides["train"] and sides["eval"], "a side of the split is empty: change frac")

        # Empty exports: a schema and no rows, from the store and a shard.
        swerl_run(swerl, ["export", "-q", "--db", db, "--where", "0", "--out", j("empty.db")])
        for fmt, columns in (("hf", HF_COLUMNS), ("verl", VERL_COLUMNS)):
            for src, tag in ((["--db", db, "--where", "0"], "store"),
                             (["--seeds", j("empty.db")], "shard")):
                out = j("empty-%s-%s.parquet" % (fmt, tag))
                swerl_run(swerl, ["export", "-q"] + src + ["--format", fmt, "--out", out])
                compare_rows("empty %s from a %s" % (fmt, tag), out, [], columns)
                check(pq.read_schema(out).equals(pq.read_schema(j("%s-shard.parquet" % fmt))),
                      "empty %s has another schema" % fmt)

        # Same input, same bytes: other runs, other --out names, any -j.
        for fmt in ("hf", "verl"):
            for jobs in ("1", "3"):
                again = j("again-%s-j%s.parquet" % (fmt, jobs))
                swerl_run(swerl, ["export", "-q", "--seeds", j("shard.db"), "--format", fmt,
                                  "-j", jobs, "--out", again])
                with open(j("%s-shard.parquet" % fmt), "rb") as a, open(again, "rb") as b:
                    check(a.read() == b.read(), "%s -j %s: other bytes than the first run" % (
                        fmt, jobs))

        # --out rules.
        hf = j("hf-shard.parquet")
        _, err = swerl_run(swerl, ["export", "--seeds", j("shard.db"), "--format", "hf", "--out",
                                   hf], expect=2)
        check("exists (a Parquet file): pass --force to replace it" in err, err)
        swerl_run(swerl, ["export", "-q", "--seeds", j("shard.db"), "--format", "hf", "--out", hf,
                          "--force"])
        for victim, what in ((j("shard.db"), "is a swerl shard"), (db, "is a swerl store")):
            before = open(victim, "rb").read()
            _, err = swerl_run(swerl, ["export", "--seeds", j("empty.db"), "--format", "verl",
                                       "--out", victim, "--force"], expect=2)
            check(what + ": refusing to replace it with --format verl, even with --force" in err,
                  err)
            check(open(victim, "rb").read() == before, victim + " changed")
        with open(j("notes.txt"), "w") as f:
            f.write("not a dataset\n")
        _, err = swerl_run(swerl, ["export", "--seeds", j("shard.db"), "--format", "hf", "--out",
                                   j("notes.txt"), "--force"], expect=2)
        check("neither an SQLite database nor a Parquet file" in err, err)
        _, err = swerl_run(swerl, ["export", "--seeds", j("shard.db"), "--out", hf, "--force"],
                           expect=2)  # a shard over a Parquet file
        check("is a Parquet file: refusing to replace it with a shard" in err, err)
        open(j("empty.parquet"), "w").close()
        swerl_run(swerl, ["export", "-q", "--seeds", j("shard.db"), "--format", "hf", "--out",
                          j("empty.parquet"), "--force"])
        check(pq.read_table(j("empty.parquet")).num_rows == len(seeds), "empty file replaced")
        for bad, message in (
                (["--seeds", j("shard.db"), "--format", "hf", "--ndjson"],
                 "--format hf needs --out FILE"),
                (["--seeds", j("shard.db"), "--all", "--ndjson"], "--all selects from a store"),
                (["--seeds", j("shard.db"), "--db", db, "--ndjson"], "give --db STORE or --seeds"),
                (["--ndjson"], "give --db STORE or --seeds"),
                (["--db", db, "--format", "hf", "--data-source", "x", "--out", j("x.parquet")],
                 "--data-source is for --format verl"),
                (["--seeds", db, "--ndjson"], "is a swerl store, not a shard"),
                (["--seeds", j("shard.db"), "--eval-fraction", "1.5", "--ndjson"], "1.5")):
            _, err = swerl_run(swerl, ["export"] + bad, expect=2)
            check(message in err, "%s: %s" % (bad, err))
        check(not os.path.exists(j("x.parquet")), "a refused run left x.parquet")
        # A shard without its system prompt gives no verl rows (swerl-train
        # refuses it too).
        shutil.copy(j("shard.db"), j("nosystem.db"))
        con = sqlite3.connect(j("nosystem.db"))
        con.execute("DELETE FROM meta WHERE key = 'system_prompt'")
        con.commit()
        con.close()
        _, err = swerl_run(swerl, ["export", "--seeds", j("nosystem.db"), "--format", "verl",
                                   "--out", j("x.parquet")], expect=2)
        check("has no system_prompt" in err, err)
        # Without the Parquet plugin: exit 2, saying where it looked.
        _, err = swerl_run(swerl, ["export", "--seeds", j("shard.db"), "--format", "verl",
                                   "--out", j("x.parquet")], expect=2,
                           env={"SWERL_PARQUET_PLUGIN": j("no-such-plugin.so")})
        check("cannot load swerl's Parquet writer" in err and "no-such-plugin.so" in err, err)
        check(not os.path.exists(j("x.parquet")), "a failed run left x.parquet")
        leftovers = [n for n in os.listdir(work) if ".tmp-" in n]
        check(not leftovers, "temporary files left: %s" % leftovers)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print("%d checks failed" % len(FAILURES), file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

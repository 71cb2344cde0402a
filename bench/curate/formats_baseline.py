#!/usr/bin/env python3
"""The baseline for `swerl export --format hf|verl`: the same Parquet file
written with pyarrow from the seeds' NDJSON (`swerl export --ndjson`), as a
user would script it (bench/curate/README.md, "Parquet for other trainers").

It reads every record with json.loads, builds the rows of
schemas/export_hf.md or schemas/export_verl.md, and writes them with
pyarrow.parquet in swerl's layout: the same schema (non-nullable columns),
zstd, no dictionary for the long texts, a row group per 1,000 rows or 16 MiB
of text. `--check SWERL_FILE` then compares its table with swerl's, value by
value (and the metadata pyarrow and swerl both write).

    formats_baseline.py hf|verl SEEDS.ndjson OUT.parquet --system-prompt FILE
                        [--check SWERL.parquet]
"""
import argparse
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
ap.add_argument("format", choices=("hf", "verl"))
ap.add_argument("seeds")
ap.add_argument("out")
ap.add_argument("--system-prompt", required=True, help="data/prompts/thinking_system.txt")
ap.add_argument("--check")
args = ap.parse_args()

S, I, B = pa.string(), pa.int64(), pa.bool_()


def req(name, t):
    return pa.field(name, t, nullable=False)


def list_of(t):
    return pa.list_(req("item", t))


def struct(*fields):
    return pa.struct([req(n, t) for n, t in fields])


FILES = list_of(struct(("path", S), ("content", S)))
HF = pa.schema([req(n, t) for n, t in [
    ("repo", S), ("instance_id", S), ("base_commit", S), ("patch", S), ("test_patch", S),
    ("problem_statement", S), ("hints_text", S), ("created_at", S), ("version", S),
    ("FAIL_TO_PASS", S), ("PASS_TO_PASS", S), ("environment_setup_commit", S),
    ("repo_id", I), ("pull_number", I), ("pr_base_sha", S), ("head_commit", S),
    ("merged_at", S), ("license", S), ("title", S), ("body", S), ("author", S),
    ("author_type", S),
    ("issues", list_of(struct(("repo", S), ("number", I), ("closing", B), ("title", S),
                              ("body", S), ("created_at", S)))),
    ("stripped", list_of(struct(("kind", S), ("text", S)))),
    ("files", list_of(struct(("path", S), ("old_path", S), ("status", S), ("is_test", B),
                             ("binary", B), ("skip", S), ("added_lines", I),
                             ("deleted_lines", I)))),
    ("context", FILES), ("oracle", FILES), ("relevant_files", list_of(S)), ("prompt", S),
    ("controls", list_of(struct(("name", S), ("reward", pa.float64())))),
    ("utf8_repaired", B), ("split", S)]])
HF_PLAIN = ["patch", "test_patch", "problem_statement", "body", "issues.list.element.body",
            "context.list.element.content", "oracle.list.element.content", "prompt"]
VERL = pa.schema([
    req("data_source", S), req("prompt", list_of(struct(("role", S), ("content", S)))),
    req("ability", S), req("reward_model", struct(("style", S), ("ground_truth", S))),
    req("extra_info", struct(("index", I), ("split", S), ("instance_id", S), ("repo", S),
                             ("pull_number", I), ("base_commit", S), ("created_at", S),
                             ("license", S)))])
VERL_PLAIN = ["prompt.list.element.content", "reward_model.ground_truth"]


def leaves(schema):
    """Parquet's dotted leaf paths of a schema (lists as .list.element)."""
    out = []

    def walk(t, path):
        if pa.types.is_list(t):
            walk(t.value_type, path + ".list.element")
        elif pa.types.is_struct(t):
            for f in t:
                walk(f.type, path + "." + f.name)
        else:
            out.append(path)
    for f in schema:
        walk(f.type, f.name)
    return out


def hf_row(r):
    return {
        "repo": r["repo"], "instance_id": r["instance_id"], "base_commit": r["base_commit"],
        "patch": r["patch"], "test_patch": r["test_patch"],
        "problem_statement": r["problem_statement"], "hints_text": "",
        "created_at": r["created_at"], "version": "", "FAIL_TO_PASS": "[]",
        "PASS_TO_PASS": "[]", "environment_setup_commit": "", "repo_id": r["repo_id"],
        "pull_number": r["pull_number"], "pr_base_sha": r["pr_base_sha"],
        "head_commit": r["head_commit"], "merged_at": r["merged_at"],
        "license": r.get("license", ""), "title": r["title"], "body": r["body"],
        "author": r["author"], "author_type": r["author_type"],
        "issues": [dict(i, created_at=i.get("created_at", "")) for i in r["issues"]],
        "stripped": r.get("stripped", []), "files": r["files"],
        "context": [{"path": p, "content": c} for p, c in r["context"].items()],
        "oracle": [{"path": p, "content": c} for p, c in r["oracle"].items()],
        "relevant_files": r["relevant_files"], "prompt": r["prompt"],
        "controls": [{"name": k, "reward": v} for k, v in r.get("controls", {}).items()],
        "utf8_repaired": r["utf8_repaired"], "split": "train",
    }, len(r["prompt"]) * 3  # text bytes, near enough to swerl's count for row groups


def verl_row(r, index, system):
    truth = json.dumps({"context": r["context"], "oracle": r["oracle"]}, ensure_ascii=False,
                       separators=(",", ":"))
    return {
        "data_source": "swerl",
        "prompt": [{"role": "system", "content": system}, {"role": "user", "content": r["prompt"]}],
        "ability": "swe",
        "reward_model": {"style": "rule", "ground_truth": truth},
        "extra_info": {"index": index, "split": "train", "instance_id": r["instance_id"],
                       "repo": r["repo"], "pull_number": r["pull_number"],
                       "base_commit": r["base_commit"], "created_at": r["created_at"],
                       "license": r.get("license", "")},
    }, len(truth) + len(r["prompt"])


def main():
    with open(args.system_prompt, encoding="utf-8") as f:
        system = f.read()
    schema, plain = (HF, HF_PLAIN) if args.format == "hf" else (VERL, VERL_PLAIN)
    writer = pq.ParquetWriter(args.out, schema, compression="zstd",
                              use_dictionary=[p for p in leaves(schema) if p not in plain],
                              store_schema=True)
    rows, text, n = [], 0, 0

    def flush():
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema), row_group_size=len(rows))
            rows.clear()
    with open(args.seeds, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            row, size = hf_row(r) if args.format == "hf" else verl_row(r, n, system)
            rows.append(row)
            text += size
            n += 1
            if len(rows) >= 1000 or text >= 16 << 20:
                flush()
                text = 0
    flush()
    writer.close()
    if args.check:
        mine, theirs = pq.read_table(args.out), pq.read_table(args.check)
        if not mine.equals(theirs, check_metadata=False):
            sys.exit("formats_baseline: %s differs from %s" % (args.out, args.check))
    print("rows %d" % n, file=sys.stderr)


main()

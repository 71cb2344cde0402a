#!/usr/bin/env python3
"""Builds data/benchmarks/instances.jsonl.zst, the compact benchmark instance
list that `swerl filter` compiles in for instance-level and near-duplicate
decontamination, from the raw lists in shared/fixtures/benchmarks/ (their
provenance: that directory's SOURCES.md, summarised in data/benchmarks/README.md).

  scripts/benchmarks_data.py SOURCE_DIR OUT.jsonl.zst

One line per distinct instance_id, sorted by it, keys in this order:
  instance_id, benchmarks (sorted list of the benchmarks that hold it), repo,
  pull_number (0: the source has none), created_at ("" when unknown),
  problem_statement ("" when the source has no text), patch_lines (only the
  '+'/'-' lines of the patch, without the '+++'/'---' headers: all the
  near-duplicate detector reads; "" when the source has no patch).
The output is deterministic (sorted, zstd -19 of fixed bytes)."""
import json
import subprocess
import sys
from pathlib import Path

FILES = [
    "swe-bench.jsonl.zst", "swe-bench-lite.jsonl", "swe-bench-verified.jsonl",
    "swe-bench-multilingual.jsonl", "multi-swe-bench.jsonl.zst",
    "multi-swe-bench-mini.jsonl.zst", "swe-bench-pro-public.jsonl",
]


def read(path: Path) -> list[dict]:
    data = (subprocess.run(["zstd", "-dc", str(path)], check=True, capture_output=True).stdout
            if path.suffix == ".zst" else path.read_bytes())
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


def changed_lines(patch: str) -> str:
    out = []
    for line in patch.split("\n"):
        if line.startswith("+++ ") or line.startswith("--- "):
            continue
        if line.startswith("+") or line.startswith("-"):
            out.append(line)
    return "\n".join(out)


def main() -> int:
    src, out = Path(sys.argv[1]), Path(sys.argv[2])
    merged: dict[str, dict] = {}
    for name in FILES:
        for row in read(src / name):
            m = merged.setdefault(row["instance_id"], {
                "instance_id": row["instance_id"], "benchmarks": set(), "repo": row["repo"],
                "pull_number": 0, "created_at": "", "problem_statement": "", "patch_lines": ""})
            m["benchmarks"].add(row["benchmark"])
            if row["repo"].lower() != m["repo"].lower():
                raise SystemExit(f"{name}: {row['instance_id']}: repo differs")
            for key, value in (("pull_number", row.get("pull_number", 0)),
                               ("created_at", row.get("created_at", "")),
                               ("problem_statement", row.get("problem_statement", "")),
                               ("patch_lines", changed_lines(row.get("patch", "")))):
                if value and not m[key]:
                    m[key] = value
    lines = []
    for iid in sorted(merged):
        m = merged[iid]
        m["benchmarks"] = sorted(m["benchmarks"])
        lines.append(json.dumps(m, ensure_ascii=False))
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    packed = subprocess.run(["zstd", "-19", "-q", "-c", "--no-check"], input=raw, check=True,
                            capture_output=True).stdout
    out.write_bytes(packed)
    print(f"{len(lines)} instances, {len(raw)} bytes, {len(packed)} compressed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz/safetensors_fuzz.cc.

tests/fuzz/corpus/safetensors/ gets every hand-made case of st_cases (named
after it), the valid seed files, and mutations of the seeds that
safetensors 0.8.0 accepts (the interesting side for the round-trip
invariants) plus some it rejects. Deterministic; rerun after changing
st_cases.py:  ~/.cache/swerl/venv/bin/python tests/oracles/st_make_corpus.py
"""

import os
import shutil
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_cases  # noqa: E402

import safetensors  # noqa: E402


def accepted(data):
    try:
        safetensors.deserialize(data)
        return True
    except Exception:  # noqa: BLE001
        return False


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = os.path.join(root, "fuzz", "corpus", "safetensors")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name, (data, _) in st_cases.hostile_cases().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    seeds = st_cases.seed_files()
    for i, data in enumerate(seeds):
        with open(os.path.join(out, f"seed{i}"), "wb") as f:
            f.write(data)
    rng = np.random.default_rng(99)
    kept_ok = kept_bad = 0
    while kept_ok < 40 or kept_bad < 20:
        data = seeds[int(rng.integers(0, len(seeds)))]
        for _ in range(int(rng.integers(1, 3))):
            data = st_cases.mutate(rng, data)
        if accepted(data) and kept_ok < 40:
            name = f"mutated_ok{kept_ok:02d}"
            kept_ok += 1
        elif not accepted(data) and kept_bad < 20:
            name = f"mutated_bad{kept_bad:02d}"
            kept_bad += 1
        else:
            continue
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"wrote {len(os.listdir(out))} files to {out}")


if __name__ == "__main__":
    main()

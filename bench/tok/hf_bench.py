#!/usr/bin/env python3
"""Hugging Face `tokenizers` encode throughput on one thread, for
bench/tok/run.sh: the best of ROUNDS rounds of encode_batch over all texts
and of a Tokenizer.encode loop (whichever is faster counts).

    RAYON_NUM_THREADS=1 hf_bench.py TOKENIZER_DIR CORPUS.ndjson [ROUNDS]

Prints {"bytes", "tokens", "batch_seconds", "loop_seconds", "seconds"}.
"""
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
from tokenizers import Tokenizer  # noqa: E402


def main():
    model_dir, corpus = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    path = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(path):
        tok = Tokenizer.from_file(path)
    else:
        data = subprocess.run(["zstd", "-dc", path + ".zst"], check=True, capture_output=True).stdout
        tok = Tokenizer.from_str(data.decode("utf-8"))
    with open(corpus, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    nbytes = sum(len(t.encode()) for t in texts)
    best_batch = best_loop = float("inf")
    tokens = 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = tok.encode_batch(texts)
        best_batch = min(best_batch, time.perf_counter() - t0)
        tokens = sum(len(e.ids) for e in out)
        t0 = time.perf_counter()
        for t in texts:
            tok.encode(t)
        best_loop = min(best_loop, time.perf_counter() - t0)
    print(json.dumps({"bytes": nbytes, "tokens": tokens, "batch_seconds": round(best_batch, 6),
                      "loop_seconds": round(best_loop, 6), "seconds": round(min(best_batch, best_loop), 6)}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""transformers' side of bench/trainer/run.sh: greedy generate of the same
NDJSON prompts ({"ids": [...]}) with the same checkpoint, timed like
`swerl-train generate --json` (model loading excluded; prefill = the
prompt forward up to the first token's logits, decode = every later step),
printed as one JSON line. Batches of --batch-size, left-padded, --repeat
times over the prompt file."""

import argparse
import json
import sys
import time

import torch
import transformers


class Clock(transformers.LogitsProcessor):
    """Stamps each decoding step: called once per step, after the forward."""

    def __init__(self):
        self.stamps = []

    def __call__(self, input_ids, scores):
        self.stamps.append(time.perf_counter())
        return scores


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", help="write the generated ids as NDJSON here")
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    rows = [json.loads(line)["ids"] for line in open(args.prompts) if line.strip()] * args.repeat
    load_start = time.perf_counter()
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    load_seconds = time.perf_counter() - load_start
    stats = dict(prompts=0, prompt_tokens=0, generated_tokens=0, prefill_seconds=0.0, decode_seconds=0.0)
    outputs = []
    for first in range(0, len(rows), args.batch_size):
        batch = rows[first:first + args.batch_size]
        width = max(len(r) for r in batch)
        ids = torch.zeros((len(batch), width), dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for b, r in enumerate(batch):
            ids[b, width - len(r):] = torch.tensor(r)
            mask[b, width - len(r):] = 1
        clock = Clock()
        config = transformers.GenerationConfig(max_new_tokens=args.max_new_tokens, do_sample=False, num_beams=1,
                                               pad_token_id=0, eos_token_id=model.config.eos_token_id)
        start = time.perf_counter()
        with torch.inference_mode():
            seqs = model.generate(input_ids=ids, attention_mask=mask, generation_config=config,
                                  logits_processor=transformers.LogitsProcessorList([clock]))
        end = time.perf_counter()
        new = seqs[:, width:]
        stats["prompts"] += len(batch)
        stats["prompt_tokens"] += sum(len(r) for r in batch)
        stats["generated_tokens"] += int(new.numel())
        stats["prefill_seconds"] += clock.stamps[0] - start
        stats["decode_seconds"] += end - clock.stamps[0]
        outputs.extend(new.tolist())
    decode_tokens = stats["generated_tokens"] - stats["prompts"]
    stats["load_seconds"] = load_seconds
    stats["prefill_tokens_per_second"] = stats["prompt_tokens"] / stats["prefill_seconds"]
    stats["decode_tokens_per_second"] = decode_tokens / stats["decode_seconds"]
    if args.out:
        with open(args.out, "w") as f:
            for o in outputs:
                f.write(json.dumps({"ids": o}) + "\n")
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())

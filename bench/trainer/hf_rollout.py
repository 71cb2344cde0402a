#!/usr/bin/env python3
"""transformers' side of bench/trainer/rollout.sh: GRPO-style rollouts with
`generate(num_return_sequences=G, do_sample=True)` over the same NDJSON
prompts ({"ids": [...]}) and checkpoint as swerl_rollout_bench: batches of
--groups-per-batch prompts, left-padded, each sampled G times at
--temperature (no top-k, no top-p), no EOS so that every completion has
exactly --max-new-tokens tokens. Timed like the C++ side (model loading
excluded; prefill = the call up to the first step's logits, decode = the
rest), printed as one JSON line."""

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
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--groups-per-batch", type=int, default=4)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    prompts = [json.loads(line)["ids"] for line in open(args.prompts) if line.strip()]
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    config = transformers.GenerationConfig(
        max_new_tokens=args.max_new_tokens, do_sample=True, temperature=args.temperature, top_k=0, top_p=1.0,
        num_beams=1, num_return_sequences=args.group, pad_token_id=0, eos_token_id=None)
    stats = dict(prompts=0, prompt_tokens=0, completions=0, generated_tokens=0, prefill_seconds=0.0,
                 decode_seconds=0.0, seconds=0.0, cpu_seconds=0.0)
    for _ in range(args.repeat):
        for first in range(0, len(prompts), args.groups_per_batch):
            batch = prompts[first:first + args.groups_per_batch]
            width = max(len(r) for r in batch)
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for b, r in enumerate(batch):
                ids[b, width - len(r):] = torch.tensor(r)
                mask[b, width - len(r):] = 1
            clock = Clock()
            start = time.perf_counter()
            cpu_start = time.process_time()
            with torch.inference_mode():
                seqs = model.generate(input_ids=ids, attention_mask=mask, generation_config=config,
                                      logits_processor=transformers.LogitsProcessorList([clock]))
            end = time.perf_counter()
            stats["cpu_seconds"] += time.process_time() - cpu_start
            new = seqs[:, width:]
            if tuple(new.shape) != (len(batch) * args.group, args.max_new_tokens):
                sys.exit(f"hf_rollout: generated {tuple(new.shape)}, expected fixed lengths")
            stats["prompts"] += len(batch)
            stats["prompt_tokens"] += sum(len(r) for r in batch)
            stats["completions"] += int(new.shape[0])
            stats["generated_tokens"] += int(new.numel())
            stats["prefill_seconds"] += clock.stamps[0] - start
            stats["decode_seconds"] += end - clock.stamps[0]
            stats["seconds"] += end - start
    stats["tokens_per_second"] = stats["generated_tokens"] / stats["seconds"]
    stats["tokens_per_cpu_second"] = stats["generated_tokens"] / stats["cpu_seconds"]
    stats["decode_tokens_per_second"] = (stats["generated_tokens"] - stats["completions"]) / stats["decode_seconds"]
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""PyTorch eager's side of bench/trainer/grpo_step.sh: the GRPO step of
swerl_grpo_bench with transformers and torch, written the way TRL's
GRPOTrainer runs it, one phase per process (so the peak RSS, VmHWM, is the
phase's and the model load's), one JSON line on stdout with the C++ side's
keys.

--phase rollout: `generate(num_return_sequences=G, do_sample=True)` over all
  prompts at once (left-padded), temperature T, no top-k/top-p, no EOS (every
  completion has --max-new-tokens tokens), ids >= the tokenizer's size masked
  as swerl's vocab_limit does; then the reward (batch_decode, the share of
  ASCII letters among the bytes of each text: the C++ side's
  LetterShareScorer) and the group advantages ((r - mean) / (std + 1e-6),
  unbiased std, 0 for a group of equal rewards). Writes --batch.
--phase update: reads --batch (normally the swerl rollout's, so both updates
  see the same tokens and advantages) and runs TRL's update: micro-batches
  split as swerl's PlanMicroBatches splits them (padded rows x width within
  --micro-batch-tokens), each a forward with logits_to_keep = C + 1 giving
  the full (B, C, V) logits, / T, TRL's selective_log_softmax (gather and a
  per-row logsumexp; `--logp log_softmax` instead takes log_softmax over the
  whole tensor), TRL's chunked entropy under no_grad, π_old = the log-probs
  detached (μ = 1), the dapo loss (clip-higher 0.2 / 0.28, ratio exponent
  clamped to ±20 as verl and swerl do, Σ over tokens / all the step's
  tokens), backward per micro-batch, clip_grad_norm_(1.0) and one
  torch.optim.AdamW step (weight decay 0.01 on matrices only, as swerl).
  Position ids follow the attention mask (TRL leaves them to the model,
  which counts pads; passing them makes the log-probs comparable).
"""

import argparse
import json
import sys
import time

import torch
import transformers


def status_mib(field):
    """A field of /proc/self/status in MiB (VmRSS now, VmHWM the peak)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class VocabLimit(transformers.LogitsProcessor):
    """Never samples ids >= limit (the embedding rows past the tokenizer)."""

    def __init__(self, limit):
        self.limit = limit

    def __call__(self, input_ids, scores):
        scores[:, self.limit:] = -float("inf")
        return scores


def letter_share(text):
    data = text.encode("utf-8")
    letters = sum(1 for c in data if 97 <= (c | 0x20) <= 122)
    return letters / max(len(data), 1)


def advantages(rewards, group):
    r = torch.tensor(rewards, dtype=torch.float64).view(-1, group)
    a = (r - r.mean(1, keepdim=True)) / (r.std(1, keepdim=True) + 1e-6)
    zero = r.max(1).values == r.min(1).values
    a = torch.where(zero.unsqueeze(1), torch.zeros_like(a), a)
    return a.reshape(-1).tolist(), int(zero.sum())


def plan_micro_batches(lengths, budget):
    """swerl's PlanMicroBatches: consecutive rows while rows x width fits."""
    out, width = [], 0
    for i, n in enumerate(lengths):
        new_width = max(width, n)
        if not out or (len(out[-1]) + 1) * new_width > budget:
            out.append([])
            width = n
        else:
            width = new_width
        out[-1].append(i)
    return out


def selective_log_softmax(logits, index, mode):
    if mode == "log_softmax":
        return torch.log_softmax(logits, dim=-1).gather(-1, index.unsqueeze(-1)).squeeze(-1)
    # TRL's float32 path: the targets' logits minus a logsumexp taken one
    # row at a time (so that no second (B, C, V) tensor is made).
    selected = torch.gather(logits, dim=-1, index=index.unsqueeze(-1)).squeeze(-1)
    lse = torch.stack([torch.logsumexp(row, dim=-1) for row in logits])
    return selected - lse


def entropy_from_logits(logits, chunk_rows=128):
    """TRL's: log_softmax over 128 rows of (B*C, V) at a time."""
    flat = logits.reshape(-1, logits.shape[-1])
    out = []
    for chunk in flat.split(chunk_rows, dim=0):
        logps = torch.log_softmax(chunk, dim=-1)
        out.append(-(torch.exp(logps) * logps).sum(-1))
    return torch.cat(out).reshape(logits.shape[:-1])


def run_rollout(args, model, tokenizer, prompts, rss_load):
    limit = len(tokenizer)
    width = max(len(p) for p in prompts)
    ids = torch.zeros((len(prompts), width), dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for b, p in enumerate(prompts):
        ids[b, width - len(p):] = torch.tensor(p)
        mask[b, width - len(p):] = 1
    config = transformers.GenerationConfig(
        max_new_tokens=args.max_new_tokens, do_sample=True, temperature=args.temperature, top_k=0,
        top_p=1.0, num_beams=1, num_return_sequences=args.group, pad_token_id=0, eos_token_id=None)
    start = time.perf_counter()
    cpu_start = time.process_time()
    with torch.inference_mode():
        seqs = model.generate(input_ids=ids, attention_mask=mask, generation_config=config,
                              logits_processor=transformers.LogitsProcessorList([VocabLimit(limit)]))
    rollout_end = time.perf_counter()
    completions = seqs[:, width:]
    if tuple(completions.shape) != (len(prompts) * args.group, args.max_new_tokens):
        sys.exit(f"hf_grpo_step: generated {tuple(completions.shape)}, expected fixed lengths")
    texts = tokenizer.batch_decode(completions, skip_special_tokens=True)
    rewards = [letter_share(t) for t in texts]
    adv, zero_std = advantages(rewards, args.group)
    end = time.perf_counter()
    cpu_seconds = time.process_time() - cpu_start
    with open(args.batch, "w") as f:
        for k, row in enumerate(completions.tolist()):
            # π_old is recomputed by the update (μ = 1), as TRL does without
            # vLLM; the file's old_logprobs are left empty.
            f.write(json.dumps({"group": k // args.group, "reward": rewards[k], "advantage": adv[k],
                                "ids": row, "old_logprobs": []}) + "\n")
    print(json.dumps({
        "engine": "transformers", "phase": "rollout", "prompts": len(prompts), "group": args.group,
        "prompt_tokens": sum(len(p) for p in prompts), "completions": int(completions.shape[0]),
        "generated_tokens": int(completions.numel()), "rollout_seconds": rollout_end - start,
        "reward_seconds": end - rollout_end, "cpu_seconds": cpu_seconds,
        "reward_mean": sum(rewards) / len(rewards), "zero_std_groups": zero_std,
        "rss_load_mib": rss_load, "peak_rss_mib": status_mib("VmHWM")}))


def run_update(args, model, prompts, rss_load):
    samples = [json.loads(line) for line in open(args.batch) if line.strip()]
    lengths = [len(prompts[s["group"]]) + max(len(s["ids"]) - 1, 0) for s in samples]
    plan = plan_micro_batches(lengths, args.micro_batch_tokens)
    total_tokens = sum(len(s["ids"]) for s in samples)  # dapo: Σ over the step's tokens
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
         {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    stats = dict(loss=0.0, entropy=0.0, abs_dlogp=0.0, dlogp_tokens=0)
    start = time.perf_counter()
    cpu_start = time.process_time()
    optimizer.zero_grad(set_to_none=True)
    for rows in plan:
        batch = [samples[r] for r in rows]
        p_width = max(len(prompts[s["group"]]) for s in batch)
        c_width = max(len(s["ids"]) for s in batch)
        ids = torch.zeros((len(batch), p_width + c_width), dtype=torch.long)
        mask = torch.zeros_like(ids)
        completion = torch.zeros((len(batch), c_width), dtype=torch.long)
        c_mask = torch.zeros((len(batch), c_width), dtype=torch.float32)
        for b, s in enumerate(batch):
            p = prompts[s["group"]]
            ids[b, p_width - len(p):p_width] = torch.tensor(p)
            mask[b, p_width - len(p):p_width] = 1
            ids[b, p_width:p_width + len(s["ids"])] = torch.tensor(s["ids"], dtype=torch.long)
            mask[b, p_width:p_width + len(s["ids"])] = 1
            completion[b, :len(s["ids"])] = torch.tensor(s["ids"], dtype=torch.long)
            c_mask[b, :len(s["ids"])] = 1
        positions = (mask.cumsum(1) - 1).clamp(min=0)
        adv = torch.tensor([s["advantage"] for s in batch], dtype=torch.float32).unsqueeze(1)
        # TRL's _get_per_token_logps_and_entropies.
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions,
                       logits_to_keep=c_width + 1, use_cache=False).logits
        logits = logits[:, :-1, :]
        logits = logits / args.temperature
        logp = selective_log_softmax(logits, completion, args.logp)
        with torch.no_grad():
            entropy = entropy_from_logits(logits)
        # TRL's _compute_loss with loss_type="dapo", μ = 1.
        old = logp.detach()
        ratio = torch.exp(torch.clamp(logp - old, -20, 20))
        pg = torch.maximum(-adv * ratio, -adv * torch.clamp(ratio, 1 - 0.2, 1 + 0.28))
        loss = (pg * c_mask).sum() / total_tokens
        loss.backward()
        with torch.no_grad():
            stats["loss"] += float(loss)
            stats["entropy"] += float((entropy * c_mask).sum())
            for b, s in enumerate(batch):
                if s["old_logprobs"]:
                    n = len(s["old_logprobs"])
                    stats["abs_dlogp"] += float((logp[b, :n] - torch.tensor(s["old_logprobs"])).abs().sum())
                    stats["dlogp_tokens"] += n
        del logits, logp, entropy, loss, pg, ratio, old
    grad_norm = float(torch.nn.utils.clip_grad_norm_(params, 1.0))
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    print(json.dumps({
        "engine": "transformers", "phase": "update", "sequences": len(samples),
        "completion_tokens": total_tokens, "micro_batches": len(plan), "update_seconds": seconds,
        "cpu_seconds": cpu_seconds, "loss": stats["loss"], "grad_norm": grad_norm,
        "mean_abs_dlogp": stats["abs_dlogp"] / max(stats["dlogp_tokens"], 1),
        "entropy_mean": stats["entropy"] / total_tokens, "logp": args.logp,
        "rss_load_mib": rss_load, "peak_rss_mib": status_mib("VmHWM")}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phase", required=True, choices=["rollout", "update"])
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompts", required=True)
    ap.add_argument("--batch", required=True)
    ap.add_argument("--group", type=int, default=8)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--micro-batch-tokens", type=int, default=8192)
    ap.add_argument("--vocab-chunk", type=int, default=0, help="unused (swerl's flag)")
    ap.add_argument("--lr", type=float, default=1e-6)
    ap.add_argument("--logp", choices=["trl", "log_softmax"], default="trl")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    prompts = [json.loads(line)["ids"] for line in open(args.prompts) if line.strip()]
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    rss_load = status_mib("VmRSS")
    if args.phase == "rollout":
        model.eval()
        run_rollout(args, model, tokenizer, prompts, rss_load)
    else:
        run_update(args, model, prompts, rss_load)
    return 0


if __name__ == "__main__":
    sys.exit(main())

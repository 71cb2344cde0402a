#!/usr/bin/env python3
"""PyTorch references for the GRPO update (tests/trainer/grpo_*_test.cc).

Each formula is written here in its textbook (padded, whole-batch) form,
independently of the C++ per-token-weight form, and evaluated by PyTorch
autograd:

  loss.safetensors   per case (float64, random inputs): rewards -> advantages
                     (group z-score / batch std / none, zero-std guard, verl's
                     group of one), per-token PPO clip with clip-higher and
                     dual clip, k3 KL with verl's clamps, aggregation grpo /
                     dapo / dr_grpo over the whole batch, --mask-truncated;
                     outputs the loss, d loss / d logp and the statistics.
  adamw.safetensors  torch.optim.AdamW (foreach=False) + the warm-up/constant/
                     cosine schedule (LambdaLR) + clip_grad_norm_ over several
                     steps: the parameters after every step, final moments.
  model_*/           tiny checkpoints written by transformers' save_pretrained
                     (policy and a perturbed reference), and in model.safetensors
                     the gradients of one GRPO batch's loss through transformers
                     (float32), plus the log-probs and entropies of the forward.

Everything is described in <out>/manifest.json. Usage:
  grpo_oracle.py --out DIR
"""

import argparse
import json
import math
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

# ---------------------------------------------------------------- the formulas


def advantages(rewards, group, mode, eps):
    """rewards (R,) float64 -> (advantages (R,), zero-std flags (R/G,))."""
    r = rewards.view(-1, group)
    if group == 1:  # verl: mean 0, std 1
        mean = torch.zeros_like(r)
        std = torch.ones_like(r)
        zero = torch.zeros(r.shape[0], dtype=torch.bool)
    else:
        mean = r.mean(1, keepdim=True)
        std = r.std(1, keepdim=True)  # unbiased
        zero = r.max(1).values == r.min(1).values
    if mode == "group":
        a = (r - mean) / (std + eps)
    elif mode == "batch":
        bstd = rewards.std() if rewards.numel() > 1 else torch.tensor(1.0, dtype=rewards.dtype)
        a = (r - mean) / (bstd + eps)
    else:
        a = r - mean
    a = torch.where(zero.unsqueeze(1), torch.zeros_like(a), a)
    return a.reshape(-1), zero


def policy_loss(logp, old, ref, adv, valid, truncated, opt):
    """All (S, L) padded; valid marks real tokens. Returns (loss, stats)."""
    ratio = torch.exp(torch.clamp(logp - old, -20, 20))
    a = adv.unsqueeze(1).expand_as(logp)
    pg1 = -a * ratio
    pg2 = -a * torch.clamp(ratio, 1 - opt["clip_low"], 1 + opt["clip_high"])
    pg = torch.maximum(pg1, pg2)
    if opt["dual_clip"] > 0:
        pg = torch.where(a < 0, torch.minimum(pg, -a * opt["dual_clip"]), pg)
    per_token = pg
    kl = torch.zeros_like(logp)
    if opt["beta"] != 0:
        d = torch.clamp(ref - logp, -20, 20)
        kl = torch.clamp(torch.exp(d) - d - 1, -10, 10)
        per_token = pg + opt["beta"] * kl
    m = valid.clone()
    if opt["mask_truncated"]:
        m &= ~truncated.unsqueeze(1)
    mf = m.to(logp.dtype)
    seqs = logp.shape[0]
    if opt["loss"] == "dapo":
        loss = (per_token * mf).sum() / mf.sum()
    elif opt["loss"] == "grpo":
        loss = ((per_token * mf).sum(-1) / mf.sum(-1).clamp(min=1)).sum() / seqs
    else:  # dr_grpo
        loss = (per_token * mf).sum() / (seqs * opt["max_new_tokens"])
    with torch.no_grad():
        r = ratio.detach()
        stats = {
            "tokens": float(mf.sum()),
            "kl": float((kl.detach() * mf).sum()),
            "clip_low": float((m & (a < 0) & (r < 1 - opt["clip_low"])).sum()),
            "clip_high": float((m & (a > 0) & (r > 1 + opt["clip_high"])).sum()),
            "clip_dual": float((m & (a < 0) & (r > opt["dual_clip"])).sum()) if opt["dual_clip"] > 0 else 0.0,
        }
    return loss, stats


def padded(values, lengths, width, dtype):
    out = torch.zeros(len(lengths), max(width, 1), dtype=dtype)
    pos = 0
    for i, n in enumerate(lengths):
        out[i, :n] = values[pos:pos + n]
        pos += n
    return out


# ---------------------------------------------------------------- loss cases

LOSS_CASES = [
    # name, advantage scaling, loss, clip_low, clip_high, dual clip, beta, mask truncated, G, groups
    ("dapo_group_kl", "group", "dapo", 0.2, 0.28, 0.0, 0.001, False, 4, 4),
    ("dapo_batch_dual", "batch", "dapo", 0.2, 0.28, 3.0, 0.0, False, 4, 3),
    ("dapo_none_mask", "none", "dapo", 0.2, 0.2, 0.0, 0.04, True, 3, 4),
    ("grpo_group_kl_mask", "group", "grpo", 0.2, 0.28, 0.0, 0.1, True, 4, 3),
    ("grpo_batch", "batch", "grpo", 0.1, 0.3, 2.0, 0.0, False, 5, 2),
    ("grpo_none_kl", "none", "grpo", 0.2, 0.28, 0.0, 0.01, False, 2, 5),
    ("drgrpo_group", "group", "dr_grpo", 0.2, 0.28, 0.0, 0.0, True, 4, 3),
    ("drgrpo_batch_kl_dual", "batch", "dr_grpo", 0.2, 0.28, 3.0, 0.5, False, 3, 3),
    ("drgrpo_none", "none", "dr_grpo", 0.15, 0.15, 0.0, 0.0, False, 4, 2),
    ("dapo_group_of_one", "group", "dapo", 0.2, 0.28, 0.0, 0.001, False, 1, 6),
    ("grpo_batch_group_of_one_kl", "batch", "grpo", 0.2, 0.28, 1.5, 0.2, True, 1, 5),
]


def loss_case(index, spec, tensors):
    name, adv_std, loss, clip_low, clip_high, dual, beta, mask_truncated, group, groups = spec
    gen = torch.Generator().manual_seed(100 + index)
    seqs = group * groups
    max_new = 12
    eps = 1e-6
    # Discrete rewards like SWE-RL's (-1, 0..1 similarity), group 0 all equal
    # (zero std), the rest random.
    choices = torch.tensor([-1.0, 0.0, 0.25, 0.5, 0.8, 1.0], dtype=torch.float64)
    rewards = choices[torch.randint(0, len(choices), (seqs,), generator=gen)]
    rewards += torch.rand(seqs, generator=gen, dtype=torch.float64) * 0.1
    if group > 1:
        rewards[:group] = -1.0
    lengths = torch.randint(1, max_new + 1, (seqs,), generator=gen).tolist()
    truncated = torch.rand(seqs, generator=gen) < 0.25
    for i in range(seqs):
        if truncated[i]:
            lengths[i] = max_new
    if seqs > 3:
        lengths[3] = 0  # an empty completion
        truncated[3] = False
    n = sum(lengths)
    logp = -torch.rand(n, generator=gen, dtype=torch.float64) * 4 - 0.01
    old = logp + torch.randn(n, generator=gen, dtype=torch.float64) * 0.6
    ref = logp + torch.randn(n, generator=gen, dtype=torch.float64) * 0.8
    old[::7] = logp[::7] - 1.6  # ρ ≈ 5: past every dual clip c
    if n > 10:  # beyond the ratio clamp and the KL clamps
        old[2] = logp[2] - 25.0
        old[5] = logp[5] + 24.0
        ref[7] = logp[7] + 4.0  # kl = e^4 - 5 > 10: clamped
        ref[9] = logp[9] - 30.0  # d clamped to -20
    adv, zero = advantages(rewards, group, adv_std, eps)
    width = max(lengths)
    valid = padded(torch.ones(n, dtype=torch.bool), lengths, width, torch.bool)
    logp_p = padded(logp, lengths, width, torch.float64).requires_grad_(True)
    opt = dict(clip_low=clip_low, clip_high=clip_high, dual_clip=dual, beta=beta,
               mask_truncated=mask_truncated, loss=loss, max_new_tokens=max_new)
    value, stats = policy_loss(logp_p, padded(old, lengths, width, torch.float64),
                               padded(ref, lengths, width, torch.float64), adv, valid, truncated, opt)
    value.backward()
    grad = logp_p.grad[valid]
    for key, t in (("rewards", rewards), ("logp", logp), ("old", old), ("ref", ref),
                   ("advantages", adv), ("grad", grad), ("loss", value.detach().reshape(1))):
        tensors[name + "." + key] = t.contiguous()
    return dict(name=name, adv_std=adv_std, eps=eps, group=group, lengths=lengths,
                truncated=[bool(t) for t in truncated], zero_std=[bool(z) for z in zero],
                stats=stats, **opt)


# ---------------------------------------------------------------- AdamW cases


def schedule(kind, lr, warmup, total, min_lr, step):
    if step < warmup:
        return lr * (step + 1) / warmup
    if kind == "constant":
        return lr
    p = min(max((step - warmup) / max(1, total - warmup), 0.0), 1.0)
    return min_lr + (lr - min_lr) * 0.5 * (1 + math.cos(math.pi * p))


ADAMW_PARAMS = [
    ("model.embed_tokens.weight", (10, 4)),
    ("model.layers.0.self_attn.q_proj.weight", (6, 4)),
    ("model.layers.0.self_attn.q_proj.bias", (6,)),
    ("model.norm.weight", (4,)),
]

ADAMW_CASES = [
    # name, dtype, steps, lr, warmup, kind, total, min_lr, weight decay, betas, eps, max_norm, bf16-exact
    ("f32_constant_clip", torch.float32, 6, 1e-2, 3, "constant", 0, 0.0, 0.01, (0.9, 0.999), 1e-8, 1.0, True),
    ("f32_cosine_noclip", torch.float32, 7, 3e-3, 2, "cosine", 6, 1e-4, 0.1, (0.9, 0.95), 1e-6, 0.0, True),
    ("f64_cosine_clip", torch.float64, 6, 5e-2, 1, "cosine", 5, 0.0, 0.0, (0.8, 0.99), 1e-8, 0.5, False),
]


def adamw_case(index, spec, tensors):
    name, dtype, steps, lr, warmup, kind, total, min_lr, wd, betas, eps, max_norm, bf16_exact = spec
    gen = torch.Generator().manual_seed(200 + index)

    def rnd(shape, scale):
        t = (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(dtype)
        # Values a bf16 model holds exactly, so the C++ bf16 + fp32-master
        # path starts from the same weights and sees the same gradients.
        return t.to(torch.bfloat16).to(dtype) if bf16_exact else t

    params = {pname: torch.nn.Parameter(rnd(shape, 0.5)) for pname, shape in ADAMW_PARAMS}
    for pname, p in params.items():
        tensors["%s.init.%s" % (name, pname)] = p.detach().clone()
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    opt = torch.optim.AdamW([dict(params=decay, weight_decay=wd), dict(params=no_decay, weight_decay=0.0)],
                            lr=lr, betas=betas, eps=eps, foreach=False)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: schedule(kind, lr, warmup, total, min_lr, s) / lr)
    norms, lrs = [], []
    for step in range(steps):
        scale = 3.0 if step % 2 == 0 else 0.05  # alternately clipped and not
        for pname, p in params.items():
            p.grad = rnd(p.shape, scale)
            tensors["%s.grad.%d.%s" % (name, step, pname)] = p.grad.clone()
        lrs.append(opt.param_groups[0]["lr"])
        if max_norm > 0:
            norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm, foreach=False)
        else:
            norm = torch.nn.utils.get_total_norm([p.grad for p in params.values()], foreach=False)
        norms.append(float(norm))
        opt.step()
        sched.step()
        for pname, p in params.items():
            tensors["%s.param.%d.%s" % (name, step, pname)] = p.detach().clone()
    for pname, p in params.items():
        state = opt.state[p]
        tensors["%s.exp_avg.%s" % (name, pname)] = state["exp_avg"].clone()
        tensors["%s.exp_avg_sq.%s" % (name, pname)] = state["exp_avg_sq"].clone()
    return dict(name=name, dtype=str(dtype).replace("torch.", ""), steps=steps, lr=lr, warmup=warmup,
                kind=kind, total=total, min_lr=min_lr, weight_decay=wd, beta1=betas[0], beta2=betas[1],
                eps=eps, max_norm=max_norm, bf16_exact=bf16_exact, norms=norms, lrs=lrs,
                params=[pname for pname, _ in ADAMW_PARAMS])


# ---------------------------------------------------------------- whole-model cases

MODEL_VOCAB = 384
VOCAB_LIMIT = 300  # ids past the "tokenizer" are padded embedding rows

MODEL_CASES = [
    # name, config class, kwargs, loss options
    ("qwen3_tied", transformers.Qwen3Config,
     dict(hidden_size=32, intermediate_size=64, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
          tie_word_embeddings=True, rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
     dict(loss="dapo", clip_low=0.2, clip_high=0.28, dual_clip=0.0, beta=0.05, mask_truncated=True,
          temperature=0.8)),
    ("llama_untied_bias", transformers.LlamaConfig,
     dict(hidden_size=32, intermediate_size=48, num_attention_heads=4, num_key_value_heads=4,
          tie_word_embeddings=False, attention_bias=True, mlp_bias=True,
          rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
     dict(loss="grpo", clip_low=0.2, clip_high=0.28, dual_clip=3.0, beta=0.0, mask_truncated=False,
          temperature=1.0)),
    ("qwen2_tied_drgrpo", transformers.Qwen2Config,
     dict(hidden_size=32, intermediate_size=64, num_attention_heads=4, num_key_value_heads=1,
          tie_word_embeddings=True, rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
     dict(loss="dr_grpo", clip_low=0.2, clip_high=0.28, dual_clip=0.0, beta=0.2, mask_truncated=False,
          temperature=1.3)),
]


def perturbed_model(config, seed):
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.endswith(".bias"):
                p.normal_(0.0, 0.1)
            elif pname.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    return model.eval()


def token_logprobs(model, prompt, completion, temperature, limit, grad):
    """Unpadded, one sequence: log softmax(logits / T)[:limit] at the completion."""
    ids = torch.tensor([prompt + completion[:-1]], dtype=torch.long)
    with torch.set_grad_enabled(grad):
        logits = model(input_ids=ids).logits[0, len(prompt) - 1:]
        z = logits[:, :limit].to(torch.float32) / temperature
        logp_all = torch.log_softmax(z, dim=-1)
        logp = logp_all.gather(1, torch.tensor(completion).unsqueeze(1)).squeeze(1)
        entropy = -(logp_all.exp() * logp_all).sum(-1).detach()
    return logp, entropy


def model_case(out, index, spec, tensors):
    name, cls, kwargs, opt = spec
    gen = torch.Generator().manual_seed(300 + index)
    config = cls(vocab_size=MODEL_VOCAB, num_hidden_layers=2, initializer_range=0.2, rms_norm_eps=1e-6,
                 max_position_embeddings=256, **kwargs)
    policy = perturbed_model(config, 1000 + index)
    reference = perturbed_model(config, 2000 + index)
    with torch.no_grad():  # a reference near the policy, as after a few steps
        for (_, p), (_, r) in zip(policy.named_parameters(), reference.named_parameters()):
            r.copy_(p + 0.3 * (r - p))
    policy_dir = os.path.join(out, "model_" + name)
    reference_dir = os.path.join(out, "model_" + name + "_ref")
    policy.save_pretrained(policy_dir)
    reference.save_pretrained(reference_dir)

    # Two groups of three completions of one prompt each (prompts of
    # different lengths, so the C++ batch is left-padded), lengths 1..9.
    max_new = 9
    samples = []
    for prompt_len in (5, 9):
        prompt = torch.randint(0, VOCAB_LIMIT, (prompt_len,), generator=gen).tolist()
        for _ in range(3):
            n = int(torch.randint(1, max_new + 1, (1,), generator=gen))
            samples.append(dict(prompt=prompt, completion=torch.randint(0, VOCAB_LIMIT, (n,), generator=gen).tolist(),
                                truncated=n == max_new))
    samples[1]["completion"] = samples[1]["completion"][:1]  # a one-token completion
    samples[2]["completion"] = torch.randint(0, VOCAB_LIMIT, (max_new,), generator=gen).tolist()
    samples[2]["truncated"] = True
    rewards = torch.tensor([1.0, -1.0, 0.5, -1.0, 0.2, 0.9], dtype=torch.float64)
    adv, _ = advantages(rewards, 3, "group", 1e-6)

    logps, entropies, refs = [], [], []
    for s in samples:
        logp, entropy = token_logprobs(policy, s["prompt"], s["completion"], opt["temperature"], VOCAB_LIMIT, True)
        logps.append(logp)
        entropies.append(entropy)
        if opt["beta"] != 0:
            refs.append(token_logprobs(reference, s["prompt"], s["completion"], opt["temperature"],
                                       VOCAB_LIMIT, False)[0])
        # The rollout's log-probs: the policy's, perturbed (ρ != 1, so the
        # clip is exercised; the C++ side uses them as π_old).
        s["old_logprobs"] = (logp.detach() + 0.3 * torch.randn(logp.shape, generator=gen)).tolist()
        s["advantage"] = float(adv[len(logps) - 1])
    lengths = [len(s["completion"]) for s in samples]
    width = max(lengths)
    valid = padded(torch.ones(sum(lengths), dtype=torch.bool), lengths, width, torch.bool)
    logp_p = torch.zeros(len(samples), width, dtype=torch.float32)
    ref_p = torch.zeros(len(samples), width, dtype=torch.float32)
    old_p = torch.zeros(len(samples), width, dtype=torch.float32)
    for i, s in enumerate(samples):
        n = lengths[i]
        logp_p = logp_p.index_put((torch.tensor([i] * n), torch.arange(n)), logps[i])
        old_p[i, :n] = torch.tensor(s["old_logprobs"])
        if refs:
            ref_p[i, :n] = refs[i]
    truncated = torch.tensor([s["truncated"] for s in samples])
    loss_opt = dict(opt, max_new_tokens=max_new)
    loss, stats = policy_loss(logp_p, old_p, ref_p, adv.to(torch.float32), valid, truncated, loss_opt)
    loss.backward()
    grad_names = []
    for pname, p in policy.named_parameters():
        tensors["%s.grad.%s" % (name, pname)] = p.grad.detach().clone()
        grad_names.append(pname)
    tensors[name + ".logp"] = torch.cat([l.detach() for l in logps])
    tensors[name + ".entropy"] = torch.cat(entropies)
    return dict(name=name, dir=policy_dir, ref_dir=reference_dir, vocab_limit=VOCAB_LIMIT,
                max_new_tokens=max_new, samples=samples, loss_value=float(loss.detach()), stats=stats,
                grads=grad_names, **opt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)  # a shared 2-core machine: see model_oracle.py
    os.makedirs(args.out, exist_ok=True)

    loss_tensors, adamw_tensors, model_tensors = {}, {}, {}
    loss_cases = [loss_case(i, spec, loss_tensors) for i, spec in enumerate(LOSS_CASES)]
    adamw_cases = [adamw_case(i, spec, adamw_tensors) for i, spec in enumerate(ADAMW_CASES)]
    model_cases = [model_case(args.out, i, spec, model_tensors) for i, spec in enumerate(MODEL_CASES)]
    save_file(loss_tensors, os.path.join(args.out, "loss.safetensors"))
    save_file(adamw_tensors, os.path.join(args.out, "adamw.safetensors"))
    save_file(model_tensors, os.path.join(args.out, "model.safetensors"))
    manifest = dict(torch=torch.__version__, transformers=transformers.__version__,
                    loss_cases=loss_cases, adamw_cases=adamw_cases, model_cases=model_cases)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

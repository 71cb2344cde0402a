#!/usr/bin/env python3
"""Reference outputs of transformers 5.23.0 (CPU, float32) for the trainer's
model parity tests (tests/trainer/model_parity_test.cc).

It writes tiny random checkpoints with transformers' own save_pretrained (one
per variant below: tied and untied embeddings, llama3 RoPE scaling, Qwen2
biases, Qwen3 head_dim != hidden / heads, GQA and MQA, bf16/f16 on disk), then
for each of those and each --model NAME=DIR given (e.g. `swerl-train init`
output) loads it with AutoModelForCausalLM.from_pretrained and records:

  - the loading report (missing / unexpected / mismatched keys),
  - the logits of a ragged, left-padded batch of prompts at every real token
    (float32, row-major, in <out>/<name>.logits.bin),
  - greedy `generate` of --new-tokens tokens (ids past the tokenizer's vocab
    suppressed, as swerl-train masks them) with the temperature-1
    log-probability of every chosen token.

Everything goes into <out>/manifest.json. Usage:
  model_oracle.py --data tests/data --out DIR [--swerl-train BIN] [--model NAME=DIR ...]
                  [--new-tokens 64]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import torch
import transformers
from tokenizers import Tokenizer

PROMPTS = [
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "Hello",
    "The quick brown fox jumps over the lazy dog.",
    "import numpy as np\nx = np.arange(10)\nprint(x.sum())",
]


def load_tokenizer(data, name):
    path = os.path.join(data, "tokenizers", name, "tokenizer.json.zst")
    text = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout.decode("utf-8")
    return Tokenizer.from_str(text)


def padded(n):
    return (n + 127) // 128 * 128


def variants(tok_vocab):
    """(name, tokenizer, config class, kwargs, disk dtype)."""
    llama_v, qwen_v = padded(tok_vocab["llama3"]), padded(tok_vocab["qwen3"])
    common = dict(num_hidden_layers=2, initializer_range=0.1)
    return [
        ("hf_llama_gqa_rope_llama3", "llama3", transformers.LlamaConfig,
         dict(common, vocab_size=llama_v, hidden_size=64, intermediate_size=128, num_attention_heads=4,
              num_key_value_heads=2, rms_norm_eps=1e-5, max_position_embeddings=512, tie_word_embeddings=False,
              bos_token_id=128000, eos_token_id=128001,
              rope_parameters=dict(rope_type="llama3", rope_theta=500000.0, factor=8.0, low_freq_factor=1.0,
                                   high_freq_factor=4.0, original_max_position_embeddings=64)),
         torch.float32),
        ("hf_llama_tied_bias_bf16", "llama3", transformers.LlamaConfig,
         dict(common, vocab_size=llama_v, hidden_size=64, intermediate_size=96, num_attention_heads=4,
              num_key_value_heads=4, tie_word_embeddings=True, attention_bias=True, mlp_bias=True,
              bos_token_id=128000, eos_token_id=[128001, 128009],
              rope_parameters=dict(rope_type="default", rope_theta=10000.0)),
         torch.bfloat16),
        ("hf_qwen2_tied_mqa", "qwen3", transformers.Qwen2Config,
         dict(common, vocab_size=qwen_v, hidden_size=64, intermediate_size=128, num_attention_heads=4,
              num_key_value_heads=1, tie_word_embeddings=True, eos_token_id=151645,
              rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
         torch.float32),
        ("hf_qwen2_untied_f16", "qwen3", transformers.Qwen2Config,
         dict(common, vocab_size=qwen_v, hidden_size=96, intermediate_size=160, num_attention_heads=6,
              num_key_value_heads=2, tie_word_embeddings=False, eos_token_id=151643,
              rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
         torch.float16),
        ("hf_qwen3_tied_head_dim", "qwen3", transformers.Qwen3Config,
         dict(common, vocab_size=qwen_v, hidden_size=64, intermediate_size=128, num_attention_heads=4,
              num_key_value_heads=2, head_dim=32, tie_word_embeddings=True, eos_token_id=151645,
              rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
         torch.float32),
        ("hf_qwen3_untied_bias", "qwen3", transformers.Qwen3Config,
         dict(common, vocab_size=qwen_v, hidden_size=128, intermediate_size=192, num_attention_heads=4,
              num_key_value_heads=4, head_dim=16, tie_word_embeddings=False, attention_bias=True,
              eos_token_id=151645, rope_parameters=dict(rope_type="default", rope_theta=1000000.0)),
         torch.float32),
    ]


def make_variant(out, index, name, config_cls, kwargs, dtype):
    torch.manual_seed(1000 + index)
    config = config_cls(**kwargs)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    with torch.no_grad():
        # transformers initialises biases to 0 and norms to 1, which would
        # hide a missing bias or norm weight: perturb them.
        for pname, p in model.named_parameters():
            if pname.endswith(".bias"):
                p.normal_(0.0, 0.1)
            elif pname.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    path = os.path.join(out, name)
    model.to(dtype).save_pretrained(path)
    return path


def left_pad(rows, pad_id):
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for b, r in enumerate(rows):
        ids[b, width - len(r):] = torch.tensor(r, dtype=torch.long)
        mask[b, width - len(r):] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    return ids, mask, positions


def reference(out, name, path, tokenizer, tok_vocab, new_tokens):
    model, info = transformers.AutoModelForCausalLM.from_pretrained(
        path, dtype=torch.float32, output_loading_info=True)
    model.eval()
    config = model.config
    vocab = config.vocab_size
    prompts = [tokenizer.encode(p, add_special_tokens=False).ids for p in PROMPTS]
    ids, mask, positions = left_pad(prompts, 0)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    real = logits[mask.bool()].to(torch.float32).contiguous()  # (tokens, vocab), row-major by (b, t)
    logits_file = os.path.join(out, name + ".logits.bin")
    real.numpy().tofile(logits_file)

    eos = config.eos_token_id
    eos = [] if eos is None else ([eos] if isinstance(eos, int) else list(eos))
    gen_config = transformers.GenerationConfig(
        max_new_tokens=new_tokens, do_sample=False, num_beams=1, pad_token_id=0,
        eos_token_id=eos or None, bos_token_id=None,
        suppress_tokens=list(range(tok_vocab, vocab)) or None,
        output_logits=True, return_dict_in_generate=True)
    with torch.no_grad():
        result = model.generate(input_ids=ids, attention_mask=mask, generation_config=gen_config)
    width = ids.shape[1]
    sequences = result.sequences[:, width:]
    raw = torch.stack(result.logits, dim=1).to(torch.float32)  # (B, steps, vocab), before processors
    raw[..., tok_vocab:] = float("-inf")
    logp = torch.log_softmax(raw, dim=-1)
    greedy, greedy_logprobs = [], []
    for b in range(len(prompts)):
        row, lps = [], []
        for t in range(sequences.shape[1]):
            token = int(sequences[b, t])
            row.append(token)
            lps.append(float(logp[b, t, token]))
            if token in eos:
                break
        greedy.append(row)
        greedy_logprobs.append(lps)
    return {
        "name": name,
        "dir": path,
        "model_type": config.model_type,
        "vocab_size": vocab,
        "tokenizer_vocab": tok_vocab,
        "eos_ids": eos,
        "prompts": prompts,
        "logits_file": logits_file,
        "logits_rows": int(real.shape[0]),
        "greedy": greedy,
        "greedy_logprobs": greedy_logprobs,
        "missing_keys": sorted(info.get("missing_keys", [])),
        "unexpected_keys": sorted(info.get("unexpected_keys", [])),
        "mismatched_keys": [str(k) for k in info.get("mismatched_keys", [])],
        "error_msgs": [str(m) for m in info.get("error_msgs", [])],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="tests/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", action="append", default=[], help="NAME=DIR of an existing checkpoint")
    ap.add_argument("--new-tokens", type=int, default=64)
    ap.add_argument("--no-variants", action="store_true", help="only the --model checkpoints")
    ap.add_argument("--swerl-train", help="also make init_{llama,qwen2,qwen3} with `swerl-train init`")
    args = ap.parse_args()
    # One thread: on a shared 2-core machine OpenMP's spinning threads
    # make every step many times slower.
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    tokenizers = {n: load_tokenizer(args.data, n) for n in ("qwen3", "llama3")}
    tok_vocab = {n: t.get_vocab_size(with_added_tokens=True) for n, t in tokenizers.items()}

    start = time.perf_counter()
    jobs = []  # (name, dir, tokenizer name)
    if not args.no_variants:
        for index, (name, tok, cls, kwargs, dtype) in enumerate(variants(tok_vocab)):
            jobs.append((name, make_variant(args.out, index, name, cls, kwargs, dtype), tok))
    print("model_oracle: variants written in %.1f s" % (time.perf_counter() - start), file=sys.stderr)
    start = time.perf_counter()
    if args.swerl_train:
        for index, (arch, tok) in enumerate((("llama", "llama3"), ("qwen2", "qwen3"), ("qwen3", "qwen3"))):
            path = os.path.join(args.out, "init_" + arch)
            shutil.rmtree(path, ignore_errors=True)
            subprocess.run([args.swerl_train, "init", "-q", "--arch", arch,
                            "--tokenizer", os.path.join(args.data, "tokenizers", tok), "--out", path,
                            "--hidden", "64", "--layers", "2", "--heads", "4", "--kv-heads", "2",
                            "--seed", str(7 + index)], check=True)
            args.model.append("init_%s=%s" % (arch, path))
    if args.swerl_train:
        print("model_oracle: swerl-train init in %.1f s" % (time.perf_counter() - start), file=sys.stderr)
    for spec in args.model:
        name, _, path = spec.partition("=")
        with open(os.path.join(path, "config.json")) as f:
            model_type = json.load(f)["model_type"]
        jobs.append((name, path, "llama3" if model_type == "llama" else "qwen3"))

    models = []
    for name, path, tok in jobs:
        start = time.perf_counter()
        models.append(reference(args.out, name, path, tokenizers[tok], tok_vocab[tok], args.new_tokens))
        print("model_oracle: %s: %.1f s" % (name, time.perf_counter() - start), file=sys.stderr)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"transformers": transformers.__version__, "torch": torch.__version__, "models": models}, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())

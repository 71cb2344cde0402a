#!/usr/bin/env python3
"""Parity of our tokenizer with Hugging Face `tokenizers` (the reference) on
the generated corpus of tok_corpus.py, for each fixture tokenizer.

    tok_oracle.py --data tests/data/tokenizers (--swerl-train BIN | --tool BIN)
                  [--size-mb 5] [--sweep none|sample|full] [--out DIR] [--models qwen3,llama3]
                  [--variants]

--swerl-train runs `BIN tokenize --tokenizer DIR [--decode] [--no-special] FILE`;
--tool runs tests' tok_tool (`encode|decode DIR [--no-special|--skip-special]`).
For each model it checks, line by line:
  1. encode: our ids == tokenizers' Tokenizer.encode(text).ids (add_special_tokens
     on: neither fixture's post-processor adds ids);
  2. encode with special tokens as text (--no-special) == tokenizers with
     encode_special_tokens = True, on the lines holding '<';
  3. decode(our ids) == tokenizers' decode(ids, skip_special_tokens=False), and
     == the text itself (Llama-3), or == the text whenever tokenizers' NFC
     leaves it unchanged (Qwen3; otherwise the decode is the normalized text);
  4. decode skipping special tokens == tokenizers' skip_special_tokens=True.
Mismatches are printed (the first few, with context) and written to
OUT/tok_parity_<model>.txt; the exit status is 1 when any check failed.

--variants adds two tokenizers made from the fixtures to cover the other
supported shapes: `qwen3-gpt2regex` (pre_tokenizer ByteLevel with use_regex,
GPT-2's split) and `llama3-bos` (Llama-3.1's post-processor: ByteLevel then
TemplateProcessing adding <|begin_of_text|>).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


HERE = os.path.dirname(os.path.abspath(__file__))


def read_tokenizer_json(model_dir):
    path = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    data = subprocess.run(["zstd", "-dc", path + ".zst"], check=True, capture_output=True).stdout
    return data.decode("utf-8")


def run_ours(args, model_dir, mode, flag, input_path):
    if args.swerl_train:
        cmd = [args.swerl_train, "tokenize", "--tokenizer", model_dir, "-q"]
        if mode == "decode":
            cmd.append("--decode")
        if flag:
            cmd.append("--no-special")
        cmd.append(input_path)
        with open(os.devnull) as devnull:
            proc = subprocess.run(cmd, stdin=devnull, capture_output=True)
    else:
        cmd = [args.tool, mode, model_dir]
        if flag:
            cmd.append("--no-special" if mode == "encode" else "--skip-special")
        with open(input_path, "rb") as f:
            proc = subprocess.run(cmd, stdin=f, capture_output=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    # Split on LF only: str.splitlines() would also cut at U+2028 and U+0085.
    lines = proc.stdout.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [json.loads(line) for line in lines], proc


def first_difference(a, b):
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    return min(len(a), len(b))


class Report:
    def __init__(self, name, out_dir):
        self.name = name
        self.failures = 0
        self.path = os.path.join(out_dir, f"tok_parity_{name}.txt") if out_dir else None
        self.lines = []

    def fail(self, check, line_no, detail):
        self.failures += 1
        if self.failures <= 200:
            self.lines.append(f"[{check}] line {line_no}: {detail}")
        if self.failures <= 5:
            print(f"  {self.name} [{check}] line {line_no}: {detail}", file=sys.stderr)

    def write(self):
        if self.path:
            with open(self.path, "w", encoding="utf-8") as f:
                f.write("\n".join(self.lines) + ("\n" if self.lines else ""))


def describe_ids(tok, text, ours, ref):
    k = first_difference(ours, ref)
    lo = max(0, k - 3)
    show = lambda ids: [tok.id_to_token(i) for i in ids[lo:k + 4]]  # noqa: E731
    return (f"first difference at id {k}: ours {ours[lo:k + 4]} {show(ours)} vs reference "
            f"{ref[lo:k + 4]} {show(ref)}; {len(ours)} vs {len(ref)} ids; text "
            f"{text[:300]!r}")


LLAMA31_POST = {
    "type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                  {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000],
                                                  "tokens": ["<|begin_of_text|>"]}}}]}


def make_variants(data, work):
    """Writes the --variants tokenizers under WORK; returns WORK."""
    qwen = json.loads(read_tokenizer_json(os.path.join(data, "qwen3")))
    qwen["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                             "use_regex": True}
    llama = json.loads(read_tokenizer_json(os.path.join(data, "llama3")))
    llama["post_processor"] = LLAMA31_POST
    for name, content in (("qwen3-gpt2regex", qwen), ("llama3-bos", llama)):
        os.makedirs(os.path.join(work, name))
        with open(os.path.join(work, name, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(content, f, ensure_ascii=False)
    return work


def check_model(args, data, name, texts, corpus_path, work):
    from tokenizers import Tokenizer
    model_dir = os.path.join(data, name)
    tok = Tokenizer.from_str(read_tokenizer_json(model_dir))
    # What the post-processor adds around any text (Llama-3.1: the BOS).
    frame = tok.decode(tok.encode("").ids, skip_special_tokens=False)
    report = Report(name, args.out)
    nfc = tok.normalizer is not None

    t0 = time.time()
    ref = [e.ids for e in tok.encode_batch(texts)]
    t_ref = time.time() - t0
    t0 = time.time()
    ours, _ = run_ours(args, model_dir, "encode", False, corpus_path)
    t_ours = time.time() - t0
    if len(ours) != len(texts):
        report.fail("encode", 0, f"{len(ours)} output lines for {len(texts)} texts")
        ours = ours[:len(texts)] + [{"ids": []}] * (len(texts) - len(ours))
    ours = [o["ids"] for o in ours]
    for k, (o, r) in enumerate(zip(ours, ref)):
        if o != r:
            report.fail("encode", k + 1, describe_ids(tok, texts[k], o, r))

    # Special tokens as plain text, on the lines that could hold one.
    subset = [k for k, t in enumerate(texts) if "<" in t]
    subset_path = os.path.join(work, f"{name}_special.ndjson")
    with open(subset_path, "w", encoding="utf-8") as f:
        for k in subset:
            f.write(json.dumps({"text": texts[k]}, ensure_ascii=False) + "\n")
    tok.encode_special_tokens = True
    ref_plain = [e.ids for e in tok.encode_batch([texts[k] for k in subset])]
    tok.encode_special_tokens = False
    ours_plain, _ = run_ours(args, model_dir, "encode", True, subset_path)
    for k, o, r in zip(subset, ours_plain, ref_plain):
        if o["ids"] != r:
            report.fail("encode --no-special", k + 1, describe_ids(tok, texts[k], o["ids"], r))

    # Decode our ids (equal to the reference's wherever 1. passed).
    ids_path = os.path.join(work, f"{name}_ids.ndjson")
    with open(ids_path, "w") as f:
        for ids in ours:
            f.write(json.dumps({"ids": ids}) + "\n")
    decoded, _ = run_ours(args, model_dir, "decode", False, ids_path)
    ref_decoded = tok.decode_batch(ours, skip_special_tokens=False)
    for k, (d, r) in enumerate(zip(decoded, ref_decoded)):
        text = d.get("text")
        if text != r:
            report.fail("decode", k + 1, f"ours {text!r:.300} vs reference {r!r:.300}")
            continue
        original = texts[k]
        if not nfc or tok.normalizer.normalize_str(original) == original:
            if text != frame + original:
                report.fail("round trip", k + 1, f"decode(encode(x)) {text!r:.300} != x {original!r:.300}")
    decoded_skip, _ = run_ours(args, model_dir, "decode", True, ids_path)
    ref_skip = tok.decode_batch(ours, skip_special_tokens=True)
    for k, (d, r) in enumerate(zip(decoded_skip, ref_skip)):
        if d.get("text") != r:
            report.fail("decode skip-special", k + 1, f"ours {d.get('text')!r:.300} vs reference {r!r:.300}")
    report.write()
    mb = sum(len(t.encode()) for t in texts) / 1e6
    status = "ok" if report.failures == 0 else f"{report.failures} FAILURES"
    print(f"{name}: {len(texts)} texts, {mb:.2f} MB, {sum(map(len, ref))} ids; encode "
          f"reference {t_ref:.1f} s, ours {t_ours:.1f} s (process); {status}")
    return report.failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="tests/data/tokenizers")
    ap.add_argument("--swerl-train")
    ap.add_argument("--tool")
    ap.add_argument("--size-mb", type=float, default=5.0)
    ap.add_argument("--sweep", default="sample", choices=["none", "sample", "full"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None)
    ap.add_argument("--models", default="qwen3,llama3")
    ap.add_argument("--variants", action="store_true")
    ap.add_argument("--swerl", help="ignored (swerl_add_py_test passes it)")
    args = ap.parse_args()
    if not args.swerl_train and not args.tool:
        ap.error("one of --swerl-train and --tool is required")
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus_path = os.path.join(args.out or work, "tok_corpus.ndjson")
        with open(corpus_path, "wb") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "tok_corpus.py"), "--size-mb",
                            str(args.size_mb), "--sweep", args.sweep, "--seed", str(args.seed)],
                           stdout=f, check=True)
        with open(corpus_path, encoding="utf-8") as f:
            texts = [json.loads(line)["text"] for line in f]
        failures = sum(check_model(args, args.data, name, texts, corpus_path, work)
                       for name in args.models.split(","))
        if args.variants:
            variants = make_variants(args.data, os.path.join(work, "variants"))
            failures += sum(check_model(args, variants, name, texts, corpus_path, work)
                            for name in ("qwen3-gpt2regex", "llama3-bos"))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

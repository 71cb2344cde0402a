#!/usr/bin/env python3
"""Chat templates: our ChatTemplate (through tests' tok_tool chat) against
transformers' apply_chat_template(..., tokenize=False) on generated
conversations, for every supported family:

  qwen3, llama3       the fixtures' own tokenizer_config.json templates
  llama3-switch       Meta's Llama-3 template (generation prompt only when asked)
  llama3.1            a Llama-3.1-style template (knowledge date, date_string
                      default, system message trimmed into the system turn)
  llama3.2            the same dated by strftime_now (today's date)
  qwen2.5             ChatML with a default system message
  chatml              plain ChatML

    tok_chat_oracle.py --data tests/data/tokenizers --tool BUILD/tests/tok_tool [--count 400]

The non-fixture templates are written below from the published ones minus
their tool branches; they check that each family's renderer follows Jinja
exactly, not that the published files are byte for byte these. Exits 1 on
the first family with a mismatch (printed with the conversation).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

LLAMA3_SWITCH = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim "
    "+ '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant"
    "<|end_header_id|>\n\n' }}{% endif %}")

LLAMA31 = """{{- bos_token }}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- for message in messages %}
    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

LLAMA32 = LLAMA31.replace(
    """{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}""",
    """{%- if not date_string is defined %}
    {%- if strftime_now is defined %}
        {%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}
        {%- set date_string = "26 Jul 2024" %}
    {%- endif %}
{%- endif %}""")

QWEN25 = """{%- if messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
{%- else %}
    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
          "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
          "{{ '<|im_start|>assistant\n' }}{% endif %}")

FAMILIES = [  # name, fixture, template override (None: the fixture's), roles
    ("qwen3", "qwen3", None, ["system", "user", "assistant", "tool"]),
    ("llama3", "llama3", None, ["system", "user", "assistant"]),
    ("llama3-switch", "llama3", LLAMA3_SWITCH, ["system", "user", "assistant"]),
    ("llama3.1", "llama3", LLAMA31, ["system", "user", "assistant"]),
    ("llama3.2", "llama3", LLAMA32, ["system", "user", "assistant"]),
    ("qwen2.5", "qwen3", QWEN25, ["system", "user", "assistant"]),
    ("chatml", "qwen3", CHATML, ["system", "user", "assistant"]),
]

PIECES = ["Hello", "world", "def f(x):\n    return x", "  padded  ", "\n\nnewlines\n\n", "ünïcödé",
          "中文", "😀", "<think>", "</think>", "<|im_end|>", "<|eot_id|>", "\t", "\u3000", "\u00a0",
          "\u0085", "\u001c", "\u2028", " ", "\n", "", "a", "<tool_response>", "</tool_response>",
          "{{ not jinja }}", "{% raw %}", "'quote'", '"dq"', "\\n"]


def content(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 6)))


def assistant_content(rng):
    r = rng.random()
    body = content(rng)
    if r < 0.25:
        return body
    if r < 0.5:
        return f"<think>{rng.choice(['', chr(10), chr(10) * 2])}{content(rng)}" \
               f"{rng.choice(['', chr(10)])}</think>{rng.choice(['', chr(10), chr(10) * 3])}{body}"
    if r < 0.6:
        return f"{content(rng)}</think>{body}"
    if r < 0.7:
        return f"<think>a</think>b</think>{body}<think>c"
    if r < 0.8:
        return f"\n<think>\n{content(rng)}\n</think>\n\n{body}\n"
    return body + "</think>"


def conversation(rng, roles):
    messages = []
    if rng.random() < 0.5 and "system" in roles:
        messages.append({"role": "system", "content": content(rng)})
    for _ in range(rng.randint(1, 7)):
        role = rng.choice(roles)
        m = {"role": role, "content": assistant_content(rng) if role == "assistant" else content(rng)}
        if role == "user" and rng.random() < 0.15:
            m["content"] = "<tool_response>" + content(rng) + "</tool_response>"
        if role == "assistant" and rng.random() < 0.15:
            m["reasoning_content"] = content(rng)
        messages.append(m)
    return messages


def read_tokenizer_json(model_dir):
    path = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return f.read()
    return subprocess.run(["zstd", "-dc", path + ".zst"], check=True, capture_output=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    from transformers import AutoTokenizer
    failures = 0
    with tempfile.TemporaryDirectory() as work:
        for name, fixture, template, roles in FAMILIES:
            d = os.path.join(work, name)
            os.makedirs(d)
            src = os.path.join(args.data, fixture)
            with open(os.path.join(d, "tokenizer.json"), "wb") as f:
                f.write(read_tokenizer_json(src))
            with open(os.path.join(src, "tokenizer_config.json"), encoding="utf-8") as f:
                config = json.load(f)
            if template is not None:
                config["chat_template"] = template
            with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
                json.dump(config, f)
            hf = AutoTokenizer.from_pretrained(d)
            rng = random.Random(f"{args.seed}/{name}")
            requests, expected = [], []
            for _ in range(args.count):
                messages = conversation(rng, roles)
                gen = rng.random() < 0.5
                thinking = rng.choice([None, True, False])
                kwargs = {} if thinking is None else {"enable_thinking": thinking}
                expected.append(hf.apply_chat_template(messages, tokenize=False,
                                                       add_generation_prompt=gen, **kwargs))
                req = {"messages": messages, "add_generation_prompt": gen}
                if thinking is not None:
                    req["enable_thinking"] = thinking
                requests.append(req)
            stdin = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests)
            proc = subprocess.run([args.tool, "chat", d], input=stdin.encode(), capture_output=True)
            if proc.returncode != 0:
                print(f"{name}: tok_tool failed: {proc.stderr.decode()}", file=sys.stderr)
                failures += 1
                continue
            answers = [json.loads(line) for line in proc.stdout.decode().split("\n") if line]
            bad = [(r, e, a) for r, e, a in zip(requests, expected, answers) if a.get("text") != e]
            if len(answers) != len(requests):
                bad.append(("count", len(requests), len(answers)))
            for r, e, a in bad[:3]:
                print(f"{name}: MISMATCH for {json.dumps(r, ensure_ascii=False)}\n"
                      f"  expected {e!r}\n  ours     {a.get('text', a)!r}", file=sys.stderr)
            print(f"{name}: {len(requests)} conversations, {len(bad)} mismatches")
            failures += bool(bad)
            shutil.rmtree(d)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Differential test of lib/swerl/st against safetensors 0.8.0, torch and transformers.

Runs st_tool (tests/st/st_tool.cc) and checks, against the Python libraries:
  1. hand-made hostile files (st_cases.hostile_cases) and --mutations random
     mutations of valid files: the same accept/reject verdict as
     safetensors.deserialize, except the deliberate differences listed in
     st_cases; where both accept, the same tensors, bytes and metadata;
  2. every dtype torch and numpy can write (plus rank 0, empty, ~3 MB and
     many-tensor files): our reader sees what Python sees, our writer's file
     is byte-identical to save_file's, and Python loads ours;
  3. transformers' save_pretrained(max_shard_size=...) of tiny Llama models:
     Checkpoint::Open sees every tensor's bytes; WriteCheckpoint of the same
     tensors gives byte-identical shards and index, and from_pretrained loads
     it to the same weights.
Usage: st_diff_test.py --tool build/tests/st_tool --out DIR [--mutations N]
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import st_cases  # noqa: E402

import safetensors  # noqa: E402

FAILURES = []


def fail(msg):
    FAILURES.append(msg)


def sha(b):
    return hashlib.sha256(bytes(b)).hexdigest()


def run_tool(tool, *args, check=True):
    proc = subprocess.run([tool, *args], capture_output=True)
    if check and proc.returncode not in (0, 1):
        raise RuntimeError(f"st_tool {args[0]} exited {proc.returncode}: {proc.stderr.decode()}")
    return proc


def python_view(data):
    """safetensors' own view of a file: (tensors by name, metadata) or the error."""
    try:
        tensors = safetensors.deserialize(data)
    except Exception as e:  # noqa: BLE001 - any library error is a rejection
        return None, str(e)
    view = {name: (info["dtype"], list(info["shape"]), sha(info["data"])) for name, info in tensors}
    n = int.from_bytes(data[:8], "little")
    meta = json.loads(data[8:8 + n]).get("__metadata__") or {}
    return (view, meta), None


def our_view(record):
    view = {t["name"]: (t["dtype"], t["shape"], t["sha256"]) for t in record["tensors"]}
    return view, record["metadata"]


def inspect(tool, paths):
    out = {}
    for chunk in range(0, len(paths), 500):
        proc = run_tool(tool, "inspect", *paths[chunk:chunk + 500])
        for line in proc.stdout.decode().splitlines():
            rec = json.loads(line)
            out[rec["path"]] = rec
    return out


def compare_verdicts(tool, directory, notes, label):
    """notes: file name -> deliberate difference (or None); None = unknown (mutations)."""
    proc = run_tool(tool, "check", directory)
    ours = {}
    for line in proc.stdout.decode().splitlines():
        parts = line.split("\t")
        ours[parts[0]] = parts[2] if parts[1] == "err" else None
    names = sorted(os.listdir(directory))
    if sorted(ours) != names:
        fail(f"{label}: st_tool check listed {len(ours)} files, expected {len(names)}")
        return
    counts = {"both_accept": 0, "both_reject": 0, "deliberate": 0}
    accepted = []
    for name in names:
        path = os.path.join(directory, name)
        with open(path, "rb") as f:
            data = f.read()
        py, py_err = python_view(data)
        our_err = ours[name]
        note = notes.get(name) if notes is not None else None
        if py is not None and our_err is None:
            counts["both_accept"] += 1
            accepted.append((path, py))
            if note:
                fail(f"{label}/{name}: noted as a deliberate difference ({note}) but both accept")
        elif py is None and our_err is not None:
            counts["both_reject"] += 1
            if note:
                fail(f"{label}/{name}: noted as a deliberate difference ({note}) but both reject")
        elif py is not None:
            reasons = [note] if note else list(st_cases.DIFF_MESSAGES)
            if any(m in our_err for r in reasons for m in st_cases.DIFF_MESSAGES[r]):
                counts["deliberate"] += 1
            else:
                fail(f"{label}/{name}: Python accepts, we reject: {our_err}")
        else:
            fail(f"{label}/{name}: we accept, Python rejects: {py_err}")
    # Where both accept, the same tensors, bytes and metadata.
    records = inspect(tool, [p for p, _ in accepted])
    for path, (py_tensors, py_meta) in accepted:
        rec = records[path]
        tensors, meta = our_view(rec)
        if tensors != py_tensors or meta != py_meta:
            fail(f"{label}/{os.path.basename(path)}: contents differ: ours {tensors} {meta}, "
                 f"Python {py_tensors} {py_meta}")
    print(f"st_diff: {label}: {len(names)} files: {counts['both_accept']} accepted by both, "
          f"{counts['both_reject']} rejected by both, {counts['deliberate']} deliberate "
          f"differences")


def check_hostile(tool, out):
    directory = os.path.join(out, "hostile")
    os.makedirs(directory)
    notes = {}
    for name, (data, note) in st_cases.hostile_cases().items():
        with open(os.path.join(directory, name + ".safetensors"), "wb") as f:
            f.write(data)
        notes[name + ".safetensors"] = note
    compare_verdicts(tool, directory, notes, "hostile")


def check_mutations(tool, out, count):
    directory = os.path.join(out, "mutated")
    os.makedirs(directory)
    rng = np.random.default_rng(20240611)
    seeds = st_cases.seed_files()
    for i in range(count):
        data = seeds[i % len(seeds)]
        for _ in range(int(rng.integers(1, 4))):
            data = st_cases.mutate(rng, data)
        with open(os.path.join(directory, f"m{i:05d}.safetensors"), "wb") as f:
            f.write(data)
    compare_verdicts(tool, directory, None, "mutated")


def torch_tensors(seed):
    """One tensor of every dtype torch can save, random bytes, shape (3, 5)."""
    import torch

    g = torch.Generator().manual_seed(seed)
    out = {}
    dtypes = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8,
              torch.int16, torch.int32, torch.int64, torch.uint8, torch.uint16, torch.uint32,
              torch.uint64, torch.complex64, torch.float8_e4m3fn, torch.float8_e5m2,
              torch.float8_e4m3fnuz, torch.float8_e5m2fnuz, torch.float8_e8m0fnu,
              torch.float4_e2m1fn_x2]
    for dtype in dtypes:
        size = torch.empty((), dtype=dtype).element_size()
        raw = torch.randint(0, 256, (3, 5 * size), dtype=torch.uint8, generator=g)
        out[str(dtype).split(".")[-1]] = raw.view(dtype)
    out["bool"] = torch.randint(0, 2, (3, 5), generator=g).to(torch.bool)
    return out


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def canonical_metadata_order(data):
    """Python writes __metadata__ in hash order; ours sorts the keys."""
    n = int.from_bytes(data[:8], "little")
    pairs = json.loads(data[8:8 + n], object_pairs_hook=list)
    fixed = [(k, sorted(v) if k == "__metadata__" else dict(v)) for k, v in pairs]
    header = "{" + ",".join(
        json.dumps(k, ensure_ascii=False) + ":" +
        (("{" + ",".join(json.dumps(a, ensure_ascii=False) + ":" + json.dumps(b, ensure_ascii=False)
                         for a, b in v) + "}") if k == "__metadata__"
         else json.dumps(v, separators=(",", ":"), ensure_ascii=False))
        for k, v in fixed) + "}"
    header = header.encode()
    header += b" " * ((8 - len(header) % 8) % 8)
    assert len(header) == n, "re-encoding changed the header length"
    return data[:8] + header + data[8 + n:]


def check_file_round_trip(tool, out, name, path, metadata, multi_key_metadata=False):
    """Our reader sees path as Python does; our writer reproduces it; Python loads ours."""
    import safetensors.torch as st_torch

    failures_before = len(FAILURES)
    data = file_bytes(path)
    (py_tensors, py_meta), err = python_view(data)
    rec = inspect(tool, [path])[path]
    if not rec["ok"]:
        fail(f"{name}: we reject Python's file: {rec['error']}")
        return
    if our_view(rec) != (py_tensors, py_meta):
        fail(f"{name}: our view differs from Python's")
    ours = os.path.join(out, name + ".ours.safetensors")
    spec = os.path.join(out, name + ".spec.json")
    with open(spec, "w") as f:
        json.dump({"source": path, "metadata": metadata or {}}, f)
    proc = run_tool(tool, "write", ours, spec)
    if proc.returncode != 0:
        fail(f"{name}: st_tool write failed: {proc.stderr.decode()}")
        return
    ours_bytes = file_bytes(ours)
    expected = canonical_metadata_order(data) if multi_key_metadata else data
    if ours_bytes != expected:
        fail(f"{name}: our file differs from save_file's ({len(ours_bytes)} vs {len(data)} bytes)")
    (again, again_meta), err = python_view(ours_bytes)
    if err or again != py_tensors or again_meta != py_meta:
        fail(f"{name}: Python reads ours differently: {err}")
    with safetensors.safe_open(ours, framework="np") as f:
        if (f.metadata() or {}) != (metadata or {}):
            fail(f"{name}: safe_open metadata of ours differs")
    try:
        st_torch.load_file(ours)
    except Exception as e:  # noqa: BLE001
        fail(f"{name}: safetensors.torch.load_file(ours) failed: {e}")
    verdict = "same up to metadata order" if multi_key_metadata else "byte-identical"
    if len(FAILURES) > failures_before:
        verdict = "FAILED"
    print(f"st_diff: {name}: {len(py_tensors)} tensors, {len(data)} bytes, {verdict}")


def check_dtypes(tool, out):
    import torch
    import safetensors.numpy as st_np
    import safetensors.torch as st_torch

    directory = os.path.join(out, "files")
    os.makedirs(directory)
    files = []

    path = os.path.join(directory, "all_dtypes.safetensors")
    st_torch.save_file(torch_tensors(1), path, metadata={"format": "pt"})
    files.append(("all_dtypes", path, {"format": "pt"}, False))

    g = torch.Generator().manual_seed(2)
    shapes = {
        "scalar.f32": torch.tensor(2.5),
        "scalar.bool": torch.tensor(True),
        "scalar.i64": torch.tensor(-7, dtype=torch.int64),
        "empty.f16": torch.zeros(0, dtype=torch.float16),
        "empty.bf16": torch.zeros(4, 0, 3, dtype=torch.bfloat16),
        "large.bf16": torch.randn(1024, 1536, generator=g).to(torch.bfloat16),
        "large.f32": torch.randn(257, 1023, generator=g),
        "ünïcödé/名前": torch.arange(5, dtype=torch.int32),
        "quote\"back\\slash\ttab\x01\x7f": torch.ones(2, dtype=torch.uint8),
    }
    path = os.path.join(directory, "shapes.safetensors")
    st_torch.save_file(shapes, path)
    files.append(("shapes", path, None, False))

    rng = np.random.default_rng(3)
    kinds = [torch.float32, torch.bfloat16, torch.int8, torch.bool, torch.float64, torch.uint16]
    many = {}
    for i in range(600):
        name = "".join(chr(int(c)) for c in rng.integers(97, 123, size=int(rng.integers(1, 12))))
        many[f"{name}.{i}"] = torch.zeros(int(rng.integers(0, 4)), dtype=kinds[i % len(kinds)])
    path = os.path.join(directory, "many.safetensors")
    st_torch.save_file(many, path, metadata={"format": "pt"})
    files.append(("many", path, {"format": "pt"}, False))

    path = os.path.join(directory, "multi_metadata.safetensors")
    meta = {"format": "pt", "zeta": "1", "alpha": "é\n\"", "mid": ""}
    st_torch.save_file({"w": torch.ones(2, 2)}, path, metadata=meta)
    files.append(("multi_metadata", path, meta, True))

    path = os.path.join(directory, "numpy.safetensors")
    arrays = {str(t): np.arange(12).astype(t).reshape(3, 4) for t in
              (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
               np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)}
    st_np.save_file(arrays, path, metadata={"source": "numpy"})
    files.append(("numpy", path, {"source": "numpy"}, False))

    path = os.path.join(directory, "empty.safetensors")
    st_torch.save_file({}, path)
    files.append(("empty", path, None, False))

    for name, path, metadata, multi in files:
        check_file_round_trip(tool, directory, name, path, metadata, multi)


def tensor_sha(t):
    import torch

    return sha(t.detach().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())


def check_checkpoint(tool, out, dtype_name, max_shard):
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=128, tie_word_embeddings=False)
    model = LlamaForCausalLM(config).to(getattr(torch, dtype_name))
    state = model.state_dict()
    label = f"checkpoint-{dtype_name}"
    py_dir = os.path.join(out, label + "-python")
    model.save_pretrained(py_dir, max_shard_size=max_shard)

    # 1. Checkpoint::Open sees save_pretrained's tensors, byte for byte.
    rec = json.loads(run_tool(tool, "checkpoint", py_dir).stdout)
    if not rec["ok"]:
        fail(f"{label}: Checkpoint::Open rejects save_pretrained's output: {rec['error']}")
        return
    got = {t["name"]: t["sha256"] for t in rec["tensors"]}
    want = {k: tensor_sha(v) for k, v in state.items()}
    if got != want:
        fail(f"{label}: tensors differ from the model's state_dict "
             f"(missing {sorted(set(want) - set(got))[:3]}, extra {sorted(set(got) - set(want))[:3]})")
    if rec["total_bytes"] != sum(v.numel() * v.element_size() for v in state.values()):
        fail(f"{label}: total_bytes {rec['total_bytes']}")
    shards = sorted(f for f in os.listdir(py_dir) if f.endswith(".safetensors"))
    if len(shards) < 3 or len(rec["files"]) != len(shards):
        fail(f"{label}: expected >= 3 shards, Python wrote {shards}, we opened {rec['files']}")

    # 2. WriteCheckpoint of the same tensors in state_dict order.
    ours_dir = os.path.join(out, label + "-ours")
    spec = os.path.join(out, label + ".spec.json")
    with open(spec, "w") as f:
        json.dump({"source": py_dir, "order": list(state), "metadata": {"format": "pt"},
                   "checkpoint": True,
                   "max_shard_bytes": int(max_shard[:-2]) * 1000}, f)
    proc = run_tool(tool, "write", ours_dir, spec)
    if proc.returncode != 0:
        fail(f"{label}: WriteCheckpoint failed: {proc.stderr.decode()}")
        return
    py_files = sorted(f for f in os.listdir(py_dir) if "safetensors" in f)
    our_files = sorted(os.listdir(ours_dir))
    if py_files != our_files:
        fail(f"{label}: file sets differ: Python {py_files}, ours {our_files}")
    same = 0
    for name in py_files:
        a = file_bytes(os.path.join(py_dir, name))
        b = file_bytes(os.path.join(ours_dir, name)) if name in our_files else b""
        if a == b:
            same += 1
        else:
            fail(f"{label}: {name} differs from save_pretrained's")
    # 3. transformers loads ours.
    for name in ("config.json", "generation_config.json"):
        if os.path.exists(os.path.join(py_dir, name)):
            shutil.copy(os.path.join(py_dir, name), ours_dir)
    loaded = AutoModelForCausalLM.from_pretrained(ours_dir, dtype=getattr(torch, dtype_name))
    loaded_state = loaded.state_dict()
    if {k: tensor_sha(v) for k, v in loaded_state.items()} != want:
        fail(f"{label}: from_pretrained(ours) has different weights")
    print(f"st_diff: {label}: {len(state)} tensors in {len(shards)} shards; "
          f"{same}/{len(py_files)} files byte-identical to save_pretrained; "
          f"from_pretrained loads ours")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mutations", type=int, default=4000)
    ap.add_argument("--skip-transformers", action="store_true")
    args = ap.parse_args()
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    start = time.time()
    check_hostile(args.tool, args.out)
    check_mutations(args.tool, args.out, args.mutations)
    check_dtypes(args.tool, args.out)
    if not args.skip_transformers:
        check_checkpoint(args.tool, args.out, "float32", "40KB")
        check_checkpoint(args.tool, args.out, "bfloat16", "15KB")
    print(f"st_diff: {time.time() - start:.1f} s")
    if FAILURES:
        for msg in FAILURES[:40]:
            print("FAIL:", msg)
        print(f"st_diff: {len(FAILURES)} failures")
        return 1
    print("st_diff: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

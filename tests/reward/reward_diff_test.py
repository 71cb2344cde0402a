#!/usr/bin/env python3
"""Differential test of `swerl reward` against the CPython reference
(tests/oracles/reward_oracle.py), and of the C++ primitives (SequenceMatcher,
normalised diff, splitlines, strip) through reward_primitives_tool against
`reward_oracle.py --primitives`.

    reward_diff_test.py --swerl build/swerl \
        [--primitives-tool build/tests/reward/reward_primitives_tool] \
        [--out DIR] [--seed S] [--cases N] [--groups G] [--predicted P] \
        [--prim-cases N] [--jobs J]

Cases come from gen_reward_cases.py (fixed seed, texts cut from real source
files: the box's CPython standard library and lib/**/*.cc|h). By default:
7,800 single outputs + 100 GRPO groups of 16 + 800 general-form cases
(10,200 scored outputs) and 2,500 primitive cases.

Checks, per line: same number of lines, same ids, error null-ness equal, the
same paths in "files" (sorted), per-file similarities equal as doubles, the
reward exact when the union has at most one path and within 1e-12 otherwise
(SPEC 5 step 6). Primitives: the tool's answers equal CPython's exactly.

On mismatch the first cases are printed in full and all are saved under
--out (default: the working directory): reward_diff_failures.txt (report),
reward_diff_failures.input.ndjson (the raw input lines, to replay with
`swerl reward --no-guard FILE` and `reward_oracle.py FILE`), and likewise
reward_prim_failures.*. CPython's answers are cached per input line under
--out (*.oracle-cache; --no-cache to recompute), so reruns only pay for the
C++ side and for lines whose source files changed. Exit 0 when all agree,
1 otherwise.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "tests", "oracles", "reward_oracle.py")
sys.path.insert(0, HERE)
import gen_reward_cases as gen  # noqa: E402

SHOW = 3          # cases printed in full
REPORT = 50       # mismatches listed in the report


def run(cmd, input_path, timeout):
    t0 = time.time()
    with open(input_path, "rb") as f:
        proc = subprocess.run(cmd, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr.decode("utf-8", "replace")[-4000:])
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited with {proc.returncode}")
    return proc.stdout, time.time() - t0


def oracle_salt():
    """What the oracle's answers depend on besides the line."""
    with open(ORACLE, "rb") as f:
        return hashlib.sha256(f.read() + sys.version.encode()).hexdigest()


def run_oracle(lines, args, jobs, tmp, tag):
    """The oracle's output lines, answers cached per input line under --out
    (keyed by the line, the oracle's source and the Python version)."""
    t0 = time.time()
    cache_path = os.path.join(args.out, f"{tag}.oracle-cache")
    salt = oracle_salt().encode()
    keys = [hashlib.sha256(salt + line).hexdigest() for line in lines]
    cache = {}
    if not args.no_cache and os.path.exists(cache_path):
        with open(cache_path, "rb") as f:
            for entry in f:
                key, _, out = entry.partition(b"\t")
                cache[key.decode()] = out
    todo = [i for i, k in enumerate(keys) if k not in cache]
    if todo:
        data = run_oracle_processes([lines[i] for i in todo], args.oracle_args, jobs, tmp, tag)
        outs = data.split(b"\n")[:-1]
        if len(outs) != len(todo):
            raise SystemExit(f"FAIL: the oracle wrote {len(outs)} lines for {len(todo)}")
        for i, out in zip(todo, outs):
            cache[keys[i]] = out + b"\n"
    result = b"".join(cache[k] for k in keys)
    if not args.no_cache:
        with open(cache_path + ".tmp", "wb") as f:
            f.writelines(k.encode() + b"\t" + cache[k] for k in dict.fromkeys(keys))
        os.replace(cache_path + ".tmp", cache_path)
    print(f"{tag}: CPython answered {len(todo)} lines ({len(lines) - len(todo)} cached)")
    return result, time.time() - t0


def run_oracle_processes(lines, args, jobs, tmp, tag):
    """The oracle over contiguous chunks in `jobs` parallel processes."""
    jobs = max(1, min(jobs, len(lines)))
    per = (len(lines) + jobs - 1) // jobs
    procs = []
    for k in range(jobs):
        path = os.path.join(tmp, f"{tag}.{k}.ndjson")
        with open(path, "wb") as f:
            f.writelines(lines[k * per:(k + 1) * per])
        out = open(path + ".out", "wb")
        procs.append((subprocess.Popen([sys.executable, ORACLE, *args, path], stdout=out), out,
                      path + ".out"))
    data = b""
    for proc, out, path in procs:
        rc = proc.wait()
        out.close()
        if rc != 0:
            raise SystemExit(f"FAIL: reward_oracle.py exited with {rc}")
        with open(path, "rb") as f:
            data += f.read()
    return data


def parse_lines(data, who):
    out = []
    for i, line in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n") else
                             data.split(b"\n")):
        try:
            out.append(json.loads(line.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as e:
            out.append({"__unparsable__": f"{who} line {i + 1}: {e}: {line[:200]!r}"})
    return out


def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def compare_result(exp, act, where):
    """Problems (strings) of one scored output."""
    if not isinstance(act, dict):
        return [f"{where}: not an object: {act!r}"[:300]]
    probs = []
    if (exp["error"] is None) != (act.get("error") is None):
        probs.append(f"{where}: error {exp['error']!r} expected, got {act.get('error')!r}")
    ef, af = exp["files"], act.get("files")
    if not isinstance(af, list) or not all(isinstance(x, dict) for x in af):
        probs.append(f"{where}: files is not a list of objects: {af!r}"[:300])
        af = []
    epaths, apaths = [x["path"] for x in ef], [x.get("path") for x in af]
    if epaths != apaths:
        probs.append(f"{where}: paths {epaths!r} expected, got {apaths!r}")
    else:
        for e, a in zip(ef, af):
            s = a.get("similarity")
            if not is_num(s) or float(s) != e["similarity"]:
                probs.append(f"{where}: similarity of {e['path']!r}: {e['similarity']!r} "
                             f"expected, got {s!r}")
    r = act.get("reward")
    if not is_num(r):
        probs.append(f"{where}: reward {exp['reward']!r} expected, got {r!r}")
    elif len(ef) <= 1 or exp["reward"] == -1.0:
        if float(r) != exp["reward"]:
            probs.append(f"{where}: reward {exp['reward']!r} expected, got {r!r}")
    elif abs(float(r) - exp["reward"]) > 1e-12:
        probs.append(f"{where}: reward {exp['reward']!r} expected (multi-file, 1e-12), got {r!r}")
    return probs


def compare_line(exp, act):
    if "__unparsable__" in act:
        return [act["__unparsable__"]]
    if not isinstance(act, dict):
        return [f"not an object: {act!r}"[:300]]
    if "__unparsable__" in exp:
        return [exp["__unparsable__"]]
    probs = []
    if act.get("id") != exp["id"] or type(act.get("id")) is not type(exp["id"]):
        probs.append(f"id {exp['id']!r} expected, got {act.get('id')!r}")
    if "results" in exp:
        res = act.get("results")
        if not isinstance(res, list) or len(res) != len(exp["results"]):
            return probs + [f"results: {len(exp['results'])} expected, got "
                            f"{len(res) if isinstance(res, list) else res!r}"]
        for k, (e, a) in enumerate(zip(exp["results"], res)):
            probs += compare_result(e, a, f"results[{k}]")
    else:
        probs += compare_result(exp, act, "result")
    return probs


def full_case(raw):
    """The input line as readable JSON (invalid bytes shown as U+FFFD)."""
    try:
        return json.dumps(json.loads(raw.decode("utf-8", "replace")), ensure_ascii=False,
                          indent=1)
    except ValueError:
        return raw.decode("utf-8", "replace")


def report(name, lines, expected, actual, mismatches, out_dir):
    """Prints and saves the mismatches; returns False when there are any."""
    txt = os.path.join(out_dir, f"{name}_failures.txt")
    inp = os.path.join(out_dir, f"{name}_failures.input.ndjson")
    if not mismatches:
        for stale in (txt, inp):
            if os.path.exists(stale):
                os.remove(stale)
        return True
    with open(inp, "wb") as f:
        f.writelines(lines[i] for i, _ in mismatches)
    with open(txt, "w", encoding="utf-8", errors="replace") as f:
        f.write(f"{len(mismatches)} mismatching lines of {len(lines)}\n\n")
        for n, (i, probs) in enumerate(mismatches[:REPORT]):
            f.write(f"=== input line {i + 1}\n" + "\n".join(probs) + "\n")
            f.write("--- expected (CPython)\n" + json.dumps(expected[i], ensure_ascii=False) + "\n")
            f.write("--- actual\n" + json.dumps(actual[i], ensure_ascii=False) + "\n")
            f.write("--- input\n" + full_case(lines[i]) + "\n\n")
    print(f"FAIL {name}: {len(mismatches)} of {len(lines)} lines differ")
    for n, (i, probs) in enumerate(mismatches[:SHOW]):
        print(f"=== input line {i + 1}")
        print("\n".join(probs[:10]))
        print("--- expected (CPython): " + json.dumps(expected[i], ensure_ascii=False)[:4000])
        print("--- actual: " + json.dumps(actual[i], ensure_ascii=False)[:4000])
        print("--- input:\n" + full_case(lines[i])[:20000])
    for i, probs in mismatches[SHOW:12]:
        print(f"line {i + 1}: " + "; ".join(probs[:3])[:400])
    print(f"report: {txt}\ninputs: {inp}")
    return False


def differential(lines, cmd, oracle_args, args, name, compare, tmp):
    path = os.path.join(tmp, f"{name}.ndjson")
    with open(path, "wb") as f:
        f.writelines(lines)
    act_data, t_cpp = run(cmd, path, args.timeout)
    args.oracle_args = oracle_args
    exp_data, t_py = run_oracle(lines, args, args.jobs, tmp, name)
    expected, actual = parse_lines(exp_data, "oracle"), parse_lines(act_data, "swerl")
    print(f"{name}: {len(lines)} lines; C++ {t_cpp:.1f} s, CPython ({args.jobs} processes) "
          f"{t_py:.1f} s")
    if len(expected) != len(lines):
        raise SystemExit(f"FAIL: the oracle wrote {len(expected)} lines for {len(lines)}")
    mismatches = []
    if len(actual) != len(lines):
        mismatches.append((min(len(actual), len(lines) - 1),
                           [f"{len(lines)} output lines expected, got {len(actual)}"]))
    for i, (e, a) in enumerate(zip(expected, actual)):
        probs = compare(e, a)
        if probs:
            mismatches.append((i, probs))
    actual += [None] * (len(lines) - len(actual))
    return report(name, lines, expected, actual, mismatches, args.out)


def compare_primitive(exp, act):
    if isinstance(act, dict) and "__unparsable__" in act:
        return [act["__unparsable__"]]
    if act == exp:  # Python equality: floats exact, 1 == 1.0
        return []
    return [f"{json.dumps(exp, ensure_ascii=False)[:300]} expected, got "
            f"{json.dumps(act, ensure_ascii=False)[:300]}"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--primitives-tool", default="")
    ap.add_argument("--out", default=".")
    ap.add_argument("--seed", type=int, default=20250101)
    ap.add_argument("--cases", type=int, default=7800)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--predicted", type=int, default=800)
    ap.add_argument("--prim-cases", type=int, default=2500)
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--no-cache", action="store_true",
                    help="recompute every CPython answer (default: reuse the answers cached\n"
                         "under --out for unchanged lines)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    ok = True
    with tempfile.TemporaryDirectory(prefix="reward_diff.") as tmp:
        if args.primitives_tool:
            prim = [gen.encode_line(o) for o in gen.primitive_cases(args.seed, args.prim_cases)]
            ok &= differential(prim, [args.primitives_tool], ["--primitives"], args,
                               "reward_prim", compare_primitive, tmp)
        else:
            print("primitives: no --primitives-tool given, skipped")
        lines = list(gen.generate(args.seed, args.cases, args.groups, args.predicted))
        outputs = args.cases + args.predicted + 16 * args.groups
        print(f"generated {len(lines)} lines ({outputs} scored outputs, "
              f"{sum(map(len, lines)) / 1e6:.1f} MB) in {time.time() - t0:.1f} s")
        ok &= differential(lines, [args.swerl, "reward", "--no-guard"], [], args, "reward_diff",
                           compare_line, tmp)
    print(f"{'PASS' if ok else 'FAIL'} in {time.time() - t0:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

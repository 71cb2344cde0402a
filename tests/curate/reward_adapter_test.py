#!/usr/bin/env python3
"""python/swerl_reward.py, the reward adapter for verl and TRL (issue 22):
its scores equal `swerl reward`'s on the same outputs, and each seed's oracle
change scores 1.0.

On the demo's shard (demo_store.py), exported with --format verl and hf, for
every seed: the oracle change (one whole-file SEARCH/REPLACE block per
changed file), the first changed file only, an edit of an unchanged file, a
lone blank line, and an answer without the tags. References: `swerl reward`
run here on requests built from the seeds' NDJSON records (not from the
exported ground truth). Scored through verl's compute_score (one process
kept for every call, restarted when killed) and compute_score_batch, and
TRL's swe_rl_reward on the verl rows and on the hf rows as `datasets` gives
them.

    reward_adapter_test.py --swerl BIN [--keep DIR] [--store STORE]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import datasets
import pyarrow.parquet as pq

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import demo_store  # noqa: E402

sys.path.insert(0, os.path.join(demo_store.ROOT, "python"))
import swerl_reward  # noqa: E402

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)
    return cond


def block(path, before, after):
    return ("```\n### %s\n<<<<<<< SEARCH\n%s\n=======\n%s\n>>>>>>> REPLACE\n```"
            % (path, before, after))


def answer(blocks):
    return "<think>\nThe change.\n</think>\n<solution>\n" + "\n\n".join(blocks) + "\n</solution>"


def outputs_for(seed):
    """(name, output) pairs for one seed record."""
    context, oracle = seed["context"], seed["oracle"]
    changed = [(p, context.get(p, ""), after) for p, after in oracle.items()
               if context.get(p, "") != after]
    out = [("oracle", answer([block(*c) for c in changed]))]
    if len(changed) > 1:
        out.append(("first file", answer([block(*changed[0])])))
    untouched = [p for p in context if p not in oracle and context[p]]
    if untouched:
        text = context[untouched[0]]
        out.append(("unchanged file", answer([block(untouched[0], text, text + "# edit\n")])))
    if changed:
        path, before, _ = changed[0]
        out.append(("blank line", answer([block(path, before, before + "\n")])))
    out.append(("no tags", "I would change the parser."))
    return out


def reference(swerl, work, seeds, outputs):
    """`swerl reward` on requests built from the records: one reward per output."""
    path = os.path.join(work, "requests.ndjson")
    with open(path, "w", encoding="utf-8") as f:
        for k, (seed, outs) in enumerate(zip(seeds, outputs)):
            f.write(json.dumps({"id": k, "context": seed["context"], "oracle": seed["oracle"],
                                "outputs": [o for _, o in outs]}) + "\n")
    p = subprocess.run([swerl, "reward", "-q", path], stdout=subprocess.PIPE, check=True)
    return [[r["reward"] for r in json.loads(line)["results"]]
            for line in p.stdout.decode("utf-8").splitlines()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swerl", required=True)
    ap.add_argument("--keep", help="work in this directory and leave it")
    ap.add_argument("--store", help="the demo's store, made by demo_store.py (default: made here)")
    args = ap.parse_args()
    swerl = args.swerl
    work = args.keep or tempfile.mkdtemp(prefix="swerl-reward-adapter-")
    os.makedirs(work, exist_ok=True)
    try:
        db = os.path.abspath(args.store) if args.store else demo_store.make_store(swerl, work)
        j = lambda *p: os.path.join(work, *p)  # noqa: E731
        p = subprocess.run([swerl, "export", "-q", "--db", db, "--out", j("shard.db"),
                            "--ndjson"], stdout=subprocess.PIPE, check=True)
        seeds = [json.loads(line) for line in p.stdout.decode("utf-8").splitlines()]
        for fmt in ("verl", "hf"):
            subprocess.run([swerl, "export", "-q", "--seeds", j("shard.db"), "--format", fmt,
                            "--out", j(fmt + ".parquet")], check=True)
        verl = pq.read_table(j("verl.parquet")).to_pylist()
        hf = datasets.Dataset.from_parquet(j("hf.parquet"), cache_dir=j("hf-cache"))
        check(len(verl) == len(seeds) == len(hf), "row counts")

        outputs = [outputs_for(s) for s in seeds]
        want = reference(swerl, work, seeds, outputs)
        names = [n for outs in outputs for n, _ in outs]
        flat_want = [r for rs in want for r in rs]
        oracle = [r for n, r in zip(names, flat_want) if n == "oracle"]
        check(oracle and all(r == 1.0 for r in oracle),
              "oracle answers score %s, not all 1.0" % oracle)
        check(any(-1.0 < r < 1.0 for r in flat_want), "no partial reward among the cases")
        check(any(r == -1.0 for r in flat_want), "no format error among the cases")

        texts = [o for outs in outputs for _, o in outs]
        truths = [row["reward_model"]["ground_truth"] for row, outs in zip(verl, outputs)
                  for _ in outs]
        # verl, one response per call: the kept process answers every call.
        got = [swerl_reward.compute_score("swerl", t, g, swerl=swerl)
               for t, g in zip(texts, truths)]
        check(got == flat_want, "compute_score differs: %s" % [
            (n, a, b) for n, a, b in zip(names, got, flat_want) if a != b][:5])
        # ... and a killed process is restarted.
        swerl_reward._SCORER._proc.kill()
        swerl_reward._SCORER._proc.wait()
        check(swerl_reward.compute_score("swerl", texts[0], truths[0], swerl=swerl) ==
              flat_want[0], "compute_score after the scorer died")
        # A forked worker starts its own process and leaves its parent's alone.
        parent_proc = swerl_reward._SCORER._proc
        pid = os.fork()
        if pid == 0:
            ok = swerl_reward.compute_score("swerl", texts[1], truths[1], swerl=swerl) == \
                flat_want[1] and swerl_reward._SCORER._proc is not parent_proc
            swerl_reward._SCORER.close()
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        check(status == 0, "compute_score in a forked child")
        check(swerl_reward._SCORER._proc is parent_proc and parent_proc.poll() is None and
              swerl_reward.compute_score("swerl", texts[2], truths[2], swerl=swerl) ==
              flat_want[2], "the parent's scorer after the child")
        # verl's batch reward manager: one process for all.
        extra = [row["extra_info"] for row, outs in zip(verl, outputs) for _ in outs]
        got = swerl_reward.compute_score_batch(["swerl"] * len(texts), texts, truths, extra,
                                               swerl=swerl)
        check(got == flat_want, "compute_score_batch differs")
        # With the chat template's "<think>\n" in the prompt, prefix= restores it.
        got = swerl_reward.compute_score_batch(
            ["swerl"] * len(texts), [t[len("<think>\n"):] if t.startswith("<think>\n") else t
                                     for t in texts], truths, swerl=swerl, prefix="<think>\n")
        want_prefixed = [w if t.startswith("<think>\n") else None for t, w in
                         zip(texts, flat_want)]
        check([g for g, w in zip(got, want_prefixed) if w is not None] ==
              [w for w in want_prefixed if w is not None], "prefix= differs")

        # TRL on verl's rows: conversational completions, the columns as kwargs.
        completions = [[{"role": "assistant", "content": t}] for t in texts]
        kwargs = {col: [row[col] for row, outs in zip(verl, outputs) for _ in outs]
                  for col in ("data_source", "ability", "reward_model", "extra_info")}
        got = swerl_reward.swe_rl_reward(completions, swerl=swerl, **kwargs)
        check(got == flat_want, "swe_rl_reward on verl rows differs")
        # TRL on hf rows as datasets returns them, text completions.
        rows = [hf[i] for i, outs in enumerate(outputs) for _ in outs]
        kwargs = {col: [r[col] for r in rows] for col in ("instance_id", "context", "oracle")}
        got = swerl_reward.swe_rl_reward(texts, swerl=swerl, jobs=2, **kwargs)
        check(got == flat_want, "swe_rl_reward on hf rows differs")
        check(swerl_reward.score([], [], swerl=swerl) == [], "an empty batch")

        # Refusals are errors, not rewards.
        for bad in ("{}", '{"context": {}}'):
            try:
                swerl_reward.compute_score("swerl", texts[0], bad, swerl=swerl)
                check(False, "ground truth %r was accepted" % bad)
            except swerl_reward.RewardError:
                pass
        try:
            swerl_reward.score(["x"], [truths[0]], swerl=j("no-such-swerl"))
            check(False, "a missing binary was accepted")
        except (swerl_reward.RewardError, OSError):
            pass
        print("%d outputs of %d seeds: compute_score, compute_score_batch and swe_rl_reward "
              "(verl and hf rows) equal swerl reward; %d oracle answers score 1.0" % (
                  len(texts), len(seeds), len(oracle)))
    finally:
        swerl_reward._SCORER.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if FAILURES:
        print("%d checks failed" % len(FAILURES), file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

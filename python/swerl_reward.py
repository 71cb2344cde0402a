"""The SWE-RL reward of `swerl reward`, for Python trainers (verl, TRL).

The rows of `swerl export --format verl` carry in reward_model.ground_truth
what the reward needs: {"context": {path: text}, "oracle": {path: text}}, the
members of a `swerl reward` request (schemas/records/reward.md). The rows of
`--format hf` carry the same as the columns `context` and `oracle`. This
module sends model outputs with them to the `swerl` binary and returns its
rewards unchanged: -1.0 for a format error, else the mean patch similarity
in [0, 1]; the oracle change scores 1.0.

verl (custom reward function; schemas/export_verl.md):

    custom_reward_function.path=python/swerl_reward.py
    custom_reward_function.name=compute_score          # one output per call
    # or, with reward_model.reward_manager=batch:
    custom_reward_function.name=compute_score_batch     # one process per batch

TRL (GRPOTrainer(reward_funcs=[swerl_reward.swe_rl_reward], ...)) on a
dataset loaded from either export: the `prompt` column of verl's rows is
already a list of chat messages.

The binary is `swerl` on PATH, or $SWERL_BIN, or the `swerl=` argument.
compute_score keeps one `swerl reward --line-buffered` process per Python
process and answers each call through it; the batch functions start one
`swerl reward` per call and send it every output at once (outputs sharing a
ground truth, a GRPO group, go as one request, so the oracle's diffs are
computed once), scored on all cores unless jobs= says otherwise.

When the chat template already opens the model's thought (a generation
prompt ending in "<think>\\n"), pass prefix="<think>\\n" (verl:
custom_reward_function.reward_kwargs) so the scored text is the whole answer
the reward expects.
"""

import atexit
import json
import os
import shutil
import subprocess
import threading

__all__ = ["RewardError", "score", "compute_score", "compute_score_batch", "swe_rl_reward"]


class RewardError(RuntimeError):
    """`swerl reward` failed or refused a request (not a low reward)."""


def _binary(swerl=None):
    path = swerl or os.environ.get("SWERL_BIN") or shutil.which("swerl")
    if not path:
        raise RewardError("the swerl binary was not found: put it on PATH, set SWERL_BIN "
                          "or pass swerl=")
    return path


def _ground_truth_json(ground_truth):
    """The ground truth as the text of a JSON object with context and oracle."""
    if isinstance(ground_truth, (bytes, bytearray)):
        ground_truth = ground_truth.decode("utf-8")
    if isinstance(ground_truth, str):
        # The export writes exactly this shape; it is spliced into the request
        # as it is (no parse of the whole files for every call).
        if not (ground_truth.startswith('{"context":') and ground_truth.endswith("}")):
            raise RewardError("ground_truth is not swerl's {\"context\": ..., \"oracle\": ...}")
        return ground_truth
    if isinstance(ground_truth, dict) and "context" in ground_truth and "oracle" in ground_truth:
        return json.dumps({"context": ground_truth["context"], "oracle": ground_truth["oracle"]},
                          ensure_ascii=False)
    raise RewardError("ground_truth must be swerl's JSON text or a dict with context and oracle")


def _request(request_id, ground_truth_json, key, value):
    """One request line: the ground truth's members spliced after the id."""
    return ('{"id":%s,%s,"%s":%s}\n' % (json.dumps(request_id), ground_truth_json[1:-1], key,
                                         json.dumps(value, ensure_ascii=False)))


def _reward_of(result, where):
    if result.get("reward") is None:
        raise RewardError("swerl reward refused %s: %s" % (where, result.get("error")))
    return float(result["reward"])


def score(outputs, ground_truths, swerl=None, jobs=None, prefix="", timeout=None):
    """The rewards of outputs[i] against ground_truths[i], in order, from one
    `swerl reward` process. Each ground truth is swerl's JSON text (verl's
    reward_model.ground_truth) or a dict with context and oracle."""
    if len(outputs) != len(ground_truths):
        raise ValueError("%d outputs but %d ground truths" % (len(outputs), len(ground_truths)))
    if not outputs:
        return []
    groups = {}  # ground truth text -> indices of its outputs, first seen first
    for i, truth in enumerate(ground_truths):
        groups.setdefault(_ground_truth_json(truth), []).append(i)
    lines = []
    for g, (truth, indices) in enumerate(groups.items()):
        lines.append(_request(g, truth, "outputs", [prefix + outputs[i] for i in indices]))
    argv = [_binary(swerl), "reward", "-q"] + (["-j", str(jobs)] if jobs else [])
    proc = subprocess.run(argv, input="".join(lines).encode("utf-8"), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)
    answers = proc.stdout.decode("utf-8").splitlines()
    if proc.returncode != 0 or len(answers) != len(lines):
        raise RewardError("%s exited with status %d after %d of %d answers: %s" % (
            " ".join(argv), proc.returncode, len(answers), len(lines),
            proc.stderr.decode("utf-8", "replace").strip()))
    rewards = [0.0] * len(outputs)
    for answer, (truth, indices) in zip(answers, groups.items()):
        results = json.loads(answer)
        if "results" not in results:  # an invalid request, answered in place
            _reward_of(results, "a request")
        for i, result in zip(indices, results["results"]):
            rewards[i] = _reward_of(result, "output %d" % i)
    return rewards


class _LineScorer:
    """One `swerl reward --line-buffered` process, answering one request at a
    time; restarted when it has died. Thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._proc = None
        self._argv = None
        self._pid = None  # the Python process that started it
        self._next_id = 0

    def _start(self, argv):
        # A forked child (a data loader or reward worker) leaves its parent's
        # process alone and starts its own.
        self.close()
        self._argv = argv
        self._pid = os.getpid()
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def score(self, output, ground_truth, swerl=None, jobs=None):
        argv = [_binary(swerl), "reward", "-q", "--line-buffered", "-j", str(jobs or 1)]
        line = _request(0, _ground_truth_json(ground_truth), "output", output)
        with self._lock:
            for attempt in (0, 1):
                if (self._proc is None or self._pid != os.getpid() or
                        self._proc.poll() is not None or self._argv != argv):
                    self._start(argv)
                self._next_id += 1
                request = '{"id":%d,%s' % (self._next_id, line[len('{"id":0,'):])
                try:
                    self._proc.stdin.write(request.encode("utf-8"))
                    self._proc.stdin.flush()
                    answer = self._proc.stdout.readline()
                except (BrokenPipeError, OSError):
                    answer = b""
                if answer:
                    break
                self.close()
                if attempt:
                    raise RewardError("%s ended without answering" % " ".join(argv))
            result = json.loads(answer)
            if result.get("id") != self._next_id:
                raise RewardError("swerl reward answered request %r, not %r" % (
                    result.get("id"), self._next_id))
        return _reward_of(result, "the output")

    def close(self):
        """Ends the process (this Python process's own; a forked child only
        forgets its parent's)."""
        proc, self._proc = self._proc, None
        if proc is None or self._pid != os.getpid():
            return
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()


_SCORER = _LineScorer()
atexit.register(_SCORER.close)


def compute_score(data_source, solution_str, ground_truth, extra_info=None, swerl=None,
                  prefix="", **kwargs):
    """verl's custom reward function: the reward of one response."""
    return _SCORER.score(prefix + solution_str, ground_truth, swerl=swerl)


def compute_score_batch(data_sources, solution_strs, ground_truths, extra_infos=None,
                        swerl=None, jobs=None, prefix="", **kwargs):
    """verl's batch reward function (reward_manager=batch): one reward per
    response, from one `swerl reward` process."""
    return score(solution_strs, ground_truths, swerl=swerl, jobs=jobs, prefix=prefix)


def _completion_text(completion):
    """A TRL completion: text, or chat messages whose last one is the answer."""
    if isinstance(completion, str):
        return completion
    return completion[-1]["content"]


def _files(items):
    """hf's context/oracle column value ([{path, content}, ...], or the dict
    of lists older `datasets` make of a sequence of structs) as a dict."""
    if isinstance(items, dict):
        return dict(zip(items["path"], items["content"]))
    return {f["path"]: f["content"] for f in items}


def swe_rl_reward(completions, swerl=None, jobs=None, prefix="", **kwargs):
    """A TRL reward function (GRPOTrainer reward_funcs): the rewards of the
    completions, reading the ground truth from the dataset's columns —
    reward_model (verl's export) or context and oracle (the hf export)."""
    if "reward_model" in kwargs:
        truths = [r["ground_truth"] for r in kwargs["reward_model"]]
    elif "context" in kwargs and "oracle" in kwargs:
        truths = [{"context": _files(c), "oracle": _files(o)}
                  for c, o in zip(kwargs["context"], kwargs["oracle"])]
    else:
        raise RewardError("the dataset has neither reward_model (swerl export --format verl) "
                          "nor context and oracle (--format hf)")
    return score([_completion_text(c) for c in completions], truths, swerl=swerl, jobs=jobs,
                 prefix=prefix)

#!/usr/bin/env python3
"""Reference for the SWE-RL reward (SPEC section 5): a faithful port of R's
`calculate_search_replace_reward` (src/swerl/core/reward.py) on CPython's own
`difflib`, `re`, `str.splitlines` and `str.strip`.

    reward_oracle.py [FILE...|-]          NDJSON in, one result line per line
    reward_oracle.py --primitives [FILE...|-]

Reward mode, one input line ->  one output line, in order:
  {"id", "context": {path: text}, "oracle": {path: new_text}, "output": text}
      -> {"id", "reward": R, "error": null|"message", "files": [{"path", "similarity"}]}
  the same with "outputs": [text, ...]    (a GRPO group)
      -> {"id", "results": [{"reward", "error", "files"}, ...]}
  the same with "predicted": {path: new_text} instead of "output" (general form)
      -> {"id", "reward", "error": null, "files"}
"files" lists every path of the union in sorted order (empty when the reward
is -1). Each group output is scored by its own call of the reward function,
exactly as R's users do today (the oracle's diffs are recomputed per output).

Primitive mode (CPython answers, for the C++ primitives' tool):
  {"op":"ratio","a","b","autojunk"} -> {"ratio", "blocks": [[i,j,k], ...]}
  {"op":"diff","old","new"}        -> {"diff"}   (normalised diff, SPEC 5 step 4)
  {"op":"splitlines","s"}          -> {"lines"}
  {"op":"strip","s"}               -> {"s"}

Input lines are read as bytes and decoded with errors="replace" (one U+FFFD
per maximal invalid subpart) before json.loads; blank lines are skipped; an
invalid request is answered in place with {"id": null, "reward": null,
"error": "invalid request: ..."} (schemas/records/reward.md).
Output: json.dumps(..., ensure_ascii=False), UTF-8.
"""
import difflib
import json
import re
import sys

THINK_START = "<think>"
THINK_END = "</think>"
ANSWER_START = "<solution>"
ANSWER_END = "</solution>"

# SPEC section 5 step 2, EXACT (no flags).
SEARCH_REPLACE_REGEX = r"```.*?\n### (.*)\n<<<<<<< SEARCH\n([\s\S]*?)\n=======\n([\s\S]*?)\n>>>>>>> REPLACE\n```"


class FormatError(Exception):
    pass


def extract_thought_solution(output):
    for tag in (THINK_START, THINK_END, ANSWER_START, ANSWER_END):
        if output.count(tag) != 1:
            raise FormatError(f"count of {tag} is not 1")
    thought = output.split(THINK_START)[1].split(THINK_END)[0].strip()
    answer = output.split(ANSWER_START)[1].split(ANSWER_END)[0].strip()
    if len(thought) == 0:
        raise FormatError("Thought is empty")
    return thought, answer


def parse_search_replace(text):
    """Ordered map path -> [(search, replace), ...], duplicates kept."""
    result = {}
    for path, search, replace in re.findall(SEARCH_REPLACE_REGEX, text):
        result.setdefault(path, []).append((search, replace))
    return result


def generate_unified_diff(old_code, new_code, n_context=3):
    diff = difflib.unified_diff(old_code.splitlines(), new_code.splitlines(),
                                fromfile="old", tofile="new", lineterm="", n=n_context)
    try:
        next(diff)
        next(diff)
        return "\n".join(diff)
    except StopIteration:
        return ""


def apply_code_change(code_context, search_replace_dict):
    new_content_dict = {}
    for path, search_replaces in search_replace_dict.items():
        new_content = "\n" + code_context.get(path, "")
        for search, replace in search_replaces:
            if len(search) == len(replace) and search == replace:
                raise FormatError("Search and replace blocks are identical")
            search = "\n" + search
            replace = "\n" + replace
            if search not in new_content:
                raise FormatError(f"Search block not found in the code: {search}")
            new_content = new_content.replace(search, replace)
        new_content_dict[path] = new_content[1:]
    return new_content_dict


def get_normalized_patch(code_context, new_content_dict):
    patch_dict = {}
    for path, new_content in new_content_dict.items():
        patch = generate_unified_diff(code_context.get(path, ""), new_content)
        if patch:
            patch_dict[path] = patch
    return patch_dict


def compute_change_similarities(pred_patch, oracle_patch):
    """Per path of the union, in sorted path order (SPEC 5 step 6)."""
    similarities = []
    for path in sorted(set(oracle_patch) | set(pred_patch)):
        pred_change = pred_patch.get(path, "")
        oracle_change = oracle_patch.get(path, "")
        if oracle_change == "" or pred_change == "":
            similarity = 0.0
        else:
            similarity = difflib.SequenceMatcher(None, pred_change, oracle_change,
                                                 autojunk=False).ratio()
        similarities.append((path, similarity))
    return similarities


def calculate_reward(code_context, oracle_new_content, pred_new_content):
    """The general form: reward from predicted new file contents."""
    oracle_patch = get_normalized_patch(code_context, oracle_new_content)
    pred_patch = get_normalized_patch(code_context, pred_new_content)
    similarities = compute_change_similarities(pred_patch, oracle_patch)
    if not similarities:
        return 1.0, []
    total = 0.0
    for _, s in similarities:  # plain left-to-right sum in sorted path order
        total += s
    return total / len(similarities), similarities


def calculate_search_replace_reward(code_context, oracle_new_content, output):
    """(reward, error message or None, [(path, similarity), ...])."""
    try:
        _, answer = extract_thought_solution(output)
        pred_search_replaces = parse_search_replace(answer)
        if len(pred_search_replaces) == 0:
            raise FormatError("No valid search blocks found")
        pred_new_content = apply_code_change(code_context, pred_search_replaces)
        reward, similarities = calculate_reward(code_context, oracle_new_content,
                                                pred_new_content)
        return reward, None, similarities
    except FormatError as e:
        return -1.0, str(e), []


def _result(reward, error, similarities):
    return {"reward": reward, "error": error,
            "files": [{"path": p, "similarity": s} for p, s in similarities]}


def _str_map(obj, key):
    value = obj.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f'"{key}" must be an object of strings')
    return value


def score_line(obj):
    if not isinstance(obj, dict):
        raise ValueError("line is not a JSON object")
    out = {"id": obj.get("id")}
    ctx = _str_map(obj, "context")
    oracle = _str_map(obj, "oracle")
    if "outputs" in obj:
        outputs = obj["outputs"]
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise ValueError('"outputs" must be an array of strings')
        out["results"] = [_result(*calculate_search_replace_reward(ctx, oracle, o))
                          for o in outputs]
    elif "predicted" in obj:
        reward, sims = calculate_reward(ctx, oracle, _str_map(obj, "predicted"))
        out.update(_result(reward, None, sims))
    elif isinstance(obj.get("output"), str):
        out.update(_result(*calculate_search_replace_reward(ctx, oracle, obj["output"])))
    else:
        raise ValueError('need "output", "outputs" or "predicted"')
    return out


def primitive(obj):
    op = obj.get("op")
    if op == "ratio":
        sm = difflib.SequenceMatcher(None, obj["a"], obj["b"], autojunk=bool(obj["autojunk"]))
        return {"ratio": sm.ratio(), "blocks": [list(b) for b in sm.get_matching_blocks()]}
    if op == "diff":
        return {"diff": generate_unified_diff(obj["old"], obj["new"])}
    if op == "splitlines":
        return {"lines": obj["s"].splitlines()}
    if op == "strip":
        return {"s": obj["s"].strip()}
    raise ValueError(f"unknown op {op!r}")


def iter_lines(paths):
    """Byte lines of the given files ('-' or none = stdin)."""
    for path in paths or ["-"]:
        f = sys.stdin.buffer if path == "-" else open(path, "rb")
        try:
            for raw in f:
                yield raw
        finally:
            if f is not sys.stdin.buffer:
                f.close()


def main(argv):
    args = argv[1:]
    prim = "--primitives" in args
    paths = [a for a in args if a != "--primitives"]
    handler = primitive if prim else score_line
    out = sys.stdout.buffer
    for raw in iter_lines(paths):
        text = raw.decode("utf-8", errors="replace")
        if not text.strip():
            continue
        try:
            result = handler(json.loads(text))
        except (ValueError, KeyError, TypeError) as e:
            # Answered in place, as schemas/records/reward.md says.
            result = {"id": None, "reward": None, "error": f"invalid request: {e}"}
        out.write(json.dumps(result, ensure_ascii=False).encode("utf-8", "surrogatepass"))
        out.write(b"\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

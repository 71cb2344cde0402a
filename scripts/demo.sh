#!/usr/bin/env bash
# make demo: the data pipeline end to end, offline, through the real code
# paths. A generated "sample world" (scripts/demo_world.py: git repositories
# with bug-fix PRs closing issues, bot PRs, lock-file bumps, docs-only PRs,
# squash and rebase merges, a fork, a SWE-bench repository, a deleted one)
# joins the bundled real GH Archive hours. A loopback HTTP server plays
# data.gharchive.org and `git daemon` plays github.com; then `swerl fetch`,
# `events | ingest`, `link`, `clone`, `assemble`, `relevant`, `filter`,
# `export` and `check` make a checked shard of RL seeds, and each PR's fate
# is compared with what the world meant it to be.
#   scripts/demo.sh [BUILD_DIR]        output in demo-out/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
SWERL=$BUILD/swerl
PYTHON=${SWERL_VENV:-$HOME/.cache/swerl/venv}/bin/python
[[ -x $PYTHON ]] || PYTHON=python3
OUT=${DEMO_OUT:-$ROOT/demo-out}
rm -rf "$OUT"
mkdir -p "$OUT"
DB=$OUT/swerl.db
SECONDS=0

step() { printf '\n== [%3ds] %s\n' "$SECONDS" "$*"; }
sql() { printf '%s\n' "sqlite> $1"; sqlite3 -header -column "$DB" "$1" | sed 's/^/  /'; }
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

step "the sample world: git repositories and the GH Archive hours that tell of them"
"$PYTHON" "$ROOT/scripts/demo_world.py" "$OUT/world"
mkdir -p "$OUT/served"
cp "$ROOT"/data/gharchive/*.json.gz "$OUT"/world/hours/*.json.gz "$OUT/served/"
ls "$OUT/served"

step "serving the bundled real hours (06-09) and the world's (10-12) on 127.0.0.1 (for https://data.gharchive.org)"
# Real servers misbehave: hour 7 answers HTTP 500 twice, hour 8 drops the
# connection after 40 kB (the retry resumes it with a Range request).
cat > "$OUT/faults.json" <<'JSON'
{"2021-07-21-7.json.gz": [{"status": 500, "times": 2}],
 "2021-07-21-8.json.gz": [{"drop_after": 40000, "times": 1}]}
JSON
"$PYTHON" "$ROOT/tests/net/fault_server.py" --root "$OUT/served" --port 0 \
  --port-file "$OUT/port" --rules "$OUT/faults.json" --log "$OUT/requests.ndjson" \
  2> "$OUT/server.log" &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 100); do [[ -s $OUT/port ]] && break; sleep 0.05; done
PORT=$(cat "$OUT/port")
echo "server pid $SERVER on port $PORT"

step "swerl fetch --from 2021-07-21T05 --to 2021-07-21T13 (hours 5 and 13 are not on the server)"
"$SWERL" fetch --from 2021-07-21T05 --to 2021-07-21T13 --dir "$OUT/hours" \
  --base-url "http://127.0.0.1:$PORT" -j 4 --retry-base-ms 200 -v
echo "requests the server saw:"
"$PYTHON" - "$OUT/requests.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("  " + " ".join(f"{k}={v}" for k, v in r.items() if k in ("path", "status", "range", "fault")))
PY
ls -l "$OUT/hours"
for f in "$OUT"/served/*.json.gz; do cmp "$f" "$OUT/hours/$(basename "$f")"; done
echo "all fetched hours are byte-identical to the served files"
echo "manifest:"
cut -c1-160 "$OUT/hours/manifest.ndjson"

step "swerl fetch again: complete hours are skipped"
"$SWERL" fetch --from 2021-07-21T05 --to 2021-07-21T13 --dir "$OUT/hours" \
  --base-url "http://127.0.0.1:$PORT" -j 4

step "swerl events hours/*.json.gz | swerl ingest --db swerl.db"
"$SWERL" events "$OUT"/hours/*.json.gz | tee "$OUT/events.ndjson" | "$SWERL" ingest --db "$DB"
echo "a normalized event (schemas/records/event.md):"
grep -m1 '"repo":"acme/textkit".*"action":"closed"' "$OUT/events.ndjson" | cut -c1-300
echo "..."

step "swerl link: which issues each pull request closes"
"$SWERL" link --db "$DB"

step "swerl clone over git:// from a git daemon on 127.0.0.1 (for github.com)"
mkdir -p "$OUT/daemon"
GIT_PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --reuseaddr --base-path="$OUT/world/git" --export-all --listen=127.0.0.1 \
  --port="$GIT_PORT" --pid-file="$OUT/daemon/pid" 2> "$OUT/daemon/log" &
PIDS+=("$!")
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$GIT_PORT") 2>/dev/null && break
  sleep 0.05
done
echo "git daemon on port $GIT_PORT; the real hours' repositories are not on it (recorded as missing)"
"$SWERL" clone --db "$DB" --repos "$OUT/repos" -j 4 --retry-base-ms 100 \
  --url-template "git://127.0.0.1:$GIT_PORT/{owner}/{name}.git" --no-progress || true

step "swerl assemble: each merged PR's base, patch, test patch and file contents"
"$SWERL" assemble --db "$DB" --repos "$OUT/repos" --no-progress

step "swerl relevant: files the change did not touch but a model should see (BM25, top 3)"
"$SWERL" relevant --db "$DB" --repos "$OUT/repos" -k 3 --no-progress

step "swerl license: each repository's licence from its LICENSE/COPYING files (SPDX texts of data/licenses/)"
"$SWERL" license --db "$DB" --repos "$OUT/repos"

step "swerl filter --preset seeds --created-after 2020-01-01 (decisions recorded in the store; dropped ones explained)"
# --created-after: a model trained on data up to 2019 has not seen what remains.
"$SWERL" filter --db "$DB" --preset seeds --created-after 2020-01-01 --explain "$OUT/dropped.ndjson"
echo "why some were dropped (dropped.ndjson):"
"$PYTHON" - "$OUT/dropped.ndjson" <<'PY'
import json, sys
for line in list(open(sys.argv[1], encoding="utf-8"))[:6]:
    r = json.loads(line)
    print(f'  {r.get("instance_id")}: {r.get("rule")}: {str(r.get("detail"))[:90]}')
PY

echo "what was stripped from a problem statement because it named the fix or held an e-mail address (the seed's \"stripped\"):"
"$SWERL" export --db "$DB" --all --ndjson --where "repo = 'dana/geo-tools'" 2>/dev/null |
  "$PYTHON" -c '
import json, sys
for line in sys.stdin:
    seed = json.loads(line)
    for s in seed["stripped"]:
        print("  " + seed["instance_id"] + ": " + s["kind"] + ": " + repr(s["text"]))'

step "swerl export --out shard.db, then swerl check (the oracle answer must score 1.0)"
# --hours and --manifest: the shard records what made it (schemas/manifest.md).
"$SWERL" export --db "$DB" --out "$OUT/shard.db" --hours "$OUT/hours" --manifest "$OUT/shard.manifest.json"
"$SWERL" check --seeds "$OUT/shard.db"

step "swerl rebuild: the shard again from its manifest alone, in a new directory, byte for byte"
"$SWERL" rebuild "$OUT/shard.manifest.json" --workdir "$OUT/rebuild"

step "what the store says"
sql "SELECT r.name AS repo, count(*) AS merged_prs, sum(i.repo_id IS NOT NULL) AS assembled
     FROM pull_requests p JOIN repos r USING (repo_id)
     LEFT JOIN instances i USING (repo_id, number)
     WHERE p.merged = 1 GROUP BY r.name ORDER BY assembled DESC, r.name LIMIT 12"
sql "SELECT status, count(*) AS repositories FROM repo_clones GROUP BY status"
sql "SELECT spdx, count(*) AS repositories FROM repo_licenses GROUP BY spdx ORDER BY 2 DESC"
sql "SELECT coalesce(rule, '(kept)') AS rule, count(*) AS prs FROM filter_decisions
     GROUP BY rule ORDER BY prs DESC"
sql "SELECT r.name || '#' || f.number AS pr, CAST(f.path AS TEXT) AS path, printf('%.2f', f.score) AS bm25
     FROM relevant_files f JOIN repos r USING (repo_id)
     WHERE r.name = 'acme/textkit' ORDER BY f.number, f.rank LIMIT 6"

step "every PR of the world met the fate it was made for"
"$PYTHON" - "$DB" "$OUT/world/expected.tsv" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
got = {(name, n): rule or "kept" for name, n, rule in db.execute(
    "SELECT r.name, d.number, d.rule FROM filter_decisions d JOIN repos r USING (repo_id)")}
bad = 0
for line in open(sys.argv[2]):
    name, n, want = line.rstrip("\n").split("\t")
    have = got.get((name, int(n)), "(not decided)")
    mark = "ok " if have == want else "BAD"
    bad += have != want
    print(f"  {mark} {name}#{n}: {have}" + ("" if have == want else f" (expected {want})"))
sys.exit(1 if bad else 0)
PY

step "the shard: $OUT/shard.db (schemas/shard.md)"
sqlite3 -header -column "$OUT/shard.db" \
  "SELECT instance_id, substr(replace(problem_statement, char(10), ' '), 1, 60) AS problem_statement
   FROM seeds ORDER BY 1" |
  sed 's/^/  /'
"$SWERL" export --db "$DB" --ndjson --where "repo = 'acme/textkit'" 2>/dev/null | head -n 1 |
  "$PYTHON" -c '
import json, sys
seed = json.loads(sys.stdin.readline())
print("  first textkit seed, its prompt (SPEC section 4) as the model sees it:")
print("    " + seed["prompt"][:1200].replace("\n", "\n    ") + "\n    ...")
print("  its patch:\n    " + seed["patch"].replace("\n", "\n    "))'

if [[ -x $BUILD/swerl-train ]]; then
  step "swerl-train: a tiny random Qwen3 with the real tokenizer samples from the prompts of orbit/geo's seeds"
  "$BUILD/swerl-train" init --arch qwen3 --hidden 64 --layers 2 --heads 4 --kv-heads 2 \
    --intermediate 128 --tokenizer "$ROOT/tests/data/tokenizers/qwen3" --out "$OUT/tiny-qwen3"
  "$SWERL" export -q --db "$DB" --ndjson --where "repo = 'orbit/geo'" |
    "$PYTHON" -c 'import json, sys
for line in sys.stdin:
    print(json.dumps({"prompt": json.loads(line)["prompt"]}))' > "$OUT/prompts.ndjson"
  OMP_NUM_THREADS=1 "$BUILD/swerl-train" generate --model "$OUT/tiny-qwen3" --max-new-tokens 16 \
    --temperature 1.0 --top-p 0.95 --seed 7 "$OUT/prompts.ndjson" > "$OUT/samples.ndjson"
  "$PYTHON" - "$OUT/samples.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    print(f'  {len(r["ids"])} tokens ({r["finish_reason"]}), mean log-prob '
          f'{sum(r["logprobs"]) / len(r["logprobs"]):.2f}: {r["text"][:60]!r}')
PY
fi

step "swerl reward data/reward/requests.ndjson (a GRPO group of five outputs, and the general form)"
"$SWERL" reward "$ROOT/data/reward/requests.ndjson" > "$OUT/rewards.ndjson"
"$PYTHON" - "$OUT/rewards.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    for k, s in enumerate(r.get("results", [r])):
        files = ", ".join(f'{f["path"]}={f["similarity"]:.3f}' for f in s["files"])
        print(f'  {r["id"]}[{k}]: reward {s["reward"]!r:<20} {s["error"] or files}')
PY
"$PYTHON" "$ROOT/tests/oracles/reward_oracle.py" "$ROOT/data/reward/requests.ndjson" > "$OUT/rewards.reference.ndjson"
"$PYTHON" - "$OUT/rewards.ndjson" "$OUT/rewards.reference.ndjson" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
ref = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
flat = lambda rs: [(s["reward"], [f["similarity"] for f in s["files"]]) for r in rs for s in r.get("results", [r])]
assert flat(ours) == flat(ref), "swerl reward disagrees with the CPython reference"
print("  identical to the CPython reference (tests/oracles/reward_oracle.py)")
PY

# DEMO_TRAIN=0 stops after the data half (benchmarks use its shard).
if [[ -x $BUILD/swerl-train && ${DEMO_TRAIN:-1} != 0 ]]; then
  # The tiny Qwen3 above learns the SWE-RL answer format from the 14 seeds:
  # SFT on the oracle answers, then GRPO on the SWE-RL reward, with greedy
  # evaluations in between. On seeds it trained on (the demo shard holds no
  # eval split): this shows the machinery, not generalisation.
  TRAIN="env OMP_NUM_THREADS=2 $BUILD/swerl-train"
  evaluate() {  # evaluate LABEL MODEL
    $TRAIN eval -q --json --seeds "$OUT/shard.db" --model "$2" --split all --greedy \
      --max-new-tokens 256 --torch-threads 2 --out "$OUT/eval-$1.ndjson" 2> "$OUT/eval-$1.json"
    "$PYTHON" - "$1" "$OUT/eval-$1.json" <<'PY'
import json, sys
s = json.loads(open(sys.argv[2]).read().splitlines()[-1])
print(f"  {sys.argv[1]:<10} mean reward {s['mean_reward']:+.3f}   format errors {100 * s['format_error_rate']:5.1f}%"
      f"   exact fixes {100 * s['exact_fix_rate']:5.1f}%   ({s['seeds']} seeds, greedy)")
PY
  }
  step "swerl-train eval: the random tiny Qwen3 on the shard's 14 seeds"
  evaluate before "$OUT/tiny-qwen3"
  step "swerl-train sft: 200 steps on the seeds' oracle answers (SEARCH/REPLACE in the SWE-RL format)"
  $TRAIN sft -q --seeds "$OUT/shard.db" --model "$OUT/tiny-qwen3" --out "$OUT/sft" --steps 200 \
    --prompts-per-step 4 --lr 0.01 --warmup 5 --schedule cosine --torch-threads 2
  "$PYTHON" - "$OUT/sft/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("  loss by step: " + ", ".join(f"{r['step']}: {r['loss']:.2f}" for r in rows if r["step"] in (1, 50, 100, 150, 200)))
PY
  evaluate "after SFT" "$OUT/sft/step_00000200"
  step "swerl-train grpo: 6 steps of 4 seeds x 4 samples on the SWE-RL reward, from the SFT checkpoint"
  $TRAIN grpo -q --seeds "$OUT/shard.db" --model "$OUT/sft/step_00000200" --out "$OUT/grpo" \
    --steps 6 --prompts-per-step 4 --group-size 4 --max-new-tokens 192 --temperature 0.7 \
    --lr 0.0001 --warmup 0 --beta 0 --torch-threads 2
  "$PYTHON" - "$OUT/grpo/metrics.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(f"  step {r['step']}: reward mean {r['reward_mean']:+.3f} max {r['reward_max']:+.3f}, "
          f"format errors {100 * r['format_error_rate']:5.1f}%, zero-std groups {100 * r['zero_std_group_frac']:3.0f}%, "
          f"{r['step_s']:.1f} s")
PY
  evaluate "after GRPO" "$OUT/grpo/step_00000006"
  $TRAIN plot -q "$OUT/grpo" --out "$OUT/grpo.png"
  echo "  curves: $OUT/grpo.png; run directories $OUT/sft and $OUT/grpo (checkpoints are Hugging Face model directories)"
fi

printf '\ndemo output in %s (%d s)\n' "$OUT" "$SECONDS"

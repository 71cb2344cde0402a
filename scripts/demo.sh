#!/usr/bin/env bash
# make demo: the pipeline end to end on bundled data, offline.
# Now: the crawl stage. A loopback HTTP server plays data.gharchive.org with
# the bundled real hours; `swerl fetch` downloads a range of hours (two of
# them do not exist: recorded as missing), a second fetch skips what is
# complete, and `swerl events` streams the PR/issue events as NDJSON.
#   scripts/demo.sh [BUILD_DIR]        output in demo-out/
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
SWERL=$BUILD/swerl
PYTHON=${SWERL_VENV:-$HOME/.cache/swerl/venv}/bin/python
[[ -x $PYTHON ]] || PYTHON=python3
OUT=$ROOT/demo-out
rm -rf "$OUT"
mkdir -p "$OUT"

step() { printf '\n== %s\n' "$*"; }

step "serving data/gharchive on 127.0.0.1 (stand-in for https://data.gharchive.org)"
# Real servers misbehave: hour 7 answers HTTP 500 twice, hour 8 drops the
# connection after 40 kB (the retry resumes it with a Range request).
cat > "$OUT/faults.json" <<'JSON'
{"2021-07-21-7.json.gz": [{"status": 500, "times": 2}],
 "2021-07-21-8.json.gz": [{"drop_after": 40000, "times": 1}]}
JSON
"$PYTHON" "$ROOT/tests/net/fault_server.py" --root "$ROOT/data/gharchive" --port 0 \
  --port-file "$OUT/port" --rules "$OUT/faults.json" --log "$OUT/requests.ndjson" \
  2> "$OUT/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [[ -s $OUT/port ]] && break; sleep 0.05; done
PORT=$(cat "$OUT/port")
echo "server pid $SERVER on port $PORT"

step "swerl fetch --from 2021-07-21T05 --to 2021-07-21T10 (hours 5 and 10 are not on the server)"
"$SWERL" fetch --from 2021-07-21T05 --to 2021-07-21T10 --dir "$OUT/hours" \
  --base-url "http://127.0.0.1:$PORT" -j 4 --retry-base-ms 200 -v
echo "requests the server saw:"
"$PYTHON" - "$OUT/requests.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print("  " + " ".join(f"{k}={v}" for k, v in r.items() if k in ("path", "status", "range", "fault")))
PY
ls -l "$OUT/hours"
for f in "$ROOT"/data/gharchive/*.json.gz; do cmp "$f" "$OUT/hours/$(basename "$f")"; done
echo "all fetched hours are byte-identical to the served files"
echo "manifest:"
cut -c1-160 "$OUT/hours/manifest.ndjson"

step "swerl fetch again: complete hours are skipped"
"$SWERL" fetch --from 2021-07-21T05 --to 2021-07-21T10 --dir "$OUT/hours" \
  --base-url "http://127.0.0.1:$PORT" -j 4

step "swerl events hours/*.json.gz > events.ndjson"
"$SWERL" events "$OUT"/hours/*.json.gz --stats json > "$OUT/events.ndjson"
echo "first record:"
head -n 1 "$OUT/events.ndjson" | cut -c1-400
echo "..."
echo "merged pull requests:"
"$PYTHON" - "$OUT/events.ndjson" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    pr = r.get("pull_request") or {}
    if r["type"] == "PullRequestEvent" and r["action"] == "closed" and pr.get("merged"):
        print(f'  {r["repo"]}#{r["number"]}: {(pr.get("title") or "")[:70]}  '
              f'({pr.get("base_sha","")[:8]}..{pr.get("head_sha","")[:8]})')
PY
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

printf '\ndemo output in %s\n' "$OUT"

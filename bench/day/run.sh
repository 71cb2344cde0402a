#!/usr/bin/env bash
# One realistic day of GH Archive through the crawl and store stages on this
# machine: fetch (over loopback) -> events -> ingest -> link, each under
# /usr/bin/time (wall, CPU, peak RSS), with the store's size and rows, and
# the baselines of the same run: curl and zcat / igzip -d of the same files,
# the Python events and ingest references on one sample hour (bench/day/README.md).
#   bench/day/run.sh [BUILD_DIR]
# env: HOURS (0-23; a range A-B or one hour), DAY_DIR (where the day is generated
# and the stages write; default BUILD_DIR/bench-data/day), PEAK_EVENTS (257000),
# TROUGH_RATIO (0.5), SEED (1), REPO_IDS (scattered or sequential: gen_day.py), FETCH_JOBS (4), EVENTS_JOBS (2), SAMPLE_HOUR
# (15, or the first of HOURS), PYTHON, KEEP (1: keep the day's outputs).
# Results: a table on stdout, JSON in DAY_DIR/run/day-run.json (and BUILD_DIR/bench/day.json
# when DAY_DIR is not set).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SWERL=$BUILD/swerl
HOURS=${HOURS:-0-23}
PEAK_EVENTS=${PEAK_EVENTS:-257000}
TROUGH_RATIO=${TROUGH_RATIO:-0.5}
REPO_IDS=${REPO_IDS:-scattered}
SEED=${SEED:-1}
FETCH_JOBS=${FETCH_JOBS:-4}
EVENTS_JOBS=${EVENTS_JOBS:-2}
PYTHON=${PYTHON:-python3}
DATE=2021-07-21
# With DAY_DIR unset everything goes under BUILD_DIR (bench-data/day, bench/day.json);
# with it set, nothing is written under BUILD_DIR (which may be read-only).
JSON_COPY=
if [[ -z ${DAY_DIR:-} ]]; then DAY_DIR=$BUILD/bench-data/day JSON_COPY=$BUILD/bench/day.json; fi
FIRST=${HOURS%-*}
LAST=${HOURS#*-}
if ! [[ $FIRST =~ ^[0-9]+$ && $LAST =~ ^[0-9]+$ ]] || ((FIRST > LAST || LAST > 23)); then
  echo "HOURS must be A-B or one hour within 0-23, got '$HOURS'" >&2
  exit 2
fi
SAMPLE_HOUR=${SAMPLE_HOUR:-15}
if ((SAMPLE_HOUR < FIRST || SAMPLE_HOUR > LAST)); then SAMPLE_HOUR=$FIRST; fi
[[ -x $SWERL ]] || { echo "no $SWERL: build swerl first" >&2; exit 2; }

SERVED=$DAY_DIR/served-p$PEAK_EVENTS-r$TROUGH_RATIO-s$SEED-$REPO_IDS
WORK=$DAY_DIR/run
mkdir -p "$SERVED" "$WORK"
LOG=$WORK/log
rm -rf "$WORK/hours" "$WORK"/*.db* "$WORK"/*.ndjson "$LOG"
mkdir -p "$LOG"
NEED=()
for ((h = FIRST; h <= LAST; h++)); do
  [[ -s $SERVED/$DATE-$h.json.gz ]] || NEED+=("$h")
done
if ((${#NEED[@]})); then
  echo "generating hours ${NEED[*]} into $SERVED (bench/day/gen_day.py) ..." >&2
  GEN_START=$SECONDS
  "$PYTHON" "$HERE/gen_day.py" --out "$SERVED.new" --hours "$(IFS=,; echo "${NEED[*]}")" \
    --peak-events "$PEAK_EVENTS" --trough-ratio "$TROUGH_RATIO" --seed "$SEED" \
    --repo-ids "$REPO_IDS" > /dev/null
  mv "$SERVED.new"/*.json.gz "$SERVED/"
  cp "$SERVED.new/day.json" "$SERVED/gen-$FIRST-$LAST.json"
  rm -rf "$SERVED.new"
  echo "generated in $((SECONDS - GEN_START)) s" >&2
fi
FILES=()
for ((h = FIRST; h <= LAST; h++)); do FILES+=("$SERVED/$DATE-$h.json.gz"); done
NHOURS=${#FILES[@]}
GZ_BYTES=$(cat "${FILES[@]}" | wc -c)

PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
"$PYTHON" "$ROOT/tests/net/fault_server.py" --root "$SERVED" --port 0 \
  --port-file "$WORK/port" 2> "$LOG/server.log" &
PIDS+=("$!")
rm -f "$WORK/port"
for _ in $(seq 200); do [[ -s $WORK/port ]] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")
URL=http://127.0.0.1:$PORT
# The server keeps every file it served in memory: warm it (and the page
# cache) with one untimed pass, so both downloaders below see the same server.
for f in "${FILES[@]}"; do curl -sf -o /dev/null "$URL/$(basename "$f")"; done

declare -A WALL RSS CPU LOAD_BEFORE LOAD_AFTER
STAGES=()
# stage NAME CMD...: run under /usr/bin/time, stdout to $LOG/NAME.out unless
# the command redirects itself (use sh -c).
stage() {
  local name=$1; shift
  STAGES+=("$name")
  LOAD_BEFORE[$name]=$(cut -d' ' -f1 /proc/loadavg)
  sync
  /usr/bin/time -f '%e %M %U %S' -o "$LOG/$name.time" "$@" > "$LOG/$name.out" 2> "$LOG/$name.err" || {
    echo "stage $name failed:" >&2; tail -n 20 "$LOG/$name.err" >&2; exit 1; }
  LOAD_AFTER[$name]=$(cut -d' ' -f1 /proc/loadavg)
  read -r w m u s < <(tail -n 1 "$LOG/$name.time")
  WALL[$name]=$w RSS[$name]=$m CPU[$name]=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u + s}')
}

FROM=${DATE}T$(printf %02d "$FIRST")
TO=${DATE}T$(printf %02d "$LAST")
mkdir -p "$WORK/curl"
stage curl sh -c "for h in \$(seq $FIRST $LAST); do curl -sf -o '$WORK/curl/$DATE-'\$h.json.gz '$URL/$DATE-'\$h.json.gz || exit 1; done"
rm -rf "$WORK/curl"
stage fetch "$SWERL" fetch --from "$FROM" --to "$TO" --dir "$WORK/hours" --base-url "$URL" \
  -j "$FETCH_JOBS" --no-progress
for f in "${FILES[@]}"; do cmp "$f" "$WORK/hours/$(basename "$f")"; done
HOUR_FILES=()
for ((h = FIRST; h <= LAST; h++)); do HOUR_FILES+=("$WORK/hours/$DATE-$h.json.gz"); done
JSON_BYTES=$(igzip -dc "${HOUR_FILES[@]}" | wc -c)
EVENTS_IN=$(igzip -dc "${HOUR_FILES[@]}" | wc -l)
stage zcat sh -c 'zcat "$@" > /dev/null' _ "${HOUR_FILES[@]}"
stage igzip sh -c 'igzip -dc "$@" > /dev/null' _ "${HOUR_FILES[@]}"
stage events sh -c "'$SWERL' events -j $EVENTS_JOBS --no-progress \"\$@\" > '$WORK/events.ndjson'" _ "${HOUR_FILES[@]}"
RECORDS=$(wc -l < "$WORK/events.ndjson")
NDJSON_BYTES=$(stat -c %s "$WORK/events.ndjson")
stage ingest "$SWERL" ingest --db "$WORK/day.db" --no-progress "$WORK/events.ndjson"
stage link "$SWERL" link --db "$WORK/day.db" --json --no-progress
# The README's pipeline, both stages at once: what one machine does per hour.
stage pipe sh -c "'$SWERL' events -j $EVENTS_JOBS -q \"\$@\" | '$SWERL' ingest -q --db '$WORK/pipe.db'" _ "${HOUR_FILES[@]}"

# The sample hour: the Python references against swerl on the same input.
SAMPLE=$WORK/hours/$DATE-$SAMPLE_HOUR.json.gz
stage s_py_events sh -c "'$PYTHON' '$ROOT/bench/events/baseline.py' '$SAMPLE' > '$WORK/sample-py.ndjson'"
stage s_events sh -c "'$SWERL' events -j $EVENTS_JOBS -q '$SAMPLE' > '$WORK/sample.ndjson'"
stage s_events_j1 sh -c "'$SWERL' events -j 1 -q '$SAMPLE' > /dev/null"
S_EVENTS=$(igzip -dc "$SAMPLE" | wc -l)
S_JSON=$(igzip -dc "$SAMPLE" | wc -c)
S_RECORDS=$(wc -l < "$WORK/sample.ndjson")
S_PY_RECORDS=$(wc -l < "$WORK/sample-py.ndjson")
stage s_py_ingest "$PYTHON" "$ROOT/bench/ingest/baseline.py" "$WORK/sample-py.db" < "$WORK/sample.ndjson"
stage s_ingest "$SWERL" ingest -q --db "$WORK/sample.db" "$WORK/sample.ndjson"

# The fixture itself through the same stages: the rates the day must keep.
"$SWERL" events -q "$ROOT/tests/data/gharchive/2021-07-21-few-hours.json" |
  "$SWERL" ingest -q --db "$WORK/fixture.db"
"$SWERL" link -q --db "$WORK/fixture.db"

DB=$WORK/day.db
q() { sqlite3 "$1" "$2"; }
# Store size once link's WAL is folded back (what is copied to workers).
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" > /dev/null
DB_BYTES=$(stat -c %s "$DB")
PIPE_DB_BYTES=$(( $(stat -c %s "$WORK/pipe.db") + $(stat -c %s "$WORK/pipe.db-wal" 2>/dev/null || echo 0) ))
rates() {  # DB -> "prs merged closing_refs closing_per_merged resolved_share closing_to_stored_issue"
  sqlite3 -separator ' ' "$1" "
    WITH m AS (SELECT count(*) n FROM pull_requests WHERE merged = 1),
         c AS (SELECT count(*) n FROM issue_links l JOIN pull_requests p
               ON p.repo_id = l.repo_id AND p.number = l.pr_number WHERE l.closing = 1 AND p.merged = 1)
    SELECT (SELECT count(*) FROM pull_requests), m.n, c.n,
      printf('%.4f', 1.0 * c.n / max(m.n, 1)),
      printf('%.4f', 1.0 * (SELECT count(target_repo_id) FROM issue_links) / max((SELECT count(*) FROM issue_links), 1)),
      (SELECT count(*) FROM issue_links l JOIN issues i ON i.repo_id = l.target_repo_id
         AND i.number = l.target_number WHERE l.closing = 1)
    FROM m, c"
}
read -r PRS MERGED CLOSING CLOSING_PER_MERGED RESOLVED_SHARE CLOSING_STORED < <(rates "$DB")
read -r F_PRS F_MERGED F_CLOSING F_CLOSING_PER_MERGED F_RESOLVED_SHARE F_CLOSING_STORED < <(rates "$WORK/fixture.db")
declare -A ROWS
for t in repos repo_names pull_requests issues issue_comments reviews review_comments issue_links events_seen; do
  ROWS[$t]=$(q "$DB" "SELECT count(*) FROM $t")
done
TABLE_BYTES=$(sqlite3 -separator ' ' "$DB" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC" 2>/dev/null | head -n 12 || true)
HOURS_DIR_BYTES=$(du -sb "$WORK/hours" | cut -f1)

CPU_NAME=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
MEM=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
echo
echo "one day of GH Archive (bench/day): hours $FIRST-$LAST of the generated $DATE (peak $PEAK_EVENTS events/h, trough ratio $TROUGH_RATIO, seed $SEED, $REPO_IDS repository ids)"
echo "machine: $CPU_NAME, $(nproc) vCPUs, $MEM; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v h="$NHOURS" -v gz="$GZ_BYTES" -v js="$JSON_BYTES" -v ev="$EVENTS_IN" -v rec="$RECORDS" -v nd="$NDJSON_BYTES" 'BEGIN {
  printf "input: %d hours, %d events (%.0f/h), %.2f GB gzip, %.2f GB JSON; %d records (%.1f%% of events), %.2f GB NDJSON\n",
    h, ev, ev / h, gz / 1e9, js / 1e9, rec, 100 * rec / ev, nd / 1e9 }'
printf '%-34s %8s %8s %7s %9s %12s %13s %10s\n' stage seconds "cpu s" "RSS MB" "MB/s" "events/s" "records/s" "load 1m"
row() {  # name label bytes events records
  local n=$1
  awk -v l="$2" -v w="${WALL[$n]}" -v c="${CPU[$n]}" -v m="${RSS[$n]}" -v b="$3" -v e="$4" -v r="$5" \
      -v la="${LOAD_BEFORE[$n]}" -v lb="${LOAD_AFTER[$n]}" 'BEGIN {
    ws = w > 0 ? w : 0.01
    printf "%-34s %8.2f %8.2f %7.0f %9s %12s %13s %10s\n", l, w, c, m / 1024,
      (b > 0 ? sprintf("%.0f", b / ws / 1e6) : ""), (e > 0 ? sprintf("%.0f", e / ws) : ""),
      (r > 0 ? sprintf("%.0f", r / ws) : ""), la "->" lb }'
}
row curl "curl, one hour after another" "$GZ_BYTES" 0 0
row fetch "swerl fetch -j $FETCH_JOBS (loopback)" "$GZ_BYTES" 0 0
row zcat "zcat (of JSON)" "$JSON_BYTES" "$EVENTS_IN" 0
row igzip "igzip -dc (of JSON)" "$JSON_BYTES" "$EVENTS_IN" 0
row events "swerl events -j $EVENTS_JOBS > file" "$JSON_BYTES" "$EVENTS_IN" "$RECORDS"
row ingest "swerl ingest (from the file)" "$NDJSON_BYTES" 0 "$RECORDS"
row link "swerl link" 0 0 0
row pipe "swerl events | swerl ingest" "$JSON_BYTES" "$EVENTS_IN" "$RECORDS"
echo "sample hour $SAMPLE_HOUR: $S_EVENTS events, $(awk -v b="$S_JSON" 'BEGIN{printf "%.0f", b/1e6}') MB JSON, $S_RECORDS records (Python: $S_PY_RECORDS)"
row s_py_events "  Python events baseline" "$S_JSON" "$S_EVENTS" "$S_PY_RECORDS"
row s_events "  swerl events -j $EVENTS_JOBS" "$S_JSON" "$S_EVENTS" "$S_RECORDS"
row s_events_j1 "  swerl events -j 1" "$S_JSON" "$S_EVENTS" "$S_RECORDS"
row s_py_ingest "  Python ingest baseline" 0 0 "$S_RECORDS"
row s_ingest "  swerl ingest" 0 0 "$S_RECORDS"
awk -v pe="${WALL[s_py_events]}" -v e2="${WALL[s_events]}" -v e1="${WALL[s_events_j1]}" \
    -v pi="${WALL[s_py_ingest]}" -v si="${WALL[s_ingest]}" -v f="${WALL[fetch]}" -v c="${WALL[curl]}" \
    -v z="${WALL[zcat]}" -v g="${WALL[igzip]}" -v ev="${WALL[events]}" 'BEGIN {
  printf "ratios: fetch %.2fx curl; events (day) %.2fx zcat, %.2fx igzip -d time; sample hour: events -j 2 %.1fx Python, -j 1 %.1fx; ingest %.1fx Python\n",
    c / f, z / ev, ev / g, pe / e2, pe / e1, pi / si }'
# The same ratios in CPU seconds, which a machine shared with other work
# disturbs less than wall time.
awk -v pe="${CPU[s_py_events]}" -v e1="${CPU[s_events_j1]}" -v pi="${CPU[s_py_ingest]}" \
    -v si="${CPU[s_ingest]}" -v f="${CPU[fetch]}" -v c="${CPU[curl]}" -v z="${CPU[zcat]}" \
    -v g="${CPU[igzip]}" -v ev="${CPU[events]}" 'BEGIN {
  printf "cpu ratios: fetch %.2fx curl; events (day) %.2fx zcat, %.2fx igzip -d; sample hour: events -j 1 %.1fx Python; ingest %.1fx Python\n",
    c / f, z / ev, ev / g, pe / e1, pi / si }'
link_json=$(tail -n 1 "$LOG/link.err")
echo "link: $link_json"
echo "store after link: $(awk -v b="$DB_BYTES" 'BEGIN{printf "%.2f GB", b/1e9}') ($(awk -v b="$DB_BYTES" -v h="$NHOURS" 'BEGIN{printf "%.0f MB/hour", b/1e6/h}'));" \
  "piped store $(awk -v b="$PIPE_DB_BYTES" 'BEGIN{printf "%.2f GB", b/1e9}') with its WAL; hour files $(awk -v b="$HOURS_DIR_BYTES" 'BEGIN{printf "%.2f GB", b/1e9}')"
echo -n "rows:"
for t in repos repo_names pull_requests issues issue_comments reviews review_comments issue_links events_seen; do
  echo -n " $t ${ROWS[$t]}"
done
echo
echo "largest tables and indexes (bytes): $(echo "$TABLE_BYTES" | awk '{printf "%s%s %.0f MB", (NR > 1 ? ", " : ""), $1, $2 / 1e6}')"
echo "merged PRs $MERGED of $PRS; closing references per merged PR: day $CLOSING_PER_MERGED, fixture $F_CLOSING_PER_MERGED;" \
  "references resolved to a known repository: day $RESOLVED_SHARE, fixture $F_RESOLVED_SHARE;" \
  "closing references with the issue in the store: day $CLOSING_STORED, fixture $F_CLOSING_STORED"

{
  printf '{"machine":"%s, %s vCPUs, %s","hours":"%s","peak_events":%s,"trough_ratio":%s,"seed":%s,"repo_ids":"%s",' \
    "$CPU_NAME" "$(nproc)" "$MEM" "$HOURS" "$PEAK_EVENTS" "$TROUGH_RATIO" "$SEED" "$REPO_IDS"
  printf '"gzip_bytes":%s,"json_bytes":%s,"events":%s,"records":%s,"ndjson_bytes":%s,"db_bytes":%s,' \
    "$GZ_BYTES" "$JSON_BYTES" "$EVENTS_IN" "$RECORDS" "$NDJSON_BYTES" "$DB_BYTES"
  printf '"sample":{"hour":%s,"events":%s,"json_bytes":%s,"records":%s},' "$SAMPLE_HOUR" "$S_EVENTS" "$S_JSON" "$S_RECORDS"
  printf '"rows":{'
  sep=""
  for t in "${!ROWS[@]}"; do printf '%s"%s":%s' "$sep" "$t" "${ROWS[$t]}"; sep=","; done
  printf '},"links":{"merged":%s,"closing_per_merged":%s,"fixture_closing_per_merged":%s,"resolved_share":%s,"fixture_resolved_share":%s},' \
    "$MERGED" "$CLOSING_PER_MERGED" "$F_CLOSING_PER_MERGED" "$RESOLVED_SHARE" "$F_RESOLVED_SHARE"
  printf '"stages":{'
  sep=""
  for n in "${STAGES[@]}"; do
    printf '%s"%s":{"seconds":%s,"cpu_seconds":%s,"peak_rss_kb":%s,"load_before":%s,"load_after":%s}' \
      "$sep" "$n" "${WALL[$n]}" "${CPU[$n]}" "${RSS[$n]}" "${LOAD_BEFORE[$n]}" "${LOAD_AFTER[$n]}"
    sep=","
  done
  printf '}}\n'
} > "$WORK/day-run.json"
if [[ -n $JSON_COPY ]]; then mkdir -p "$(dirname "$JSON_COPY")" && cp "$WORK/day-run.json" "$JSON_COPY"; fi
echo "json: $WORK/day-run.json"
if [[ ${KEEP:-1} != 1 ]]; then rm -rf "$WORK/hours" "$WORK"/*.ndjson "$WORK"/*.db*; fi

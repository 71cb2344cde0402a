#!/usr/bin/env bash
# What one repository's clone costs the client: `swerl clone -j 1` against
# `git clone --mirror`, both from `git daemon` on 127.0.0.1 (the server's
# packing runs on this machine too, so wall time is an upper bound; the CPU
# columns are the client's). docs/SCALE.md sizes the clone of 4.6M
# repositories with it.
#   bench/day/clone_cost.sh BUILD_DIR OWNER/NAME=BARE_REPO [REPEAT]
# BARE_REPO must be complete: a remote lacking objects makes swerl fall back
# to ref-by-ref transfers (bench/realrepo/README.md). Mirrors of the tool
# library can be partial; repair a copy first, e.g.
#   git clone -q --mirror SRC /tmp/r.git && git -C /tmp/r.git update-ref -d refs/pull/N/head
#   git -C /tmp/r.git repack -adq
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "$1" && pwd)
SPEC=$2
REPEAT=${3:-2}
NAME=${SPEC%%=*}
SRC=$(cd "${SPEC#*=}" && pwd)
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK/daemon.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/srv/${NAME%/*}"
ln -s "$SRC" "$WORK/srv/$NAME.git"
# A store with one merged pull request of NAME: a real fixture event renamed.
python3 - "$ROOT/tests/data/gharchive/2021-07-21-few-hours.json" "$NAME" > "$WORK/ev.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    pr = (e.get("payload") or {}).get("pull_request") or {}
    if e["type"] == "PullRequestEvent" and pr.get("merged"):
        e["repo"] = {"id": 1, "name": sys.argv[2], "url": ""}
        pr["base"]["repo"]["id"], pr["base"]["repo"]["full_name"] = 1, sys.argv[2]
        print(json.dumps(e))
        break
PY
"$BUILD/swerl" events -q "$WORK/ev.json" | "$BUILD/swerl" ingest -q --db "$WORK/base.db"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --reuseaddr --base-path="$WORK/srv" --export-all --listen=127.0.0.1 --port="$PORT" \
  --pid-file="$WORK/daemon.pid" 2> "$WORK/daemon.log" &
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done
echo "$NAME: $(du -sb "$SRC/objects" | cut -f1) bytes of objects, $(git -C "$SRC" for-each-ref | wc -l) refs; load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %8s %8s %8s %8s %12s\n' command wall user system "RSS MB" "mirror bytes"
for ((i = 0; i < REPEAT; i++)); do
  rm -rf "$WORK/m" "$WORK/g.git"
  cp "$WORK/base.db" "$WORK/c.db"
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/t" "$BUILD/swerl" clone -q --db "$WORK/c.db" \
    --repos "$WORK/m" -j 1 --url-template "git://127.0.0.1:$PORT/{owner}/{name}.git" --no-progress
  read -r w u s m < "$WORK/t"
  printf '%-22s %8s %8s %8s %8.0f %12s\n' "swerl clone -j 1" "$w" "$u" "$s" "$(echo "$m / 1024" | bc -l)" \
    "$(du -sb "$WORK/m/$NAME.git/objects" | cut -f1)"
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/t" git clone -q --mirror "git://127.0.0.1:$PORT/$NAME.git" "$WORK/g.git"
  read -r w u s m < "$WORK/t"
  printf '%-22s %8s %8s %8s %8.0f %12s\n' "git clone --mirror" "$w" "$u" "$s" "$(echo "$m / 1024" | bc -l)" \
    "$(du -sb "$WORK/g.git/objects" | cut -f1)"
done

#!/usr/bin/env bash
# Start-up of `airunway serve --demo` to a synced, usable API (issue 9): the time from launching
# the process until /api/cluster/status reports "synced": true. Runs 5 times on 127.0.0.1 and
# prints each run and the median. Usage: bench/demo_startup.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build/release}
bin="$build/src/cli/airunway"
[ -x "$bin" ] || { echo "no $bin: build it first (make)" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
times=()
for run in 1 2 3 4 5; do
  port=$(free_port)
  start=$(date +%s%N)
  "$bin" serve --demo --port "$port" >/dev/null 2>&1 &
  pid=$!
  deadline=$((start + 20000000000))
  until curl -sf "http://127.0.0.1:$port/api/cluster/status" 2>/dev/null | grep -q '"synced":true'; do
    [ "$(date +%s%N)" -lt "$deadline" ] || { kill -INT "$pid"; echo "run $run: not synced within 20 s" >&2; exit 1; }
    sleep 0.005
  done
  end=$(date +%s%N)
  kill -INT "$pid"; wait "$pid" || true
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $run: ${ms} ms"
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "median: ${sorted[2]} ms"

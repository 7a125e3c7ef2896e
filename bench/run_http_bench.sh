#!/usr/bin/env bash
# HTTP core benchmark: airunway's `serve` against a minimal Boost.Beast server on loopback.
#
#   bench/run_http_bench.sh [BUILD_DIR]        (default: build/release; builds nothing)
#
# 1. Starts `airunway serve` and bench/minimal_beast_server on free 127.0.0.1 ports, waits for
#    each to answer GET /api/health, then runs http_load against them in alternating order for
#    ROUNDS rounds and reports the median req/s, p50 and p99 of each, and the ratio.
# 2. Stops them, then times start-up to the first 200 from /api/health (median of STARTUP_RUNS)
#    and reads idle VmRSS one second after ready, with bench/startup_probe.
#
# Tunables (environment): ROUNDS=3 DURATION=3s WARMUP=1s CONNECTIONS=32 LOAD_THREADS=1
#   STARTUP_RUNS=10 SERVER_THREADS= (minimal server threads; default one per core, as airunway)
#   AIRUNWAY=<path> (default BUILD_DIR/src/cli/airunway)  AIRUNWAY_ARGS="extra serve flags"
#   JSON_OUT=<file> (also write the summary as JSON)
# Without an airunway binary, only the baseline is measured and airunway rows say "pending".
# Everything it starts is killed on exit; every step has a deadline (whole run < 2 minutes).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-3s}
WARMUP=${WARMUP:-1s}
CONNECTIONS=${CONNECTIONS:-32}
LOAD_THREADS=${LOAD_THREADS:-1}
STARTUP_RUNS=${STARTUP_RUNS:-10}
SERVER_THREADS=${SERVER_THREADS:-}
AIRUNWAY=${AIRUNWAY:-$BUILD/src/cli/airunway}
read -r -a AIRUNWAY_EXTRA <<<"${AIRUNWAY_ARGS:-}"

HTTP_LOAD=$BUILD/bench/http_load
MINIMAL=$BUILD/bench/minimal_beast_server
PROBE=$BUILD/bench/startup_probe
for tool in "$HTTP_LOAD" "$MINIMAL" "$PROBE"; do
  if [[ ! -x $tool ]]; then
    echo "run_http_bench: $tool not found; build it first: cmake --build $BUILD --target http_load minimal_beast_server startup_probe" >&2
    exit 2
  fi
done
if grep -qE '^CMAKE_BUILD_TYPE:STRING=(Debug)?$' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  echo "run_http_bench: warning: $BUILD is not an optimised build; figures will be meaningless" >&2
fi
HAVE_AIRUNWAY=0
[[ -x $AIRUNWAY ]] && HAVE_AIRUNWAY=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/http_bench.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

server_command() {  # server_command NAME PORT -> sets CMD
  if [[ $1 == airunway ]]; then
    CMD=("$AIRUNWAY" serve --port "$2" --host 127.0.0.1 "${AIRUNWAY_EXTRA[@]}")
  else
    CMD=("$MINIMAL" --port "$2")
    [[ -n $SERVER_THREADS ]] && CMD+=(--threads "$SERVER_THREADS")
  fi
  return 0
}

# start_server NAME PORT: starts it in the background and waits (10 s at most) for a 200.
start_server() {
  local name=$1 port=$2 deadline=$((SECONDS + 10))
  server_command "$name" "$port"
  "${CMD[@]}" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  until curl -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; do
    if ! kill -0 "$LAST_PID" 2>/dev/null; then
      echo "run_http_bench: $name exited before answering; its output:" >&2
      tail -n 20 "$WORK/$name.log" >&2
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "run_http_bench: $name did not answer /api/health on port $port within 10 s" >&2
      exit 1
    fi
    sleep 0.02
  done
}

stop_server() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

SERVERS=(minimal)
((HAVE_AIRUNWAY)) && SERVERS=(airunway minimal)
declare -A PORT PID
for name in "${SERVERS[@]}"; do
  PORT[$name]=$(free_port)
  start_server "$name" "${PORT[$name]}"
  PID[$name]=$LAST_PID
done

echo "load: $ROUNDS rounds x ${SERVERS[*]}, $CONNECTIONS connections, $LOAD_THREADS load thread(s), $DURATION after $WARMUP warm-up"
load_deadline=$((SECONDS + 90))
for ((round = 1; round <= ROUNDS; round++)); do
  order=("${SERVERS[@]}")
  # Alternate who goes first so that neither server always runs on a warmer (or hotter) machine.
  if ((round % 2 == 0 && ${#order[@]} == 2)); then order=("${order[1]}" "${order[0]}"); fi
  for name in "${order[@]}"; do
    if ((SECONDS >= load_deadline)); then
      echo "run_http_bench: load phase over its 90 s budget; stopping early" >&2
      break 2
    fi
    line=$(timeout 60 "$HTTP_LOAD" --url "http://127.0.0.1:${PORT[$name]}/api/health" \
      --connections "$CONNECTIONS" --threads "$LOAD_THREADS" --duration "$DURATION" --warmup "$WARMUP" --json) || {
      echo "run_http_bench: http_load against $name failed: $line" >&2
      exit 1
    }
    printf '%s\t%s\n' "$name" "$line" >>"$WORK/load.tsv"
    echo "  round $round $name: $(python3 -c 'import json, sys
r = json.loads(sys.argv[1])
print("%d req/s, p50 %d us, p99 %d us, non-2xx %d, errors %d" % (r["requests_per_s"], r["latency_us"]["p50"],
      r["latency_us"]["p99"], r["non_2xx"], r["errors"] + r["timeouts"]))' "$line")"
  done
done
for name in "${SERVERS[@]}"; do
  stop_server "${PID[$name]}"
done

echo "start-up: $STARTUP_RUNS runs each, idle RSS 1 s after ready"
for name in "${SERVERS[@]}"; do
  port=$(free_port)
  server_command "$name" "$port"
  timeout 30 "$PROBE" --port "$port" --runs "$STARTUP_RUNS" --rss-after 1s --json --log "$WORK/$name-startup.log" \
    -- "${CMD[@]}" >"$WORK/$name-startup.json" || {
    echo "run_http_bench: startup_probe failed for $name; server output:" >&2
    tail -n 20 "$WORK/$name-startup.log" >&2
    exit 1
  }
done

python3 - "$WORK" "$HAVE_AIRUNWAY" "${JSON_OUT:-}" <<'PY'
import json, os, statistics, sys

work, have_airunway, json_out = sys.argv[1], sys.argv[2] == "1", sys.argv[3]
runs = {}
with open(os.path.join(work, "load.tsv")) as f:
    for line in f:
        name, payload = line.rstrip("\n").split("\t", 1)
        runs.setdefault(name, []).append(json.loads(payload))

summary = {}
for name, results in runs.items():
    summary[name] = {
        "requests_per_s": statistics.median(r["requests_per_s"] for r in results),
        "p50_us": statistics.median(r["latency_us"]["p50"] for r in results),
        "p99_us": statistics.median(r["latency_us"]["p99"] for r in results),
        "non_2xx": sum(r["non_2xx"] for r in results),
        "errors": sum(r["errors"] + r["timeouts"] for r in results),
        "rounds": len(results),
    }
    path = os.path.join(work, f"{name}-startup.json")
    if os.path.exists(path):
        with open(path) as f:
            probe = json.load(f)
        summary[name]["startup_ms"] = probe["startup_us"]["median"] / 1000
        summary[name]["idle_rss_mib"] = probe.get("rss_kib", 0) / 1024

def row(name):
    s = summary.get(name)
    if s is None:
        return f"{name:<10} {'pending':>10} {'pending':>9} {'pending':>9} {'pending':>11} {'pending':>10}"
    return (f"{name:<10} {s['requests_per_s']:>10.0f} {s['p50_us'] / 1000:>9.3f} {s['p99_us'] / 1000:>9.3f}"
            f" {s.get('startup_ms', 0):>11.2f} {s.get('idle_rss_mib', 0):>10.1f}")

print()
print(f"{'server':<10} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'startup ms':>11} {'RSS MiB':>10}")
print(row("airunway"))
print(row("minimal"))
if have_airunway and "airunway" in summary and "minimal" in summary:
    ratio = summary["airunway"]["requests_per_s"] / summary["minimal"]["requests_per_s"]
    summary["ratio_airunway_over_minimal"] = round(ratio, 3)
    a = summary["airunway"]
    print(f"\nthroughput ratio airunway/minimal: {ratio:.2f} (target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'})")
    print(f"airunway start-up: {a['startup_ms']:.2f} ms (target < 50 ms: {'met' if a['startup_ms'] < 50 else 'NOT met'})")
    print(f"airunway idle RSS: {a['idle_rss_mib']:.1f} MiB (target < 15 MB: {'met' if a['idle_rss_mib'] * 1.048576 < 15 else 'NOT met'})")
else:
    print("\nairunway: pending (no binary; set AIRUNWAY=<path> or pass a build dir that has src/cli/airunway)")
for name, s in summary.items():
    if isinstance(s, dict) and (s["non_2xx"] or s["errors"]):
        print(f"warning: {name} had {s['non_2xx']} non-2xx responses and {s['errors']} errors/timeouts")
if json_out:
    with open(json_out, "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
PY

#!/usr/bin/env bash
# HTTP load scenarios of issue 4 (item 8), over a release build on loopback.
#
#   bash benches/load/run.sh            # from anywhere in the repository
#
# Builds the release binaries, seeds a sled data directory with LOAD_AGENTS
# (100,000) published agents, starts the bare axum baseline and
# `agentmart serve --no-limits` on 127.0.0.1, and measures with wrk, each for
# LOAD_DURATION seconds with fixed connections:
#   bare      the bare axum handler returning a fixed JSON body (the ceiling)
#   me        authenticated GET /v1/me
#   list      GET /v1/agents?sort=popular
#   installs  PUT/DELETE /v1/me/installs/{owner}/{slug}
#   login     a storm of 64 concurrent POST /v1/auth/login (production argon2)
#   me_storm  GET /v1/me measured during the storm (p99), and the server's
#             peak RSS (VmHWM, reset just before the storm)
# Prints one `RESULT` line per scenario and a summary. Every process it starts
# is killed on exit; all traffic goes to 127.0.0.1.
#
# Environment: LOAD_DURATION (12), LOAD_STORM_DURATION (15), LOAD_CONNECTIONS
# (32), LOAD_THREADS (2), LOAD_AGENTS (100000), LOAD_OWNERS (1000),
# LOAD_PORT (18080), LOAD_BARE_PORT (18090), LOAD_DATA_DIR (reuse a seeded
# directory; it is seeded there and kept when it does not exist),
# CARGO_TARGET_DIR (target), AGENTMART_LOG (warn), LOAD_STORE_PARAMS (appended
# to the sled URL, e.g. `?cache_mb=32`). Seeding 100,000 agents
# takes about 5 minutes and 2.2 GB of disk (removed at exit unless
# LOAD_DATA_DIR is given).
set -euo pipefail

LOAD_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$LOAD_DIR/../.." && pwd)"
cd "$ROOT"
export LOAD_DIR

DURATION="${LOAD_DURATION:-12}"
STORM_DURATION="${LOAD_STORM_DURATION:-15}"
CONNECTIONS="${LOAD_CONNECTIONS:-32}"
THREADS="${LOAD_THREADS:-2}"
AGENTS="${LOAD_AGENTS:-100000}"
OWNERS="${LOAD_OWNERS:-1000}"
PORT="${LOAD_PORT:-18080}"
BARE_PORT="${LOAD_BARE_PORT:-18090}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
API="http://127.0.0.1:$PORT"
BARE="http://127.0.0.1:$BARE_PORT"
EMAIL="load@bench.example"
PASSWORD="load test passphrase 4711"

command -v wrk >/dev/null || { echo "run.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
command -v curl >/dev/null || { echo "run.sh: needs curl" >&2; exit 1; }
command -v jq >/dev/null || { echo "run.sh: needs jq" >&2; exit 1; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

wait_ready() { # URL
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "run.sh: $1 did not come up in 30 s" >&2
  exit 1
}

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2/1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "== load average before the build: $(loadavg)"
echo "== cargo build --release"
cargo build --release --quiet -p agentmart-http --bin agentmart --example bare -p agentmart-benches --bin seed_load

DATA="${LOAD_DATA_DIR:-$WORK/data}"
if [ -d "$DATA" ]; then
  echo "== reusing the seeded store in $DATA"
else
  echo "== seeding $AGENTS published agents of $OWNERS owners into $DATA"
  "$TARGET/release/seed_load" "$DATA" "$AGENTS" "$OWNERS"
fi

echo "== starting the bare axum baseline on $BARE and agentmart on $API"
"$TARGET/release/examples/bare" "127.0.0.1:$BARE_PORT" 2>"$WORK/bare.log" &
PIDS+=("$!")
AGENTMART_LOG="${AGENTMART_LOG:-warn}" AGENTMART_JWT_SECRET="load-test-secret-that-is-long-enough-0123456789" \
  "$TARGET/release/agentmart" serve --listen "127.0.0.1:$PORT" --store "sled:$DATA${LOAD_STORE_PARAMS:-}" --no-limits \
  2>"$WORK/server.log" &
SERVER="$!"
PIDS+=("$SERVER")
wait_ready "$BARE/"
wait_ready "$API/readyz"
echo "   server pid $SERVER, RSS after start $(status_kb "$SERVER" VmRSS) kB"

# The load user, registered (or, on a reused store, logged in) through the API.
curl -fsS -o /dev/null -X POST "$API/v1/auth/register" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"handle\":\"load\"}" 2>/dev/null || true
TOKEN="$(curl -fsS -X POST "$API/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" | jq -r .access_token)"
[ -n "$TOKEN" ] && [ "$TOKEN" != null ] || { echo "run.sh: cannot log the load user in" >&2; exit 1; }
curl -fsS -o /dev/null -H "authorization: Bearer $TOKEN" "$API/v1/me"
COUNT="$(curl -fsS "$API/v1/agents?sort=popular&limit=1" | jq -r '.items | length')"
[ "$COUNT" = 1 ] || { echo "run.sh: the listing is empty" >&2; exit 1; }

RESULTS="$WORK/results.txt"
: >"$RESULTS"
scenario() { # NAME SCRIPT URL [wrk options...]
  local name="$1" script="$2" url="$3"
  shift 3
  echo "== $name: $url ($*, load average $(loadavg))"
  SCENARIO="$name" TOKEN="${TOKEN_FOR_SCENARIO-}" OWNERS="$OWNERS" \
    timeout $((DURATION + STORM_DURATION + 30)) wrk --latency -s "$LOAD_DIR/$script" "$@" "$url" \
    | tee "$WORK/$name.txt" | grep '^RESULT' | tee -a "$RESULTS"
}

WRK=(-t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s")
# A short warm-up of each server (not recorded).
wrk -t 1 -c 4 -d 2s "$BARE/" >/dev/null
wrk -t 1 -c 4 -d 2s -H "authorization: Bearer $TOKEN" "$API/v1/me" >/dev/null

TOKEN_FOR_SCENARIO="" scenario bare get.lua "$BARE/" "${WRK[@]}"
TOKEN_FOR_SCENARIO="$TOKEN" scenario me get.lua "$API/v1/me" "${WRK[@]}"
TOKEN_FOR_SCENARIO="" scenario list get.lua "$API/v1/agents?sort=popular" "${WRK[@]}"
TOKEN_FOR_SCENARIO="$TOKEN" scenario installs installs.lua "$API" "${WRK[@]}"

HWM_BEFORE="$(status_kb "$SERVER" VmHWM)"
echo "== peak RSS before the storm: $HWM_BEFORE kB; resetting VmHWM"
echo 5 >"/proc/$SERVER/clear_refs" 2>/dev/null || echo "   (cannot reset VmHWM; the storm's peak includes the earlier scenarios)"
echo "== login storm: 64 connections for ${STORM_DURATION}s, GET /v1/me measured meanwhile (load average $(loadavg))"
SCENARIO=login LOGIN_EMAIL="$EMAIL" LOGIN_PASSWORD="$PASSWORD" \
  timeout $((STORM_DURATION + 30)) wrk --latency -t 2 -c 64 -d "${STORM_DURATION}s" --timeout 30s \
  -s "$LOAD_DIR/login.lua" "$API/v1/auth/login" >"$WORK/login.txt" &
STORM="$!"
PIDS+=("$STORM")
sleep 1 # let the storm build up
SCENARIO=me_storm TOKEN="$TOKEN" timeout $((STORM_DURATION + 30)) \
  wrk --latency -t 1 -c 8 -d "$((STORM_DURATION - 3))s" -s "$LOAD_DIR/get.lua" "$API/v1/me" >"$WORK/me_storm.txt" &
MEASURE="$!"
PIDS+=("$MEASURE")
MAX_RSS=0
while kill -0 "$STORM" 2>/dev/null; do
  RSS="$(status_kb "$SERVER" VmRSS)"
  [ "${RSS:-0}" -gt "$MAX_RSS" ] && MAX_RSS="$RSS"
  sleep 0.25
done
wait "$STORM" || true
wait "$MEASURE" || true
LOAD_AFTER_STORM="$(loadavg)"
grep '^RESULT' "$WORK/login.txt" | tee -a "$RESULTS"
grep '^RESULT' "$WORK/me_storm.txt" | tee -a "$RESULTS"
HWM="$(status_kb "$SERVER" VmHWM)"
echo "RESULT storm_memory vmhwm_kb=$HWM sampled_max_vmrss_kb=$MAX_RSS vmhwm_before_storm_kb=$HWM_BEFORE" | tee -a "$RESULTS"
echo "== load average after the storm: $LOAD_AFTER_STORM"

# Summary against the issue-4 targets.
get() { grep "^RESULT $1 " "$RESULTS" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }
BARE_RPS="$(get bare rps)"
ME_RPS="$(get me rps)"
LIST_RPS="$(get list rps)"
P99="$(get me_storm p99_ms)"
verdict() { if awk "BEGIN { exit !($1) }"; then echo met; else echo "NOT met"; fi; }
echo
echo "== targets (load average now $(loadavg))"
echo "GET /v1/me: $ME_RPS req/s = $(awk "BEGIN { printf \"%.0f\", 100 * $ME_RPS / $BARE_RPS }")% of bare $BARE_RPS (target >= 50%): $(verdict "$ME_RPS >= 0.5 * $BARE_RPS")"
echo "listing:    $LIST_RPS req/s = $(awk "BEGIN { printf \"%.0f\", 100 * $LIST_RPS / $BARE_RPS }")% of bare (target >= 30%): $(verdict "$LIST_RPS >= 0.3 * $BARE_RPS")"
echo "storm GET /v1/me p99: $P99 ms (target < 20 ms): $(verdict "$P99 < 20")"
echo "storm peak RSS: $((HWM / 1024)) MiB (target < 300 MB): $(verdict "$HWM * 1024 < 300000000")"
echo "== server warnings/errors:"
grep -ciE '"?level"?[=:]"?(WARN|ERROR)' "$WORK/server.log" || true
tail -n 5 "$WORK/server.log"

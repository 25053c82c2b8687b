#!/usr/bin/env bash
# Peer comparison of issue 12 (item 5): agentmart, FastAPI-Users and
# better-auth on this machine, driven by the same load generator (wrk) with
# the same scenarios, and each system's bare password-verify rate with its
# own hash parameters measured in the same run, so login is compared with its
# own ceiling.
#
#   bash benches/peers/run.sh
#
# Installs FastAPI-Users (PyPI) and better-auth (npm) at pinned versions in
# throwaway environments under $PEERS_ENV (target/peers), serves each on
# loopback with its documented defaults and no rate limits (agentmart with
# --no-limits, better-auth with rateLimit off; FastAPI-Users has none), then
# for each system:
#   register  PEERS_USERS (200) registrations at concurrency 8 (drive.py)
#   login     wrk, 8 connections, PEERS_LOGIN_SECONDS (15), cycling over them
#   me        wrk, 64 connections, PEERS_DURATION (15): the current user
#             (agentmart GET /v1/me, FastAPI-Users GET /users/me,
#             better-auth GET /api/auth/get-session)
# and the server's CPU seconds per login (utime+stime of the server and its
# worker processes over the login phase). FastAPI-Users runs with 2 uvicorn
# workers (one per core), better-auth as one Node process (its scrypt runs on
# the libuv pool), agentmart as one process. Prints RESULT lines and a table
# of ratios. All traffic stays on 127.0.0.1; every process is killed on exit.
set -euo pipefail

PEERS_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$PEERS_DIR/../.." && pwd)"
cd "$ROOT"
export LOAD_DIR="$ROOT/benches/load" # report.lua
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
ENVDIR="${PEERS_ENV:-$TARGET/peers}"
USERS="${PEERS_USERS:-200}"
LOGIN_SECONDS="${PEERS_LOGIN_SECONDS:-15}"
DURATION="${PEERS_DURATION:-15}"
VERIFY_SECONDS="${PEERS_VERIFY_SECONDS:-10}"
PASSWORD="load test passphrase 4711"
export LOGIN_PASSWORD="$PASSWORD" PEERS_USERS="$USERS"
AM_PORT=18100 FA_PORT=18101 BA_PORT=18102

for tool in wrk curl python3 node npm; do
  command -v "$tool" >/dev/null || { echo "peers/run.sh: needs $tool" >&2; exit 1; }
done

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
wait_ready() { # URL
  for _ in $(seq 1 300); do
    curl -sS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "peers/run.sh: $1 did not come up in 30 s" >&2
  exit 1
}
cpu_ticks() { # PID: utime+stime of the process and its children, in clock ticks
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

echo "== machine: $(nproc) cores, load average $(loadavg)"
echo "== environments in $ENVDIR"
mkdir -p "$ENVDIR"
[ -x "$ENVDIR/venv/bin/python" ] || python3 -m venv "$ENVDIR/venv"
"$ENVDIR/venv/bin/pip" install --quiet --disable-pip-version-check \
  "fastapi-users[sqlalchemy]==15.0.5" "uvicorn==0.55.0" "aiosqlite==0.22.1"
mkdir -p "$ENVDIR/node"
cp "$PEERS_DIR/better_auth_server.mjs" "$PEERS_DIR/verify_better_auth.mjs" "$ENVDIR/node/"
[ -f "$ENVDIR/node/package.json" ] || echo '{"name":"peers","private":true,"type":"module"}' >"$ENVDIR/node/package.json"
(cd "$ENVDIR/node" && npm install --silent --no-audit --no-fund better-auth@1.7.29 better-sqlite3@12.9.0)

echo "== cargo build --release"
cargo build --release --quiet -p agentmart-http --bin agentmart -p agentmart-benches --example verify_rate

RESULTS="$WORK/results.txt"
: >"$RESULTS"

measure() { # SYSTEM BASE LOGIN_PATH LOGIN_FORMAT ME_PATH SERVER_PID
  local system="$1" base="$2" login_path="$3" format="$4" me_path="$5" server="$6"
  echo "== $system: register $USERS (load average $(loadavg))"
  python3 "$PEERS_DIR/drive.py" "$system" "$base" "$USERS" "$PASSWORD" >"$WORK/$system.drive"
  grep '^RESULT' "$WORK/$system.drive" | tee -a "$RESULTS"
  local cred header value
  cred="$(grep '^CREDENTIAL ' "$WORK/$system.drive" | cut -d' ' -f2-)"
  header="${cred%%$'\t'*}"
  value="${cred#*$'\t'}"
  echo "== $system: login, 8 connections, ${LOGIN_SECONDS}s"
  local before after
  before="$(cpu_ticks "$server")"
  SCENARIO="login_$system" LOGIN_FORMAT="$format" wrk --latency -t 2 -c 8 -d "${LOGIN_SECONDS}s" --timeout 30s \
    -s "$PEERS_DIR/login.lua" "$base$login_path" >"$WORK/login_$system.txt"
  after="$(cpu_ticks "$server")"
  local line requests
  line="$(grep '^RESULT' "$WORK/login_$system.txt")"
  requests="$(echo "$line" | tr ' ' '\n' | awk -F= '$1 == "requests" { print $2 }')"
  echo "$line cpu_ms_per_login=$(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", n ? 1000 * t / hz / n : 0 }')" | tee -a "$RESULTS"
  echo "== $system: current user, 64 connections, ${DURATION}s"
  SCENARIO="me_$system" AUTH_HEADER="$header" AUTH_VALUE="$value" wrk --latency -t 2 -c 64 -d "${DURATION}s" \
    -s "$PEERS_DIR/current_user.lua" "$base$me_path" | grep '^RESULT' | tee -a "$RESULTS"
}

echo "== agentmart on :$AM_PORT (sled, --no-limits)"
AGENTMART_LOG=warn AGENTMART_JWT_SECRET="peer-benchmark-secret-that-is-long-enough-0123456789" \
  "$TARGET/release/agentmart" serve --listen "127.0.0.1:$AM_PORT" --store "sled:$WORK/agentmart" --no-limits \
  2>"$WORK/agentmart.log" &
PIDS+=("$!")
wait_ready "http://127.0.0.1:$AM_PORT/readyz"
measure agentmart "http://127.0.0.1:$AM_PORT" /v1/auth/login json /v1/me "$!"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

echo "== FastAPI-Users on :$FA_PORT (2 uvicorn workers, SQLite)"
PEERS_DB="$WORK/fastapi_users.db" "$ENVDIR/venv/bin/python" "$PEERS_DIR/fastapi_users_app.py" create
(cd "$PEERS_DIR" && PEERS_DB="$WORK/fastapi_users.db" exec "$ENVDIR/venv/bin/uvicorn" fastapi_users_app:app \
  --host 127.0.0.1 --port "$FA_PORT" --workers 2 --log-level warning 2>"$WORK/fastapi_users.log") &
PIDS+=("$!")
wait_ready "http://127.0.0.1:$FA_PORT/docs"
measure fastapi_users "http://127.0.0.1:$FA_PORT" /auth/jwt/login form /users/me "$(pgrep -f "uvicorn fastapi_users_app" | head -n1)"
pkill -f "uvicorn fastapi_users_app" || true; wait "${PIDS[-1]}" 2>/dev/null || true

echo "== better-auth on :$BA_PORT (one Node process, SQLite)"
(cd "$ENVDIR/node" && PEERS_DB="$WORK/better_auth.db" PEERS_PORT="$BA_PORT" exec node better_auth_server.mjs >"$WORK/better_auth.log" 2>&1) &
PIDS+=("$!")
wait_ready "http://127.0.0.1:$BA_PORT/api/auth/ok"
measure better_auth "http://127.0.0.1:$BA_PORT" /api/auth/sign-in/email json /api/auth/get-session "$!"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

echo "== bare verify rates with each system's own parameters, ${VERIFY_SECONDS}s each (load average $(loadavg))"
"$TARGET/release/examples/verify_rate" "$VERIFY_SECONDS" "$(nproc)" | tee -a "$RESULTS"
"$ENVDIR/venv/bin/python" "$PEERS_DIR/verify_fastapi_users.py" "$VERIFY_SECONDS" 2 | tee -a "$RESULTS"
(cd "$ENVDIR/node" && node verify_better_auth.mjs "$VERIFY_SECONDS" 8) | tee -a "$RESULTS"

echo
echo "== summary (load average $(loadavg))"
python3 "$PEERS_DIR/summary.py" "$RESULTS"

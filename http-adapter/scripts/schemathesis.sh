#!/usr/bin/env bash
# Fuzzes a live `agentmart` server against its own OpenAPI document with
# schemathesis (PyPI): no 5xx answers, every answer conforming to the document.
#
#   bash http-adapter/scripts/schemathesis.sh [path/to/agentmart]
#
# Needs `st` (pip install schemathesis) on PATH, or set ST=/path/to/st.
# Starts the server on a loopback port over a fresh sled store, registers a
# user with a published agent, and runs two passes: anonymous, and with that
# user's bearer token (operations that end the session are excluded from the
# authenticated pass so the token stays usable).
set -euo pipefail

BIN=$(realpath "${1:-target/debug/agentmart}")
ST=${ST:-st}
PORT=${PORT:-18199}
BASE="http://127.0.0.1:${PORT}"
WORK=$(mktemp -d)
"$BIN" serve --listen "127.0.0.1:${PORT}" --store "sled:${WORK}/data" --no-limits >"${WORK}/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "${BASE}/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
TOKEN=$(curl -fsS -X POST "${BASE}/v1/auth/register" -H 'content-type: application/json' \
  -d '{"email":"fuzz@example.com","password":"correct horse battery staple","handle":"fuzz"}' | json '["tokens"]["access_token"]')
curl -fsS -X POST "${BASE}/v1/agents" -H "authorization: Bearer ${TOKEN}" -H 'content-type: application/json' \
  -d '{"slug":"demo","name":"Demo","system_prompt":"Be brief.","input_modes":["text/plain"],"output_modes":["text/plain"]}' >/dev/null
curl -fsS -X POST "${BASE}/v1/agents/fuzz/demo/versions" -H "authorization: Bearer ${TOKEN}" \
  -H 'content-type: application/json' -d '{"version":"1.0.0"}' >/dev/null

cd "$WORK"  # schemathesis keeps its cache in the working directory
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
"$ST" run "${BASE}/openapi.json" --url "$BASE" --checks "$CHECKS" --max-examples "${MAX_EXAMPLES:-25}"
"$ST" run "${BASE}/openapi.json" --url "$BASE" --checks "$CHECKS" --max-examples "${MAX_EXAMPLES:-25}" \
  -H "Authorization: Bearer ${TOKEN}" \
  --exclude-path-regex '^/v1/(auth/(logout|logout-all|password/change|sessions/\{id\})|me)$|^/v1/auth/sessions/'

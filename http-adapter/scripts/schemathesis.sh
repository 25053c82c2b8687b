#!/usr/bin/env bash
# Fuzzes a live `agentmart` server against its own OpenAPI document with
# schemathesis (PyPI): no 5xx answers, every answer conforming to the document,
# and every operation of the document reached (a 2xx answer at least once).
#
#   bash http-adapter/scripts/schemathesis.sh [path/to/agentmart]
#
# Needs `st` (pip install schemathesis) on PATH, or set ST=/path/to/st.
# Starts the server on a loopback port over a fresh sled store and seeds it:
# an owner (`fuzz`) with three published agents (`demo`; `doomed`, the one
# the owner's delete and status operations get; `moderated`, the admin's), a
# user (`rater`) who installed, rated and used `demo`, an admin (`boss`,
# granted with `agentmart admin grant`), the user the admin edits (`victim`)
# and a throwaway user (`me`). `schemathesis.toml` (written below) points the
# path parameters at those records; `schemathesis_hooks.py` logs every answer's
# status and gives the session-ending pass a fresh login per request. Passes:
# anonymous; the admin (/v1/admin, usage); the rater (installs, ratings,
# reviews, usage); the owner; the throwaway user (operations that end a session
# or the account; the account is deleted by a last, short pass). The server
# writes its emails to an outbox directory, so the operations whose token only
# an email carries (email verification, password reset, email change) are then
# called once each with a real token. Every operation must have answered 2xx
# at least once.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN=$(realpath "${1:-target/debug/agentmart}")
ST=${ST:-st}
case "$ST" in */*) ST=$(realpath "$ST") ;; esac
PORT=${PORT:-18199}
BASE="http://127.0.0.1:${PORT}"
WORK=$(mktemp -d)
STORE="sled:${WORK}/data"
SERVER=
start_server() {
  "$BIN" serve --listen "127.0.0.1:${PORT}" --store "$STORE" --no-limits --outbox "${WORK}/outbox" >>"${WORK}/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fsS "${BASE}/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "agentmart did not start:" >&2
  cat "${WORK}/server.log" >&2
  return 1
}
stop_server() {
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
}
trap 'stop_server; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
start_server

PASSWORD="correct horse battery staple"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)$1)"; }
# call METHOD PATH TOKEN [BODY]: the answer's body; fails on an error status.
call() {
  curl -fsS -X "$1" "${BASE}$2" ${3:+-H "authorization: Bearer $3"} \
    -H 'content-type: application/json' ${4:+-d "$4"}
}
register() {
  call POST /v1/auth/register "" "{\"email\":\"$1@example.com\",\"password\":\"${PASSWORD}\",\"handle\":\"$2\"}"
}
login() { call POST /v1/auth/login "" "{\"email\":\"$1@example.com\",\"password\":\"${PASSWORD}\"}" | json '["access_token"]'; }

OWNER=$(register fuzz fuzz | json '["tokens"]["access_token"]')
for slug in demo doomed moderated; do
  call POST /v1/agents "$OWNER" "{\"slug\":\"${slug}\",\"name\":\"Demo ${slug}\",\"tagline\":\"A seeded agent\",\"system_prompt\":\"Be brief.\",\"input_modes\":[\"text/plain\"],\"output_modes\":[\"text/plain\"],\"skills\":[{\"id\":\"s\",\"name\":\"Summarize\"}],\"tags\":[\"text\"]}" >/dev/null
  call POST "/v1/agents/fuzz/${slug}/versions" "$OWNER" '{"version":"1.0.0"}' >/dev/null
done
register rater rater >/dev/null
RATER=$(login rater)
call PUT /v1/me/installs/fuzz/demo "$RATER" '{}' >/dev/null
call PUT /v1/agents/fuzz/demo/rating "$RATER" '{"stars":4,"title":"Good","body":"Summaries that keep the point."}' >/dev/null
call POST /v1/agents/fuzz/demo/usage "$RATER" '{"event":"run","units":3}' >/dev/null
REVIEW_ID=$(call GET /v1/agents/fuzz/demo/reviews "" | json '["items"][0]["id"]')
register boss boss >/dev/null
register me me >/dev/null
VICTIM_ID=$(register victim victim | json '["user"]["id"]')

# The admin role is granted offline (the server holds the store's lock).
stop_server
FORCE=
if "$BIN" admin grant --help 2>/dev/null | grep -q -- '--force'; then FORCE=--force; fi
"$BIN" admin grant --email boss@example.com --store "$STORE" $FORCE >>"${WORK}/server.log" 2>&1
start_server
ADMIN=$(login boss)

cd "$WORK"  # schemathesis keeps its cache and reads schemathesis.toml here
cat >schemathesis.toml <<TOML
[parameters]
owner = "fuzz"
slug = "demo"
version = "1.0.0"

[[operations]]
include-name-regex = "^(DELETE|PATCH) /v1/agents/\\\\{owner\\\\}/\\\\{slug\\\\}$"
parameters = { slug = "doomed" }

[[operations]]
include-name = "PATCH /v1/admin/agents/{owner}/{slug}"
parameters = { slug = "moderated" }

[[operations]]
include-name = "DELETE /v1/admin/reviews/{id}"
parameters = { id = "${REVIEW_ID}" }

[[operations]]
include-name-regex = "^(PATCH|DELETE) /v1/admin/users/\\\\{id\\\\}(/sessions)?$"
parameters = { id = "${VICTIM_ID}" }
TOML
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="${HERE}${PYTHONPATH:+:$PYTHONPATH}"
export AM_STATUS_LOG="${WORK}/statuses" AM_BASE="$BASE"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
MAX=${MAX_EXAMPLES:-25}
run() { "$ST" run "${BASE}/openapi.json" --url "$BASE" --checks "$CHECKS" --max-examples "$MAX" "$@"; }
ENDS_SESSION='^/v1/(auth/(logout|logout-all|password/change|sessions/\{id\})|me)$'
RATER_PATHS='^/v1/(me/installs.*|agents/\{owner\}/\{slug\}/(rating|reviews|usage))$'

echo "== anonymous"
run
echo "== the admin"
run -H "Authorization: Bearer ${ADMIN}" --include-path-regex '^/v1/admin/|/usage$'
echo "== the rater"
run -H "Authorization: Bearer ${RATER}" --include-path-regex "$RATER_PATHS"
echo "== the owner"
AM_NEW_VERSIONS=20 run -H "Authorization: Bearer ${OWNER}" --exclude-path-regex "${ENDS_SESSION}|^/v1/auth/sessions/|^/v1/admin/"
echo "== a throwaway user, logged in afresh for each request"
AM_FRESH_LOGIN="me@example.com:${PASSWORD}" run --max-examples 10 --include-path-regex "${ENDS_SESSION}|^/v1/auth/sessions"
echo "== the throwaway user deletes the account"
AM_FRESH_LOGIN="me@example.com:${PASSWORD}" AM_DELETE_ACCOUNT=1 run --max-examples 5 --include-name 'DELETE /v1/me'

# The generated session-ending calls rarely hit a real session id or the
# right password, so reach both once with real values (logged like the rest).
echo "== a parting user ends one of its sessions by id, then deletes the account"
PARTING=$(register parting parting | json '["tokens"]["access_token"]')
login parting >/dev/null
OTHER_SID=$(call GET /v1/auth/sessions "$PARTING" \
  | python3 -c "import sys,json; print(next(s['id'] for s in json.load(sys.stdin)['items'] if not s['current']))")
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "${BASE}/v1/auth/sessions/${OTHER_SID}" -H "authorization: Bearer ${PARTING}")
echo "DELETE /v1/auth/sessions/{id} ${code}" >>"$AM_STATUS_LOG"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "${BASE}/v1/me" -H "authorization: Bearer ${PARTING}" \
  -H 'content-type: application/json' -d "{\"password\":\"${PASSWORD}\"}")
echo "DELETE /v1/me ${code}" >>"$AM_STATUS_LOG"

# Links only an email carries: take the token from the outbox (the newest
# message of KIND to ADDRESS) and use it once, logged like the rest.
outbox_token() {
  python3 - "${WORK}/outbox" "$1" "$2" <<'PY'
import json, pathlib, sys
outbox, kind, to = sys.argv[1:]
messages = [json.loads(p.read_text()) for p in sorted(pathlib.Path(outbox).glob("*.json"))]
print([m for m in messages if m["kind"] == kind and m["to"] == to][-1]["token"])
PY
}
# logged METHOD PATH TOKEN BODY: makes the call and logs its status.
logged() {
  code=$(curl -sS -o /dev/null -w '%{http_code}' -X "$1" "${BASE}$2" ${3:+-H "authorization: Bearer $3"} \
    -H 'content-type: application/json' -d "$4")
  echo "$1 $2 ${code}" >>"$AM_STATUS_LOG"
}
echo "== a mailed user verifies the email, resets the password and changes the email"
MAILED=$(register mailed mailed | json '["tokens"]["access_token"]')
logged POST /v1/auth/email/verify "" "{\"token\":\"$(outbox_token email_verification mailed@example.com)\"}"
call POST /v1/auth/password/forgot "" '{"email":"mailed@example.com"}' >/dev/null
logged POST /v1/auth/password/reset "" \
  "{\"token\":\"$(outbox_token password_reset mailed@example.com)\",\"new_password\":\"${PASSWORD} again\"}"
MAILED=$(call POST /v1/auth/login "" "{\"email\":\"mailed@example.com\",\"password\":\"${PASSWORD} again\"}" | json '["access_token"]')
logged POST /v1/auth/email/change "$MAILED" "{\"new_email\":\"moved@example.com\",\"password\":\"${PASSWORD} again\"}"
logged POST /v1/auth/email/change/confirm "$MAILED" "{\"token\":\"$(outbox_token email_change moved@example.com)\"}"

echo "== every operation answered 2xx (statuses seen per operation)"
curl -fsS "${BASE}/openapi.json" >openapi.json
python3 - openapi.json "$AM_STATUS_LOG" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
seen = {}
for line in open(sys.argv[2]):
    method, path, status = line.split()
    seen.setdefault(f"{method} {path}", set()).add(int(status))
methods = {"get", "put", "post", "patch", "delete"}
ops = [f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item if m in methods]
bad = []
for op in ops:
    statuses = seen.get(op, set())
    print(f"  {op}: {' '.join(map(str, sorted(statuses))) or 'never called'}")
    if not any(200 <= s < 300 for s in statuses):
        bad.append(op)
if bad:
    sys.exit("operations that never answered 2xx (only 401/404/4xx):\n  " + "\n  ".join(bad))
print(f"all {len(ops)} operations answered 2xx")
PY

"""Schemathesis hooks for scripts/schemathesis.sh (loaded via SCHEMATHESIS_HOOKS).

- Every answer's status is appended to $AM_STATUS_LOG as `METHOD PATH STATUS`
  (PATH is the operation's templated path), so the script can check that
  every operation of the document was reached.
- With $AM_FRESH_LOGIN set to `email:password`, each request carries a token
  from a login made just for it, so operations that end the session (logout,
  session revocation) cannot starve the rest of the pass of a working token.
  A password change is sent with the real current password (the new one is
  kept in `$AM_STATUS_LOG.password` when it succeeds, for the later passes);
  with $AM_DELETE_ACCOUNT set, so is account deletion (once the account is
  gone, requests go without a token).
- With $AM_NEW_VERSIONS set to N, publish requests carry a fresh version
  number (1.1.0, 1.2.0, ...) until one succeeds, at most N of them.
- With $AM_REJECTIONS_LOG set, every 400 and 422 answer to a case generated to
  conform to the document (a positive case) is appended there as one JSON
  line `{"op", "body", "query", "path", "status", "errors"}` (`errors`, or the `detail` of a 400): which generated values the
  validation refused, to find where the document's constraints are looser
  than the API's (schemathesis's "schema validation mismatch" warning).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Dict

import schemathesis

STATE: Dict[str, Any] = {"published": 0, "published_ok": False}


def _password_file() -> str:
    return os.environ["AM_STATUS_LOG"] + ".password"


def _current_password(initial: str) -> str:
    try:
        with open(_password_file(), encoding="utf-8") as saved:
            return saved.read()
    except FileNotFoundError:
        return initial


def _operation(case: Any) -> str:
    return f"{case.operation.method.upper()} {case.operation.path}"


def _fresh_token(email: str, password: str) -> str | None:
    request = urllib.request.Request(
        os.environ["AM_BASE"] + "/v1/auth/login",
        data=json.dumps({"email": email, "password": password}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return str(json.load(answer)["access_token"])
    except urllib.error.HTTPError:
        return None  # the account was deleted by this pass


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: Any) -> None:
    operation = _operation(case)
    fresh = os.environ.get("AM_FRESH_LOGIN")
    if fresh:
        email, _, initial = fresh.partition(":")
        password = _current_password(initial)
        token = _fresh_token(email, password)
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        case.headers = headers
        if operation == "POST /v1/auth/password/change" and isinstance(case.body, dict):
            case.body = {**case.body, "current_password": password}
        if operation == "DELETE /v1/me" and os.environ.get("AM_DELETE_ACCOUNT"):
            case.body = {"password": password}
    limit = int(os.environ.get("AM_NEW_VERSIONS") or 0)
    if operation == "POST /v1/agents/{owner}/{slug}/versions" and not STATE["published_ok"] and STATE["published"] < limit:
        STATE["published"] += 1
        case.body = {"version": f"1.{STATE['published']}.0"}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    operation = _operation(case)
    ok = 200 <= response.status_code < 300
    if operation == "POST /v1/auth/password/change" and ok:
        with open(_password_file(), "w", encoding="utf-8") as saved:
            saved.write(case.body["new_password"])
    if operation == "POST /v1/agents/{owner}/{slug}/versions" and ok:
        STATE["published_ok"] = True
    rejections = os.environ.get("AM_REJECTIONS_LOG")
    meta = getattr(case, "meta", None)
    positive = meta is not None and str(meta.generation.mode).lower().endswith("positive")
    if rejections and positive and response.status_code in (400, 422):
        try:
            problem = response.json()
            errors = problem.get("errors") or problem.get("detail")
        except ValueError:
            errors = response.text[:500]
        line = {
            "op": operation,
            "body": case.body,
            "query": case.query,
            "path": case.path_parameters,
            "status": response.status_code,
            "errors": errors,
        }
        with open(rejections, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, default=repr) + "\n")
    log = os.environ.get("AM_STATUS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{operation} {response.status_code}\n")

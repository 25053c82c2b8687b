"""Registers PEERS_USERS users (peer<i>@bench.example) on one system at
concurrency 8 and logs the first one in, for benches/peers/run.sh.

Usage: python3 drive.py SYSTEM BASE_URL USERS PASSWORD
SYSTEM is agentmart, fastapi_users or better_auth. Prints
`RESULT register_<system> rps=... requests=... non2xx=...` and then
`CREDENTIAL <header>\t<value>` for the current-user scenario. Standard
library only, so it runs under any Python 3.
"""

import http.client
import json
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def request(base: str, method: str, path: str, body: bytes, content_type: str) -> tuple[int, dict, bytes]:
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"content-type": content_type, "origin": base})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def register(system: str, base: str, i: int, password: str) -> int:
    email = f"peer{i}@bench.example"
    if system == "agentmart":
        path, body = "/v1/auth/register", {"email": email, "password": password}
    elif system == "fastapi_users":
        path, body = "/auth/register", {"email": email, "password": password}
    else:
        path, body = "/api/auth/sign-up/email", {"email": email, "password": password, "name": f"peer {i}"}
    status, _, _ = request(base, "POST", path, json.dumps(body).encode(), "application/json")
    return status


def credential(system: str, base: str, password: str) -> tuple[str, str]:
    email = "peer0@bench.example"
    if system == "fastapi_users":
        form = urllib.parse.urlencode({"username": email, "password": password}).encode()
        status, _, raw = request(base, "POST", "/auth/jwt/login", form, "application/x-www-form-urlencoded")
        assert status == 200, (status, raw)
        return "Authorization", "Bearer " + json.loads(raw)["access_token"]
    body = json.dumps({"email": email, "password": password}).encode()
    if system == "agentmart":
        status, _, raw = request(base, "POST", "/v1/auth/login", body, "application/json")
        assert status == 200, (status, raw)
        return "Authorization", "Bearer " + json.loads(raw)["access_token"]
    status, headers, raw = request(base, "POST", "/api/auth/sign-in/email", body, "application/json")
    assert status == 200, (status, raw)
    cookie = headers["set-cookie"].split(";", 1)[0]
    return "Cookie", cookie


def main() -> None:
    system, base, users, password = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    start = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: register(system, base, i, password), range(users)))
    elapsed = time.monotonic() - start
    bad = sum(1 for s in statuses if not 200 <= s < 300)
    print(f"RESULT register_{system} rps={users / elapsed:.1f} requests={users} non2xx={bad}", flush=True)
    if bad:
        sys.exit(f"drive.py: {bad} registrations failed on {system}: {sorted(set(statuses))}")
    header, value = credential(system, base, password)
    print(f"CREDENTIAL {header}\t{value}")


if __name__ == "__main__":
    main()

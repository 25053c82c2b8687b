"""Turns the RESULT lines of benches/peers/run.sh into the comparison table."""

import sys

rows: dict[str, dict[str, str]] = {}
for line in open(sys.argv[1]):
    if line.startswith("RESULT "):
        name, *pairs = line.split()[1:]
        rows[name] = dict(p.split("=", 1) for p in pairs)


def f(name: str, key: str) -> float:
    return float(rows.get(name, {}).get(key, "nan"))


systems = ["agentmart", "fastapi_users", "better_auth"]
print("| system | register/s | login/s | bare verify/s | login / verify | CPU ms per login | current user req/s | p99 ms |")
print("|---|---|---|---|---|---|---|---|")
for s in systems:
    login, verify = f(f"login_{s}", "rps"), f(f"verify_{s}", "rps")
    print(
        f"| {s} | {f(f'register_{s}', 'rps'):.0f} | {login:.1f} | {verify:.1f} | {100 * login / verify:.0f}% "
        f"| {f(f'login_{s}', 'cpu_ms_per_login'):.1f} | {f(f'me_{s}', 'rps'):.0f} | {f(f'me_{s}', 'p99_ms'):.2f} |"
    )
am = f("me_agentmart", "rps")
for s in systems[1:]:
    print(f"current user: agentmart / {s} = {am / f(f'me_{s}', 'rps'):.1f}x (target >= 25x)")
for s in systems:
    errors = sum(int(rows.get(f"{k}_{s}", {}).get("non2xx", "0")) for k in ("register", "login", "me"))
    print(f"{s}: non-2xx answers = {errors}")

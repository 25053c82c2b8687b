"""Python-side cost of agentmart calls over the same calls made from Rust.

    python benchmarks/overhead.py [--n 2000]

For `authenticate`, `market.list` (20 listed agents, first page) and an
idempotent `market.install`, it times N calls from Python and N calls of the
same core function looped inside Rust (`_native._bench_rust`, same store, same
runtime), and prints per-call times and their ratio. Memory store; numbers
depend on the machine and its load, so compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, Dict, List

import agentmart
from agentmart import _native

FAST = {"hashing": {"m_cost": 64, "t_cost": 1, "p_cost": 1}}
SECRET = "benchmark-secret-0123456789-abcdefghij"


def per_call(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    n = parser.parse_args().n
    rounds = parser.parse_args().rounds
    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST) as mart:
        owner_reg = mart.auth.register("owner@example.com", "correct horse battery staple", handle="owner")
        owner = mart.auth.authenticate(owner_reg.tokens.access_token)
        for i in range(20):
            mart.agents.create(
                owner, f"agent-{i}", name=f"Agent {i}", tagline="bench", system_prompt="x",
                input_modes=["text/plain"], output_modes=["text/plain"],
            )
            mart.agents.publish(owner, f"owner/agent-{i}", "1.0.0")
        fan_reg = mart.auth.register("fan@example.com", "correct horse battery staple", handle="fan")
        token = fan_reg.tokens.access_token
        fan = mart.auth.authenticate(token)
        mart.market.install(fan, "owner/agent-0")

        cases: Dict[str, tuple[Callable[[], object], Dict[str, object]]] = {
            "authenticate": (lambda: mart.auth.authenticate(token), {"token": token}),
            "market.list": (lambda: mart.market.list(), {}),
            "market.install": (
                lambda: mart.market.install(fan, "owner/agent-0"),
                {"principal": fan, "agent": "owner/agent-0"},
            ),
        }
        print(f"{'call':<16}{'python µs':>12}{'rust µs':>12}{'ratio':>8}")
        for name, (fn, kwargs) in cases.items():
            op = name.split(".")[-1]
            py_times: List[float] = []
            rs_times: List[float] = []
            for _ in range(rounds):
                per_call(fn, max(1, n // 10))  # warm up
                py_times.append(per_call(fn, n))
                rs_times.append(_native._bench_rust(mart, op, n, **kwargs) / n)
            py_best, rs_best = min(py_times), min(rs_times)
            print(f"{name:<16}{py_best * 1e6:>12.1f}{rs_best * 1e6:>12.1f}{py_best / rs_best:>8.2f}")


if __name__ == "__main__":
    main()

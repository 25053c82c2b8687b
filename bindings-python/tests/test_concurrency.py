"""Threads: the GIL is released during core work; shared handles are safe."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List, Tuple

import pytest

import agentmart
from conftest import FAST, PASSWORD, SECRET, unique_email

# Production argon2id parameters (the defaults): each hash takes tens of ms.
PRODUCTION = {"hashing": {"m_cost": 19456, "t_cost": 2, "p_cost": 1}, "max_concurrent_hashes": 2}


def test_gil_is_released_while_hashing() -> None:
    """Two threads hash passwords at production cost while the main thread
    keeps running Python: their calls overlap in time and the main thread
    never stalls for the length of a hash (it would if the GIL were held)."""
    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=PRODUCTION) as mart:
        mart.auth.register(unique_email("warm"), PASSWORD)  # warm up
        spans: List[Tuple[float, float]] = []
        start = threading.Barrier(3)
        done = threading.Event()

        def hasher() -> None:
            start.wait()
            for _ in range(3):
                t0 = time.perf_counter()
                mart.auth.register(unique_email("gil"), PASSWORD)
                spans.append((t0, time.perf_counter()))

        threads = [threading.Thread(target=hasher) for _ in range(2)]
        for t in threads:
            t.start()
        start.wait()
        beats: List[float] = []
        while any(t.is_alive() for t in threads):
            beats.append(time.perf_counter())
            sum(range(200))  # pure-Python work that needs the GIL
        done.set()
        for t in threads:
            t.join()

    shortest = min(end - begin for begin, end in spans)
    assert shortest > 0.005, "hashing was unexpectedly cheap; production parameters not in force?"
    # Were the main thread's beats running during the middle half of each
    # hash call? With the GIL held through the call there would be none there
    # in any call; the machine may be loaded, so ask it of most calls, not all.
    def beats_in_middle(begin: float, end: float) -> int:
        q = (end - begin) / 4
        return sum(1 for b in beats if begin + q <= b <= end - q)

    running = [beats_in_middle(b, e) > 0 for b, e in spans]
    assert sum(running) >= len(spans) // 2 + 1, f"main thread stalled during hashing: {running}"
    # The two threads' calls ran at the same time.
    overlapping = sum(
        1 for i, (a0, a1) in enumerate(spans) for (b0, b1) in spans[i + 1 :] if a0 < b1 and b0 < a1
    )
    assert overlapping > 0


def test_many_threads_share_one_handle(mart: agentmart.Agentmart) -> None:
    def work(i: int) -> str:
        email = unique_email(f"t{i}")
        reg = mart.auth.register(email, PASSWORD)
        me = mart.auth.authenticate(mart.auth.login(email, PASSWORD, ip="203.0.113.7").access_token)
        assert mart.auth.profile(me).id == reg.user.id
        return reg.user.id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(40)))
    assert len(set(ids)) == 40


def test_racing_registrations_of_one_email(mart: agentmart.Agentmart) -> None:
    email = unique_email("race")
    barrier = threading.Barrier(8)

    def attempt(_: int) -> str:
        barrier.wait()
        try:
            mart.auth.register(email, PASSWORD)
            return "ok"
        except agentmart.EmailTaken:
            return "taken"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(8)))
    assert results.count("ok") == 1 and results.count("taken") == 7


def test_close_while_other_threads_work() -> None:
    mart = agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST)
    errors: List[BaseException] = []
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                mart.market.list()
            except agentmart.Unavailable:
                return
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    mart.close()
    stop.set()
    for t in threads:
        t.join(timeout=10)
    assert errors == []
    with pytest.raises(agentmart.Unavailable):
        mart.market.list()

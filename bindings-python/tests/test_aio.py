"""agentmart.aio: the same API as coroutines; works after fork()."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

import agentmart
from agentmart.aio import AsyncAgentmart
from conftest import AGENT, FAST, PASSWORD, SECRET, unique_email


async def _flow(mart: AsyncAgentmart) -> None:
    email = unique_email("aio")
    reg = await mart.auth.register(email, PASSWORD, handle="aio-user")
    assert isinstance(reg, agentmart.Registered)
    me = await mart.auth.authenticate(reg.tokens.access_token)
    assert isinstance(me, agentmart.Principal)
    await mart.agents.create(me, "bot", **AGENT)
    await mart.agents.publish(me, "aio-user/bot", "1.0.0")
    page = await mart.market.list()
    assert [a.slug for a in page.items] == ["bot"]
    with pytest.raises(agentmart.InvalidCredentials):
        await mart.auth.login(email, "wrong password!!", ip="203.0.113.7")
    with pytest.raises(agentmart.ValidationError) as missing:
        await mart.auth.login(email, PASSWORD)  # no ip, no client_key: refused
    assert [(e.field, e.code) for e in missing.value.errors] == [("client", "required")]
    admin_page = None
    with pytest.raises(agentmart.Forbidden):
        admin_page = await mart.admin.audit(me)
    assert admin_page is None


def test_async_api() -> None:
    async def main() -> None:
        async with await AsyncAgentmart.open("memory:", jwt_secret=SECRET, config=FAST) as mart:
            assert mart.backend == "memory" and not mart.closed
            await mart.ping()
            await _flow(mart)
            await mart.flush()
        assert mart.closed
        with pytest.raises(agentmart.Unavailable):
            await mart.market.list()

    asyncio.run(main())


def test_async_calls_run_concurrently() -> None:
    async def main() -> None:
        async with await AsyncAgentmart.open("memory:", jwt_secret=SECRET, config=FAST) as mart:
            regs = await asyncio.gather(*(mart.auth.register(unique_email(), PASSWORD) for _ in range(20)))
            assert len({r.user.id for r in regs}) == 20
            # The loop stays responsive while calls are in flight.
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0)

            task = asyncio.ensure_future(ticker())
            await asyncio.gather(*(mart.market.list() for _ in range(20)))
            task.cancel()
            assert ticks > 0

    asyncio.run(main())


def test_async_methods_mirror_the_blocking_api() -> None:
    from agentmart import aio

    for async_cls, blocking in (
        (aio.AsyncAuth, agentmart.Auth),
        (aio.AsyncAgents, agentmart.Agents),
        (aio.AsyncMarket, agentmart.Market),
        (aio.AsyncAdmin, agentmart.Admin),
    ):
        public = {n for n in dir(blocking) if not n.startswith("_")}
        mirrored = {n for n in dir(async_cls) if not n.startswith("_")}
        assert public == mirrored
        for name in public:
            assert asyncio.iscoroutinefunction(getattr(async_cls, name))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_works_after_fork() -> None:
    """A handle used before fork() keeps working in the child (fresh runtime),
    and new async handles work there too."""
    mart = agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=FAST)
    mart.auth.register(unique_email(), PASSWORD)  # the parent's runtime exists now
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            mart.auth.register(unique_email("child"), PASSWORD)

            async def child() -> None:
                async with await AsyncAgentmart.open("memory:", jwt_secret=SECRET, config=FAST) as m:
                    await _flow(m)
                await AsyncAgentmart(mart).market.list()

            asyncio.run(child())
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, "the child failed"
    mart.auth.register(unique_email("parent"), PASSWORD)  # parent unaffected
    mart.close()

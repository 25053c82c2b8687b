"""Agentmart.sweep: ended sessions and their refresh tokens are purged."""

from __future__ import annotations

import asyncio

import pytest

import agentmart
from agentmart.aio import AsyncAgentmart
from conftest import FAST, PASSWORD, SECRET, unique_email

# No grace period: a logged-out session may be purged at once.
NO_GRACE = {**FAST, "sweep": {"session_grace": {"secs": 0, "nanos": 0}}}
KINDS = {"sessions", "counters", "one_time_tokens", "usage_users"}


def test_sweep_purges_logged_out_sessions() -> None:
    with agentmart.Agentmart.open("memory:", jwt_secret=SECRET, config=NO_GRACE) as mart:
        reg = mart.auth.register(unique_email("sweep"), PASSWORD)
        me = mart.auth.authenticate(reg.tokens.access_token)
        assert mart.sweep() == {kind: 0 for kind in KINDS}, "a live session stays"
        mart.auth.logout(me)
        report = mart.sweep(batch=10)
        assert set(report) == KINDS
        assert report["sessions"] == 1
        with pytest.raises(agentmart.TokenInvalid):
            mart.auth.refresh(reg.tokens.refresh_token, ip="203.0.113.7")
        assert mart.sweep(batch=0)["sessions"] == 0


def test_async_sweep() -> None:
    async def main() -> None:
        async with await AsyncAgentmart.open("memory:", jwt_secret=SECRET, config=NO_GRACE) as mart:
            reg = await mart.auth.register(unique_email("asweep"), PASSWORD)
            me = await mart.auth.authenticate(reg.tokens.access_token)
            await mart.auth.logout(me)
            assert (await mart.sweep(5))["sessions"] == 1

    asyncio.run(main())

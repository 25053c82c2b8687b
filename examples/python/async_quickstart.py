"""agentmart with asyncio: the same API as coroutines.

    python examples/python/async_quickstart.py
"""

from __future__ import annotations

import asyncio

import agentmart
from agentmart.aio import AsyncAgentmart
from example_secret import example_secret


async def main() -> None:
    async with await AsyncAgentmart.open("memory:", jwt_secret=example_secret()) as mart:
        # Independent calls run concurrently (each releases the GIL in Rust).
        regs = await asyncio.gather(
            *(mart.auth.register(f"user{i}@example.com", "correct horse battery staple") for i in range(3))
        )
        me = await mart.auth.authenticate(regs[0].tokens.access_token)
        await mart.agents.create(
            me,
            "echo",
            name="Echo",
            tagline="Repeats you",
            system_prompt="Repeat the input.",
            input_modes=["text/plain"],
            output_modes=["text/plain"],
        )
        await mart.agents.publish(me, f"{regs[0].user.handle}/echo", "0.1.0")
        page = await mart.market.list()
        print([f"{a.owner}/{a.slug}" for a in page.items])
        try:
            await mart.auth.login("user0@example.com", "not the password", ip="203.0.113.7")
        except agentmart.InvalidCredentials as err:
            print(f"as expected: {err.code}")


if __name__ == "__main__":
    asyncio.run(main())

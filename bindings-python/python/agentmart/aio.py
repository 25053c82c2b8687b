"""asyncio API: the same services as coroutines.

Each coroutine runs the blocking call in a thread pool (the running loop's
default executor, or the one you pass). This is cheap because the blocking
call releases the GIL while the Rust core works, so many calls run in
parallel and the event loop is never blocked. (A native future bridge such as
pyo3-async-runtimes has no release for pyo3 0.30 yet.) It works after
``fork()``: the child gets a fresh runtime and loop.

    async with await AsyncAgentmart.open("sled:./data", jwt_secret=...) as mart:
        reg = await mart.auth.register("ada@example.com", "correct horse battery")
        me = await mart.auth.authenticate(reg.tokens.access_token)
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import Executor
from typing import Any, Callable, Dict, Mapping, Optional, Type, TypeVar, Union

from . import _native
from ._types import Message

__all__ = ["AsyncAgentmart", "AsyncAuth", "AsyncAgents", "AsyncMarket", "AsyncAdmin"]

R = TypeVar("R")


async def _run(executor: Optional[Executor], fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))


class _AsyncService:
    """Wraps one blocking service; its methods are added by `_mirror`."""

    __slots__ = ("_service", "_executor")

    def __init__(self, service: Any, executor: Optional[Executor]) -> None:
        self._service = service
        self._executor = executor


def _mirror(cls: Type[_AsyncService], blocking: type) -> None:
    """Gives `cls` one coroutine method per public method of `blocking`."""
    for name in dir(blocking):
        if name.startswith("_") or not callable(getattr(blocking, name)):
            continue

        def make(method: str) -> Callable[..., Any]:
            async def call(self: _AsyncService, *args: Any, **kwargs: Any) -> Any:
                return await _run(self._executor, getattr(self._service, method), *args, **kwargs)

            call.__name__ = method
            call.__qualname__ = f"{cls.__name__}.{method}"
            call.__doc__ = getattr(blocking, method).__doc__
            return call

        setattr(cls, name, make(name))


class AsyncAuth(_AsyncService):
    """`agentmart.Auth` as coroutines."""


class AsyncAgents(_AsyncService):
    """`agentmart.Agents` as coroutines."""


class AsyncMarket(_AsyncService):
    """`agentmart.Market` as coroutines."""


class AsyncAdmin(_AsyncService):
    """`agentmart.Admin` as coroutines."""


_mirror(AsyncAuth, _native.Auth)
_mirror(AsyncAgents, _native.Agents)
_mirror(AsyncMarket, _native.Market)
_mirror(AsyncAdmin, _native.Admin)


class AsyncAgentmart:
    """An agentmart instance for asyncio code. Build it with :meth:`open`
    (or wrap an existing :class:`agentmart.Agentmart`)."""

    def __init__(self, mart: _native.Agentmart, *, executor: Optional[Executor] = None) -> None:
        self._mart = mart
        self._executor = executor
        self.auth = AsyncAuth(mart.auth, executor)
        self.agents = AsyncAgents(mart.agents, executor)
        self.market = AsyncMarket(mart.market, executor)
        self.admin = AsyncAdmin(mart.admin, executor)

    @classmethod
    async def open(
        cls,
        store_url: str,
        *,
        jwt_secret: Union[str, bytes, None] = None,
        config: Optional[Mapping[str, Any]] = None,
        notifier: Optional[Callable[[Message], object]] = None,
        executor: Optional[Executor] = None,
    ) -> AsyncAgentmart:
        """Opens a store like :meth:`agentmart.Agentmart.open`, without blocking the loop."""
        mart = await _run(
            executor,
            _native.Agentmart.open,
            store_url,
            jwt_secret=jwt_secret,
            config=config,
            notifier=notifier,
        )
        return cls(mart, executor=executor)

    @property
    def blocking(self) -> _native.Agentmart:
        """The underlying blocking handle (shares the same store)."""
        return self._mart

    @property
    def backend(self) -> str:
        """The storage backend's name."""
        return self._mart.backend

    @property
    def closed(self) -> bool:
        """True once closed."""
        return self._mart.closed

    async def ping(self) -> None:
        """Checks the store is reachable."""
        await _run(self._executor, self._mart.ping)

    async def flush(self) -> None:
        """Makes every acknowledged write durable."""
        await _run(self._executor, self._mart.flush)

    async def sweep(self, batch: int = 1000) -> Dict[str, int]:
        """One sweeper tick; counts purged per kind (see `Agentmart.sweep`)."""
        return await _run(self._executor, self._mart.sweep, batch)

    async def close(self) -> None:
        """Flushes and releases the store; later calls raise `agentmart.Unavailable`."""
        await _run(self._executor, self._mart.close)

    async def __aenter__(self) -> AsyncAgentmart:
        return self

    async def __aexit__(self, *_args: object) -> None:
        await self.close()

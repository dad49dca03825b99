"""Web fixtures: HTTP clients of the real ASGI app that come from a chosen TCP peer address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import nonebot
import pytest

from bot.runtime import Runtime

LOCAL = "http://127.0.0.1:8080"
"""Where the test server listens (NoneBot's default HOST and PORT)."""

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client() -> Client:
    """`client(peer=..., base=...)`: a cookie-keeping client whose requests arrive from `peer`."""

    @asynccontextmanager
    async def make(
        peer: str = "127.0.0.1", base: str = LOCAL, **kwargs: object
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=nonebot.get_asgi(), client=(peer, 50123))
        async with httpx.AsyncClient(transport=transport, base_url=base, **kwargs) as c:
            yield c

    return make


@pytest.fixture
def cadres_on(runtime: Runtime) -> Runtime:
    """WEB_CHAT_CADRES=true, as the local demo's .env has it."""
    runtime.settings = runtime.settings.model_copy(update={"web_chat_cadres": True})
    return runtime

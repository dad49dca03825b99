"""Web fixtures: HTTP clients of the real ASGI app that come from a chosen TCP peer address."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import nonebot
import pytest

from bot.runtime import Runtime, get_runtime
from bot.web.identity import identities

LOCAL = "http://127.0.0.1:8080"
"""Where the test server listens (NoneBot's default HOST and PORT)."""

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client() -> Client:
    """`client(peer=..., base=...)`: a cookie-keeping client whose requests arrive from `peer`."""

    @asynccontextmanager
    async def make(
        peer: str = "127.0.0.1", base: str = LOCAL, cadre_link: bool = False, **kwargs: object
    ) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=nonebot.get_asgi(), client=(peer, 50123))
        async with httpx.AsyncClient(transport=transport, base_url=base, **kwargs) as c:
            if cadre_link:  # open the link printed at start-up, as the local demo user does
                await c.get(f"/chat?cadre={cadre_key()}")
            yield c

    return make


def cadre_key() -> str:
    """The cadre trial key of the running test's settings."""
    settings = get_runtime().settings
    return identities(settings.web_secret, settings.data_dir).cadre_key()


@pytest.fixture
def cadres_on(runtime: Runtime) -> Runtime:
    """WEB_CHAT_CADRES=true, as the local demo's .env has it."""
    runtime.settings = runtime.settings.model_copy(update={"web_chat_cadres": True})
    return runtime

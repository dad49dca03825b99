"""The official QQ bot's test harness: webhook events signed as the platform signs them
(ed25519, key seeded from the AppSecret) posted to the adapter on the running app, and a fake
OpenAPI (a real HTTP server on 127.0.0.1) that records the passive replies."""

from __future__ import annotations

import asyncio
import binascii
import itertools
import json
import secrets
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import httpx
import nonebot
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from nonebot.config import Env
from nonebot.drivers import combine_driver
from nonebot.drivers.fastapi import Driver as FastAPIDriver
from nonebot.drivers.httpx import Mixin as HTTPXMixin

from bot.qqbot.adapter import Adapter, adapter_config
from bot.runtime import Runtime

APPID = "102030405"
TOKEN = "fake-access-token"


@dataclass
class FakeOpenAPI:
    """What the fake OpenAPI received: (path, body) of each message sent."""

    base: str = ""
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unauthorised: int = 0


@pytest.fixture
async def openapi() -> AsyncIterator[FakeOpenAPI]:
    fake = FakeOpenAPI()
    app = FastAPI()
    ids = itertools.count(1)

    @app.post("/app/getAppAccessToken")
    async def token(request: Request) -> dict[str, str]:
        body = await request.json()
        assert body["appId"] == APPID
        return {"access_token": TOKEN, "expires_in": "7200"}

    def authorised(request: Request) -> bool:
        ok = request.headers.get("authorization") == f"QQBot {TOKEN}"
        fake.unauthorised += not ok
        return ok

    @app.get("/users/@me")
    async def me(request: Request) -> dict[str, Any]:
        authorised(request)
        return {"id": "bot-openid", "username": "青声", "bot": True}

    @app.post("/v2/groups/{group}/messages")
    async def group_message(group: str, request: Request) -> dict[str, Any]:
        authorised(request)
        fake.sent.append((f"/v2/groups/{group}/messages", await request.json()))
        return {"id": f"sent-{next(ids)}", "timestamp": datetime.now(timezone.utc).isoformat()}

    @app.post("/v2/users/{user}/messages")
    async def c2c_message(user: str, request: Request) -> dict[str, Any]:
        authorised(request)
        fake.sent.append((f"/v2/users/{user}/messages", await request.json()))
        return {"id": f"sent-{next(ids)}", "timestamp": datetime.now(timezone.utc).isoformat()}

    # Bound and listening before the server runs: a request that comes early waits in the backlog.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    fake.base = f"http://127.0.0.1:{port}"
    yield fake
    server.should_exit = True
    await task


@dataclass
class Platform:
    """Signs and posts webhook events as the QQ platform does."""

    client: httpx.AsyncClient
    adapter: Adapter
    secret: str
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def key(self) -> Ed25519PrivateKey:
        seed = self.secret.encode()
        while len(seed) < 32:
            seed += self.secret.encode()
        return Ed25519PrivateKey.from_private_bytes(seed[:32])

    def event(self, kind: str, data: dict[str, Any]) -> bytes:
        n = next(self.counter)
        return json.dumps(
            {"op": 0, "id": f"{kind}:event{n:04d}" + "x" * 60, "s": n, "t": kind, "d": data},
            ensure_ascii=False,
        ).encode()

    def group_at(self, group: str, member: str, text: str) -> bytes:
        n = next(self.counter)
        return self.event(
            "GROUP_AT_MESSAGE_CREATE",
            {
                "id": f"ROBOT1.0_group_msg_{n}",
                "content": " " + text,
                "timestamp": datetime.now(timezone.utc).isoformat(),
                "group_id": group,
                "group_openid": group,
                "author": {
                    "id": member,
                    "member_openid": member,
                    "member_role": "member",
                    "bot": False,
                },
            },
        )

    def c2c(self, user: str, text: str) -> bytes:
        n = next(self.counter)
        return self.event(
            "C2C_MESSAGE_CREATE",
            {
                "id": f"ROBOT1.0_c2c_msg_{n}",
                "content": text,
                "timestamp": datetime.now(timezone.utc).isoformat(),
                "author": {"id": user, "user_openid": user},
            },
        )

    async def post(
        self,
        body: bytes,
        *,
        timestamp: int | None = None,
        key: Ed25519PrivateKey | None = None,
    ) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = (key or self.key()).sign(stamp.encode() + body)
        response = await self.client.post(
            "/qq/webhook",
            content=body,
            headers={
                "X-Bot-Appid": APPID,
                "X-Signature-Ed25519": binascii.hexlify(signature).decode(),
                "X-Signature-Timestamp": stamp,
                "Content-Type": "application/json",
            },
        )
        # The adapter handles an event in a task of its own: wait for the replies.
        while self.adapter.tasks:
            await asyncio.gather(*list(self.adapter.tasks))
        return response


@pytest.fixture
async def platform(runtime: Runtime, openapi: FakeOpenAPI) -> AsyncIterator[Platform]:
    secret = secrets.token_urlsafe(12)
    driver = combine_driver(FastAPIDriver, HTTPXMixin)(Env(), nonebot.get_driver().config)
    adapter = Adapter(
        driver,
        qq_config=adapter_config(
            APPID,
            secret,
            api_base=openapi.base + "/",
            auth_url=openapi.base + "/app/getAppAccessToken",
        ),
        db=lambda: runtime.db,
        max_skew=300,
    )
    await driver._lifespan.startup()  # what serving the app does: the adapter mounts its routes
    transport = httpx.ASGITransport(app=driver.server_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
            yield Platform(client, adapter, secret)
    finally:
        await driver._lifespan.shutdown()

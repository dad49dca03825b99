"""/healthz and /metrics on the bot's HTTP port.

/healthz is for uptime checks (a load balancer, Docker, systemd): JSON, 200 when the database
answers and (unless HEALTHZ_REQUIRE_QQ=false) a QQ account is connected, else 503. It shows
no account numbers. /metrics is Prometheus text: with METRICS_TOKEN set it needs
``Authorization: Bearer <token>``; without, it answers only requests from this machine that
came through no proxy (it tells how busy the bot is and how many cases wait: not for the public).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bot.delivery.channel import AccountChannel
from bot.ops import metrics
from bot.runtime import Runtime, get_runtime
from bot.settings import Settings
from bot.storage.models import utcnow
from bot.web.access import loopback_host, proxy_headers

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0
"""Seconds the database has to answer a health check."""


def _runtime() -> Runtime | None:
    try:
        return get_runtime()
    except RuntimeError:
        return None


async def _database_ok(runtime: Runtime) -> bool:
    async def ping() -> None:
        async with runtime.db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DATABASE_TIMEOUT)
    except Exception as exc:
        log.warning("health check: the database did not answer: %s", exc)
        return False
    return True


async def health(settings: Settings) -> tuple[bool, dict[str, Any]]:
    """Whether the bot is healthy, and the JSON body saying why."""
    runtime = _runtime()
    if runtime is None:
        return False, {"status": "starting", "database": False, "accounts": {}}
    database = await _database_ok(runtime)
    accounts = {
        platform: len(channel.accounts())
        for platform, channel in runtime.outbox.channels.items()
        if isinstance(channel, AccountChannel)
    }
    healthy = database and (not settings.healthz_require_qq or accounts.get("qq", 0) > 0)
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": database,
        "accounts": accounts,
    }
    return healthy, body


def _local_without_proxy(request: Request) -> bool:
    # The same test as the try page's: every proxy header counts (Via, X-Forwarded-*, ...).
    if request.client is None or proxy_headers(request) or not loopback_host(request):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def ops_router(settings: Settings) -> APIRouter:
    """The /healthz and /metrics routes."""
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        healthy, body = await health(settings)
        return JSONResponse(body, status_code=200 if healthy else 503)

    @router.get("/metrics")
    async def prometheus(request: Request) -> Response:
        if settings.metrics_token:
            given = request.headers.get("authorization", "")
            expected = f"Bearer {settings.metrics_token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                raise HTTPException(401, "metrics need METRICS_TOKEN")
        elif not _local_without_proxy(request):
            raise HTTPException(403, "metrics: set METRICS_TOKEN to read them from elsewhere")
        runtime = _runtime()
        if runtime is None:
            raise HTTPException(503, "starting")
        return Response(await metrics.scrape(runtime, utcnow()), media_type=metrics.CONTENT_TYPE)

    return router

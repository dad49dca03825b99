"""The bot's Prometheus metrics: the metric objects, the hooks that count, the scrape.

Counters and the latency histogram are counted where things happen (the Q&A service's `handle`
and `sent`, the outbox's failed attempts); what the database knows (open and overdue cases,
outbox depth, paused accounts) is read when /metrics is scraped, with one cheap grouped query
each. Everything lives in this module's own registry.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import case, func, select

from bot.cases.models import Case, CaseStatus
from bot.delivery.channel import AccountChannel
from bot.delivery.models import OutboxAccount, OutboxMessage, OutboxStatus

if TYPE_CHECKING:
    from bot.qa.model import Incoming, Reply
    from bot.runtime import Runtime

REGISTRY = CollectorRegistry()
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

MESSAGES_IN = Counter(
    "qingsheng_messages_in",
    "Messages that reached the Q&A service, by platform and chat type.",
    ["platform", "chat"],
    registry=REGISTRY,
)
REPLIES = Counter(
    "qingsheng_replies",
    "Replies the Q&A service gave, by kind (answer, suggest, unanswered, crisis, …).",
    ["platform", "kind"],
    registry=REGISTRY,
)
REPLIES_SENT = Counter(
    "qingsheng_replies_sent",
    "Replies handed to the platform (sent or tried), by kind.",
    ["platform", "kind"],
    registry=REGISTRY,
)
REPLY_SECONDS = Histogram(
    "qingsheng_reply_seconds",
    "Time from a message reaching the Q&A service to its reply being ready.",
    ["platform"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
OUTBOX_ATTEMPTS_FAILED = Counter(
    "qingsheng_outbox_attempts_failed",
    "Outbox send attempts that failed in this process, by bot account.",
    ["account"],
    registry=REGISTRY,
)
CASES_OPEN = Gauge(
    "qingsheng_cases_open",
    "Cases waiting for an answer (not answered or closed yet).",
    registry=REGISTRY,
)
CASES_OVERDUE = Gauge(
    "qingsheng_cases_overdue",
    "Cases waiting for an answer past their first-response time.",
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "qingsheng_outbox_depth",
    "Outbox messages not sent yet (pending or in flight), by bot account.",
    ["account"],
    registry=REGISTRY,
)
OUTBOX_FAILED = Gauge(
    "qingsheng_outbox_failed",
    "Outbox messages given up after their last attempt, by bot account.",
    ["account"],
    registry=REGISTRY,
)
CIRCUIT_OPEN = Gauge(
    "qingsheng_outbox_circuit_open",
    "1 while an account's sending is paused by its circuit breaker.",
    ["account"],
    registry=REGISTRY,
)
ACCOUNTS_CONNECTED = Gauge(
    "qingsheng_accounts_connected",
    "Bot accounts connected to this process, by platform.",
    ["platform"],
    registry=REGISTRY,
)

_H = TypeVar("_H", bound=Callable[..., Awaitable[Any]])


def observe_handle(handle: _H) -> _H:
    """Wrap `QaService.handle`: count the message, time it, count the reply by kind."""

    @functools.wraps(handle)
    async def wrapper(self: object, msg: Incoming, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        reply = await handle(self, msg, *args, **kwargs)
        MESSAGES_IN.labels(msg.platform, "group" if msg.group_id else "private").inc()
        if reply is not None:
            REPLY_SECONDS.labels(msg.platform).observe(time.perf_counter() - started)
            REPLIES.labels(msg.platform, _kind(reply)).inc()
        return reply

    return wrapper  # type: ignore[return-value]


def observe_sent(sent: _H) -> _H:
    """Wrap `QaService.sent`: count the reply handed to the platform by kind."""

    @functools.wraps(sent)
    async def wrapper(
        self: object, platform: str, message_id: str | None, reply: Reply, **kwargs: Any
    ) -> Any:
        REPLIES_SENT.labels(platform, _kind(reply)).inc()
        return await sent(self, platform, message_id, reply, **kwargs)

    return wrapper  # type: ignore[return-value]


def outbox_failed(account: str, error: str) -> None:
    """An outbox hook: one failed attempt of `account`."""
    OUTBOX_ATTEMPTS_FAILED.labels(account).inc()


def _kind(reply: Reply) -> str:
    kind = reply.kind
    return str(getattr(kind, "value", kind))


async def scrape(runtime: Runtime, now: datetime) -> bytes:
    """Read what the database knows into the gauges; the whole registry in text format."""
    done = (CaseStatus.ANSWERED.value, CaseStatus.CLOSED.value)
    async with runtime.db.engine.connect() as conn:
        open_cases, overdue = (
            await conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(case((Case.due_at < now, 1), else_=0)), 0),
                ).where(Case.status.not_in(done))
            )
        ).one()
        by_status = (
            await conn.execute(
                select(OutboxMessage.account, OutboxMessage.status, func.count())
                .where(
                    OutboxMessage.status.in_(
                        (
                            OutboxStatus.PENDING.value,
                            OutboxStatus.SENDING.value,
                            OutboxStatus.FAILED.value,
                        )
                    )
                )
                .group_by(OutboxMessage.account, OutboxMessage.status)
            )
        ).all()
        paused = (
            await conn.execute(select(OutboxAccount.account, OutboxAccount.paused_until))
        ).all()
    CASES_OPEN.set(open_cases)
    CASES_OVERDUE.set(overdue)
    OUTBOX_DEPTH.clear()
    OUTBOX_FAILED.clear()
    for account, status, count in by_status:
        gauge = OUTBOX_FAILED if status == OutboxStatus.FAILED.value else OUTBOX_DEPTH
        gauge.labels(account).inc(count)
    CIRCUIT_OPEN.clear()
    for account, until in paused:
        CIRCUIT_OPEN.labels(account).set(1 if until is not None and until > now else 0)
    ACCOUNTS_CONNECTED.clear()
    for platform, channel in runtime.outbox.channels.items():
        if isinstance(channel, AccountChannel):
            ACCOUNTS_CONNECTED.labels(platform).set(len(channel.accounts()))
    return generate_latest(REGISTRY)

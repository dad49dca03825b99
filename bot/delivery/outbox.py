"""The outbox: messages the bot sends on its own (announcements, reminders), paced per bot account.

Rows live in the database, so a restart loses none. A row is claimed right before its send
(PostgreSQL: ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)``; SQLite, which runs one
writer at a time: the same single compare-and-set UPDATE) and marked sent right after the send
returns, so workers sharing one database never send a row twice. A claim is a lease: the row of
a worker that died mid-send becomes claimable again when the lease runs out.

Each bot account is one paced queue, the way QQ risk control wants it: a spacing with jitter
between sends, an hourly cap, retries with exponential backoff, and a circuit breaker that pauses
the account after repeated timeouts or risk-control errors (OneBot retcode 1200) and tells admins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from bot.common.wake import wait_event
from bot.delivery import texts
from bot.delivery.channel import Channel, SendError
from bot.delivery.models import OutboxMessage, OutboxStatus
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

RISK_RETCODES = frozenset({1200})
"""OneBot retcodes that mean "slow down": 1200 is a send that timed out, the usual face of QQ
risk control. They (and timeouts) count toward the circuit breaker."""
HOUR = timedelta(hours=1)
CHAT_TYPES = ("group", "private")

__all__ = ["Outbox", "OutboxItem", "OutboxRow", "OutboxStatus"]
ENQUEUE_CHUNK = 200
"""Rows per INSERT of `enqueue_many` (SQLite allows some 32,000 bound values a statement)."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message to queue with `Outbox.enqueue_many`; the fields mean what `enqueue`'s do."""

    key: str
    platform: str
    chat_id: str
    text: str
    chat_type: str = "group"
    account: str = "default"
    not_before: datetime | None = None


OUTBOX = cast(Table, OutboxMessage.__table__)
"""The table, for the statements of the send path (Core: no ORM bookkeeping per message)."""


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row claimed for one send: what the send and its record need."""

    id: int
    key: str
    platform: str
    chat_type: str
    chat_id: str
    text: str
    attempts: int
    claimed_by: str


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """Where one outbox message stands, e.g. for /活动状态."""

    key: str
    chat_id: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    platform: str
    chat_type: str
    message_id: str | None
    """The platform's id of the sent message, once sent."""


class Outbox:
    """A durable, paced outbox: `enqueue` rows, a loop (or `send_due`) sends them."""

    def __init__(
        self,
        db: Database,
        channels: Mapping[str, Channel],
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.channels = dict(channels)
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.on_circuit_open: list[Callable[[str, str], Awaitable[None]]] = []
        """Told (account, reason in Chinese) when an account pauses; the chat layer tells admins."""
        self._last_attempt: dict[str, datetime] = {}
        self._gap: dict[str, float] = {}
        """Spacing (with its jitter) to keep after each account's last attempt."""
        self._window: dict[str, deque[datetime]] = {}
        self._risk_failures: dict[str, int] = {}
        self._paused_until: dict[str, datetime] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._inflight: set[asyncio.Task[bool | None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # ---- queueing --------------------------------------------------------------------------

    async def enqueue(
        self,
        key: str,
        platform: str,
        chat_id: str,
        text: str,
        *,
        chat_type: str = "group",
        account: str = "default",
        not_before: datetime | None = None,
    ) -> bool:
        """Queue `text` for one chat under the unique `key`; False if that key was queued before.

        `key` names the message and its chat (e.g. ``activity:12:qq:40001``), so enqueueing a
        whole broadcast again after a crash queues only what is missing. `not_before`: send no
        earlier than this (a scheduled announcement).
        """
        item = OutboxItem(key, platform, chat_id, text, chat_type, account, not_before)
        return await self.enqueue_many([item]) == 1

    async def enqueue_many(self, items: Iterable[OutboxItem]) -> int:
        """Queue many messages in one transaction (a broadcast); returns how many were new.

        Like `enqueue` item by item (keys queued before are skipped), but one commit for all:
        a broadcast is queued entirely or not at all.
        """
        now = self.clock()
        values = []
        for item in items:
            if item.chat_type not in CHAT_TYPES:
                raise ValueError(f"chat_type must be one of {CHAT_TYPES}, not {item.chat_type!r}")
            values.append(
                {
                    "key": item.key,
                    "platform": item.platform,
                    "account": item.account,
                    "chat_type": item.chat_type,
                    "chat_id": item.chat_id,
                    "text": item.text,
                    "status": OutboxStatus.PENDING.value,
                    "attempts": 0,
                    "not_before": item.not_before or now,
                    "created_at": now,
                }
            )
        if not values:
            return 0
        dialect = postgresql if self.db.dialect == "postgresql" else sqlite
        inserted = 0
        async with self.db.engine.begin() as conn:
            for start in range(0, len(values), ENQUEUE_CHUNK):
                chunk = values[start : start + ENQUEUE_CHUNK]
                result = await conn.execute(
                    dialect.insert(OUTBOX).values(chunk).on_conflict_do_nothing()
                )
                inserted += result.rowcount
        if inserted:
            self._wake.set()
        return inserted

    async def progress(self, key_prefix: str) -> list[OutboxRow]:
        """Every row whose key starts with `key_prefix`, in the order they were queued."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.key.startswith(key_prefix, autoescape=True))
                .order_by(OutboxMessage.id)
            )
            return [
                OutboxRow(
                    key=row.key,
                    chat_id=row.chat_id,
                    status=OutboxStatus(row.status),
                    attempts=row.attempts,
                    last_error=row.last_error,
                    sent_at=row.sent_at,
                    platform=row.platform,
                    chat_type=row.chat_type,
                    message_id=row.message_id,
                )
                for row in rows
            ]

    def paused_until(self, account: str = "default") -> datetime | None:
        """When the paused `account` resumes; None if it is not paused."""
        until = self._paused_until.get(account)
        return until if until is not None and until > self.clock() else None

    # ---- sending ---------------------------------------------------------------------------

    async def send_due(self, worker: str = "main", limit: int | None = None) -> int:
        """Send what is due, each account at its own pace; returns how many were sent.

        Waits out the spacing and the hourly cap (through the injected `sleep`); skips a paused
        account. `limit` bounds the sends of this call. `worker` names the claims in the table.
        """
        now = self.clock()
        async with self.db.session() as session:
            accounts = (
                await session.scalars(
                    select(OutboxMessage.account).where(self._due(now)).distinct()
                )
            ).all()
        budget = [math.inf if limit is None else limit]
        counts = await asyncio.gather(
            *(self._drain(account, worker, budget) for account in sorted(accounts))
        )
        return sum(counts)

    async def _drain(self, account: str, worker: str, budget: list[float]) -> int:
        lock = self._locks.setdefault(account, asyncio.Lock())
        sent = 0
        async with lock:
            while budget[0] > 0 and self.paused_until(account) is None:
                wait = await self._wait_for_turn(account)
                if wait > 0:
                    # Sleep only if there is something to send after the sleep.
                    if not await self._has_due(account):
                        break
                    await self.sleep(wait)
                    continue
                budget[0] -= 1
                # The claim, the send and its record run to the end even if this task is
                # cancelled (a stop): a message that went out is always marked sent.
                step = asyncio.create_task(self._send_one(account, worker))
                self._inflight.add(step)
                step.add_done_callback(self._inflight.discard)
                outcome = await asyncio.shield(step)
                if outcome is None:
                    break
                sent += outcome
        return sent

    async def _has_due(self, account: str) -> bool:
        async with self.db.session() as session:
            found = await session.scalar(
                select(OutboxMessage.id)
                .where(OutboxMessage.account == account, self._due(self.clock()))
                .limit(1)
            )
        return found is not None

    async def _wait_for_turn(self, account: str) -> float:
        """Seconds until `account` may send: the hourly cap must have room, the spacing be over."""
        window = await self._window_of(account)
        now = self.clock()
        while window and window[0] <= now - HOUR:
            window.popleft()
        if len(window) >= self.settings.outbox_hourly_cap:
            wait = (window[0] + HOUR - now).total_seconds()
            log.info("outbox: account %s reached its hourly cap; waiting %.0f s", account, wait)
            return wait
        last = self._last_attempt.get(account)
        if last is None:
            return 0.0
        return (last + timedelta(seconds=self._gap[account]) - now).total_seconds()

    async def _window_of(self, account: str) -> deque[datetime]:
        """Send times of `account` in the last hour, read from the table on first use."""
        if account not in self._window:
            async with self.db.session() as session:
                times = await session.scalars(
                    select(OutboxMessage.sent_at)
                    .where(
                        OutboxMessage.account == account,
                        OutboxMessage.status == OutboxStatus.SENT.value,
                        OutboxMessage.sent_at > self.clock() - HOUR,
                    )
                    .order_by(OutboxMessage.sent_at)
                )
                self._window.setdefault(account, deque(t for t in times if t is not None))
        return self._window[account]

    async def _send_one(self, account: str, worker: str) -> bool | None:
        """Claim the next due row of `account` and send it; None if none is left to claim."""
        row = await self._claim(account, worker)
        if row is None:
            return None
        started = self.clock()
        self._last_attempt[account] = started
        self._window[account].append(started)
        self._gap[account] = self.settings.outbox_spacing_seconds + self.rng.uniform(
            0, self.settings.outbox_jitter_seconds
        )
        timeout = self.settings.outbox_send_timeout_seconds
        try:
            message_id = await asyncio.wait_for(self._send(row), timeout)
        except SendError as exc:
            risky = exc.timeout or exc.retcode in RISK_RETCODES
            error = str(exc)
        except (TimeoutError, asyncio.TimeoutError):
            risky, error = True, f"no answer within {timeout:g} s"
        except Exception as exc:
            log.exception("outbox %s: unexpected error sending", row.key)
            risky, error = False, f"{type(exc).__name__}: {exc}"
        else:
            await self._mark_sent(row, message_id)
            self._risk_failures[account] = 0
            return True
        await self._mark_failed(row, error)
        if risky:
            await self._count_risk(account, error)
        return False

    async def _claim(self, account: str, worker: str) -> _Claim | None:
        now = self.clock()
        candidate = (
            select(OUTBOX.c.id)
            .where(OUTBOX.c.account == account, self._due(now))
            .order_by(OUTBOX.c.not_before, OUTBOX.c.id)
            .limit(1)
        )
        if self.db.dialect == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        claim = (
            update(OUTBOX)
            .where(OUTBOX.c.id == candidate.scalar_subquery(), self._due(now))
            .values(
                status=OutboxStatus.SENDING.value,
                claimed_by=f"{worker}:{uuid.uuid4().hex[:12]}"[-64:],
                lease_until=now + timedelta(seconds=self.settings.outbox_lease_seconds),
                attempts=OUTBOX.c.attempts + 1,
            )
            .returning(*(OUTBOX.c[field.name] for field in fields(_Claim)))
        )
        async with self.db.engine.begin() as conn:
            claimed = (await conn.execute(claim)).one_or_none()
        return _Claim(*claimed) if claimed is not None else None

    async def _send(self, row: _Claim) -> str | None:
        channel = self.channels.get(row.platform)
        if channel is None:
            raise SendError(f"no channel for platform {row.platform}")
        if row.chat_type == "private":
            return await channel.send_private(row.chat_id, row.text)
        return await channel.send_group(row.chat_id, row.text)

    async def _mark_sent(self, row: _Claim, message_id: str | None) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id)
                .values(
                    status=OutboxStatus.SENT.value,
                    sent_at=self.clock(),
                    message_id=message_id,
                    lease_until=None,
                    last_error=None,
                )
            )

    async def _mark_failed(self, row: _Claim, error: str) -> None:
        now = self.clock()
        final = row.attempts >= self.settings.outbox_max_attempts
        backoff = self.settings.outbox_backoff_seconds * 2 ** (row.attempts - 1)
        async with self.db.engine.begin() as conn:
            # Compare-and-set on the claim: a row another worker reclaimed is not ours to set.
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id, OUTBOX.c.claimed_by == row.claimed_by)
                .values(
                    status=(OutboxStatus.FAILED if final else OutboxStatus.PENDING).value,
                    not_before=now if final else now + timedelta(seconds=backoff),
                    lease_until=None,
                    last_error=error[:2000],
                )
            )
        log.warning(
            "outbox %s: %s %s %s attempt %d/%d failed%s: %s",
            row.key,
            row.platform,
            row.chat_type,
            row.chat_id,
            row.attempts,
            self.settings.outbox_max_attempts,
            ", giving up" if final else f", retry in {backoff:g} s",
            error,
        )

    async def _count_risk(self, account: str, error: str) -> None:
        """One more timeout or risk-control error in a row; open the circuit at the threshold."""
        failures = self._risk_failures.get(account, 0) + 1
        self._risk_failures[account] = failures
        if failures < self.settings.outbox_circuit_failures:
            return
        self._risk_failures[account] = 0
        minutes = self.settings.outbox_circuit_pause_minutes
        until = self.clock() + timedelta(minutes=minutes)
        self._paused_until[account] = until
        reason = texts.CIRCUIT_OPEN.format(
            account=account,
            failures=failures,
            error=error,
            minutes=f"{minutes:g}",
            until=until.astimezone(ZoneInfo(self.settings.timezone)).strftime("%H:%M"),
        )
        log.error("outbox: circuit of account %s open until %s: %s", account, until, error)
        for callback in list(self.on_circuit_open):
            try:
                await callback(account, reason)
            except Exception:
                log.exception("outbox: a circuit-open callback failed")

    @staticmethod
    def _due(now: datetime) -> ColumnElement[bool]:
        """Pending and due, or claimed by a worker whose lease ran out."""
        return or_(
            and_(
                OUTBOX.c.status == OutboxStatus.PENDING.value,
                OUTBOX.c.not_before <= now,
            ),
            and_(
                OUTBOX.c.status == OutboxStatus.SENDING.value,
                OUTBOX.c.lease_until < now,
            ),
        )

    # ---- the background loop -----------------------------------------------------------------

    async def run(self) -> None:
        """Send due messages forever; wakes on enqueue or every OUTBOX_TICK_SECONDS."""
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("outbox: sending failed; retrying on the next tick")
            await wait_event(self._wake, self.settings.outbox_tick_seconds)
            self._wake.clear()

    def start(self) -> None:
        """Start the sending loop in the background."""
        if self._loop is None:
            self._loop = asyncio.create_task(self.run(), name="outbox")

    async def stop(self) -> None:
        """Stop the loop; a send under way finishes and is recorded, the rest waits in the table."""
        loop, self._loop = self._loop, None
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

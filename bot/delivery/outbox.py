"""The outbox: messages the bot sends on its own (announcements, reminders, case notifications
that could not go out at once), paced per bot account.

Rows live in the database, so a restart loses none. A row is claimed right before its send
(PostgreSQL: ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)``; SQLite, which runs one
writer at a time: the same single compare-and-set UPDATE) and marked sent right after the send
returns, so workers sharing one database never send a row twice. A claim is a lease: the row of
a worker that died mid-send becomes claimable again when the lease runs out. Such a row may have
gone out already: where the platform keeps a history (QQ through NapCat/LLBot), the chat's latest
messages are read first and a message found there is not sent again; where it cannot tell, the
row is sent again (at least once) and the log says it may be a duplicate.

Each bot account is one paced queue, the way QQ risk control wants it: a spacing with jitter
between sends, an hourly cap, retries with exponential backoff, and a circuit breaker that pauses
the account after repeated timeouts or risk-control errors (OneBot retcode 1200) and tells admins.
That state is a row of `outbox_accounts`, locked by each claim, so it holds across processes.

On a platform reached through connecting accounts (`AccountChannel`: QQ), a row queued for any
account goes out through a connected account that is in its chat (`outbox_routes`, listed when an
account connects and every OUTBOX_ROUTES_MINUTES); a row for a chat no connected account lists
waits for one (an account whose chats cannot be listed may try any chat). An account takes no
such row before the outbox tried to list its chats (told by `connected`, or on the periodic
listing), so one that connected a moment ago can't reach another account's group. While no account is connected,
rows wait without spending attempts.

On a platform where the bot cannot message anyone unprompted (the official QQ bot: replies
only), a row that comes due is not sent but held: it becomes a held delivery (the `deliveries`
table of pull delivery, see `bot.cases.service.CaseService.release_held`) that goes out with the
bot's reply when its chat next messages the bot, and the row turns `sent` then. Until then it is
`held` (待送达), spending no attempts and no account's pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, case, delete, exists, false, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from bot.cases.models import Delivery, DeliveryStatus
from bot.common.wake import wait_event
from bot.delivery import texts
from bot.delivery.channel import AccountChannel, Channel, SendError
from bot.delivery.models import OutboxAccount, OutboxMessage, OutboxRoute, OutboxStatus
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

RISK_RETCODES = frozenset({1200})
"""OneBot retcodes that mean "slow down": 1200 is a send that timed out, the usual face of QQ
risk control. They (and timeouts) count toward the circuit breaker."""
HOUR = timedelta(hours=1)
CHAT_TYPES = ("group", "private")
ANY_ACCOUNT = "default"
"""The account of a row that may go out through any account (in its chat, where routed)."""

__all__ = ["ANY_ACCOUNT", "Outbox", "OutboxItem", "OutboxRow", "OutboxSent", "OutboxStatus"]
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
    account: str = ANY_ACCOUNT
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxSent:
    """One row that went out, as `Outbox.on_sent` hooks are told of it."""

    key: str
    platform: str
    account: str
    """The bot account that sent it (a quote of the message comes back through it)."""
    chat_type: str
    chat_id: str
    message_id: str | None


OUTBOX = cast(Table, OutboxMessage.__table__)
"""The table, for the statements of the send path (Core: no ORM bookkeeping per message)."""
ACCOUNTS = cast(Table, OutboxAccount.__table__)
ROUTES = cast(Table, OutboxRoute.__table__)
DELIVERIES = cast(Table, Delivery.__table__)


@dataclass(frozen=True, slots=True)
class _Claim:
    """A row claimed for one send: what the send and its record need."""

    id: int
    key: str
    platform: str
    account: str
    chat_type: str
    chat_id: str
    text: str
    attempts: int
    claimed_by: str
    in_doubt: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _Lane:
    """One paced queue: an account, on one routed platform or on every other platform."""

    account: str
    platform: str | None = None
    """Set for an account of an `AccountChannel`: the lane also takes that platform's rows
    queued for any account whose chat the account is in."""


@dataclass(frozen=True, slots=True)
class _Turn:
    """The outcome of asking for an account's next send."""

    claim: _Claim | None = None
    wait: float = 0.0
    """Seconds until the account may send (spacing, hourly cap); 0 with no claim: nothing due."""
    paused: bool = False
    risk_failures: int = 0


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
        self.on_failure: list[Callable[[str, str], None]] = []
        """Told (account, error) after each failed attempt (metrics)."""
        self.on_sent: list[Callable[[OutboxSent], Awaitable[None]]] = []
        """Told of each row once it is marked sent (a case notification records its message, so
        a cadre's quote of it answers the case)."""
        self.on_held: list[Callable[[str, str, str | None], None]] = []
        """Told (platform, user id, group id) of each row held for pull delivery (the cases'
        cache of chats with held deliveries)."""
        self._accounts_known: set[str] = set()
        self._connected: set[tuple[str, str]] = set()
        """Accounts that connected since the loop last listed chats."""
        self._tried: set[tuple[str, str]] = set()
        """Accounts whose chats the outbox tried to list: only they get a lane for any-account
        rows (an account that just connected waits for its listing)."""
        self._listed: set[tuple[str, str]] = set()
        """Accounts whose chats were listed: they send only to those chats."""
        self._listed_at = 0.0
        self._waiting: set[str] = set()
        """Platforms whose rows wait for an account to connect (logged once)."""
        self._locks: dict[str, asyncio.Lock] = {}
        self._inflight: set[asyncio.Task[bool | _Turn | None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    @property
    def _dialect(self):
        return postgresql if self.db.dialect == "postgresql" else sqlite

    # ---- queueing --------------------------------------------------------------------------

    async def enqueue(
        self,
        key: str,
        platform: str,
        chat_id: str,
        text: str,
        *,
        chat_type: str = "group",
        account: str = ANY_ACCOUNT,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue `text` for one chat under the unique `key`; False if that key was queued before.

        `key` names the message and its chat (e.g. ``activity:12:qq:40001``), so enqueueing a
        whole broadcast again after a crash queues only what is missing. `not_before`: send no
        earlier than this (a scheduled announcement). `account`: the bot account to send
        through; the default lets the outbox pick one that is in the chat.
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
                    "in_doubt": False,
                    "not_before": item.not_before or now,
                    "created_at": now,
                }
            )
        if not values:
            return 0
        inserted = 0
        async with self.db.engine.begin() as conn:
            for start in range(0, len(values), ENQUEUE_CHUNK):
                chunk = values[start : start + ENQUEUE_CHUNK]
                result = await conn.execute(
                    self._dialect.insert(OUTBOX).values(chunk).on_conflict_do_nothing()
                )
                inserted += result.rowcount
        if inserted:
            self._wake.set()
        return inserted

    async def cancel(self, key_prefix: str) -> int:
        """Drop the rows whose key starts with `key_prefix` that have not gone out yet and are
        not being sent (e.g. a case's queued notifications once it is answered); returns how
        many."""
        async with self.db.engine.begin() as conn:
            result = await conn.execute(
                delete(OUTBOX).where(
                    OUTBOX.c.key.startswith(key_prefix, autoescape=True),
                    OUTBOX.c.status == OutboxStatus.PENDING.value,
                )
            )
        return result.rowcount

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

    async def paused_until(self, account: str = ANY_ACCOUNT) -> datetime | None:
        """When the paused `account` resumes; None if it is not paused."""
        async with self.db.engine.connect() as conn:
            until = await conn.scalar(
                select(ACCOUNTS.c.paused_until).where(ACCOUNTS.c.account == account)
            )
        return until if until is not None and until > self.clock() else None

    # ---- accounts and their chats ----------------------------------------------------------

    def connected(self, platform: str, account: str) -> None:
        """Told by the chat layer that an account connected: the loop lists its chats (as
        `account_connected` does) and sends what waited for it."""
        self._connected.add((platform, account))
        self._wake.set()

    async def account_connected(self, platform: str, account: str) -> None:
        """An account of `platform` connected: list its chats as its routes, wake the loop."""
        channel = self.channels.get(platform)
        if isinstance(channel, AccountChannel):
            chats = await channel.chats_of(account)
            if chats is not None:
                await self.set_routes(platform, account, chats)
                self._listed.add((platform, account))
            else:
                self._listed.discard((platform, account))
            self._tried.add((platform, account))
        if platform in self._waiting:
            log.info("outbox: %s account %s connected; sending what waited", platform, account)
            self._waiting.discard(platform)
        self._wake.set()

    async def set_routes(
        self, platform: str, account: str, chats: Iterable[tuple[str, str]]
    ) -> None:
        """Replace the chats `account` reaches (pairs of chat_type, chat_id)."""
        values = [
            {"platform": platform, "account": account, "chat_type": t, "chat_id": c}
            for t, c in set(chats)
        ]
        async with self.db.engine.begin() as conn:
            await conn.execute(
                delete(ROUTES).where(ROUTES.c.platform == platform, ROUTES.c.account == account)
            )
            for start in range(0, len(values), ENQUEUE_CHUNK):
                await conn.execute(ROUTES.insert().values(values[start : start + ENQUEUE_CHUNK]))
        log.info("outbox: %s account %s reaches %d chats", platform, account, len(values))

    # ---- sending ---------------------------------------------------------------------------

    async def send_due(self, worker: str = "main", limit: int | None = None) -> int:
        """Send what is due, each account at its own pace; returns how many were sent.

        Waits out the spacing and the hourly cap (through the injected `sleep`); skips a paused
        account. `limit` bounds the sends of this call. `worker` names the claims in the table.
        """
        await self.hold_due()
        now = self.clock()
        async with self.db.engine.connect() as conn:
            pairs = (
                await conn.execute(
                    select(OUTBOX.c.platform, OUTBOX.c.account).where(self._due(now)).distinct()
                )
            ).all()
        budget = [math.inf if limit is None else limit]
        lanes = self._lanes(pairs)
        counts = await asyncio.gather(*(self._drain(lane, worker, budget) for lane in lanes))
        return sum(counts)

    async def hold_due(self) -> int:
        """Hand every due row of a platform that cannot push to pull delivery (see the module
        docstring); returns how many. A compare-and-set per row: of processes doing this at
        once, one holds each row."""
        pull = self._pull_platforms()
        if not pull:
            return 0
        now = self.clock()
        held: list[tuple[str, str, str | None]] = []
        async with self.db.engine.begin() as conn:
            rows = (
                await conn.execute(
                    select(
                        OUTBOX.c.id,
                        OUTBOX.c.platform,
                        OUTBOX.c.chat_type,
                        OUTBOX.c.chat_id,
                        OUTBOX.c.text,
                    ).where(
                        OUTBOX.c.platform.in_(pull),
                        OUTBOX.c.status == OutboxStatus.PENDING.value,
                        OUTBOX.c.not_before <= now,
                    )
                )
            ).all()
            values = []
            for row_id, platform, chat_type, chat_id, text in rows:
                won = await conn.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id == row_id, OUTBOX.c.status == OutboxStatus.PENDING.value)
                    .values(status=OutboxStatus.HELD.value, attempted_at=now)
                )
                if not won.rowcount:
                    continue
                group = chat_id if chat_type == "group" else None
                user = "" if group else chat_id
                values.append(
                    {
                        "case_id": None,
                        "asker_id": None,
                        "outbox_id": row_id,
                        "platform": platform,
                        "user_id": user,
                        "group_id": group,
                        "reply_to": None,
                        "account": "",
                        "text": text,
                        "status": DeliveryStatus.HELD.value,
                        "attempts": 0,
                        "created_at": now,
                    }
                )
                held.append((platform, user, group))
            for start in range(0, len(values), ENQUEUE_CHUNK):
                await conn.execute(DELIVERIES.insert(), values[start : start + ENQUEUE_CHUNK])
        for chat in held:
            for hook in self.on_held:
                hook(*chat)
        if held:
            log.info("outbox: %d messages held for their chats to message the bot", len(held))
        return len(held)

    def _lanes(self, pairs: Iterable[tuple[str, str]]) -> list[_Lane]:
        """The paced queues that can take the due (platform, account) pairs in this process."""
        lanes: set[_Lane] = set()
        for platform, account in pairs:
            channel = self.channels.get(platform)
            if not isinstance(channel, AccountChannel):
                lanes.add(_Lane(account))
                continue
            connected = channel.accounts()
            if account == ANY_ACCOUNT:
                lanes.update(_Lane(a, platform) for a in connected if (platform, a) in self._tried)
            elif account in connected:
                lanes.add(_Lane(account, platform))
            if not connected and platform not in self._waiting:
                self._waiting.add(platform)
                log.warning(
                    "outbox: no %s account is connected; messages wait until one connects",
                    platform,
                )
        return sorted(lanes, key=lambda lane: (lane.account, lane.platform or ""))

    def _pull_platforms(self) -> list[str]:
        return sorted(p for p, ch in self.channels.items() if not ch.can_push)

    def _routed_platforms(self) -> list[str]:
        return [p for p, ch in self.channels.items() if isinstance(ch, AccountChannel)]

    async def _drain(self, lane: _Lane, worker: str, budget: list[float]) -> int:
        lock = self._locks.setdefault(lane.account, asyncio.Lock())
        sent = 0
        async with lock:
            while budget[0] > 0:
                # The claim, the send and its record run to the end even if this task is
                # cancelled (a stop): a message that went out is always marked sent.
                step = asyncio.create_task(self._send_one(lane, worker))
                self._inflight.add(step)
                step.add_done_callback(self._inflight.discard)
                outcome = await asyncio.shield(step)
                if outcome is None:
                    break
                if isinstance(outcome, _Turn):
                    # Sleep only if there is something to send after the sleep.
                    if not await self._has_due(lane):
                        break
                    await self.sleep(outcome.wait)
                    continue
                budget[0] -= 1
                sent += outcome
        return sent

    def _lane_rows(self, lane: _Lane, now: datetime) -> ColumnElement[bool]:
        """Due rows the lane may take."""
        if lane.platform is None:
            # Not the routed platforms' rows (their own lanes), nor those held for pull delivery.
            others = self._routed_platforms() + self._pull_platforms()
            mine = OUTBOX.c.account == lane.account
            return and_(self._due(now), mine, OUTBOX.c.platform.not_in(others) if others else mine)
        if (lane.platform, lane.account) in self._listed:
            reachable: ColumnElement[bool] = exists().where(
                ROUTES.c.platform == OUTBOX.c.platform,
                ROUTES.c.account == lane.account,
                ROUTES.c.chat_type == OUTBOX.c.chat_type,
                ROUTES.c.chat_id == OUTBOX.c.chat_id,
            )
        else:
            # An account whose chats could not be listed may try any chat.
            reachable = true()
        return and_(
            self._due(now),
            OUTBOX.c.platform == lane.platform,
            or_(
                OUTBOX.c.account == lane.account,
                and_(OUTBOX.c.account == ANY_ACCOUNT, reachable),
            ),
        )

    async def _has_due(self, lane: _Lane) -> bool:
        async with self.db.engine.connect() as conn:
            found = await conn.scalar(
                select(OUTBOX.c.id).where(self._lane_rows(lane, self.clock())).limit(1)
            )
        return found is not None

    async def _send_one(self, lane: _Lane, worker: str) -> bool | _Turn | None:
        """Claim the lane's next due row and send it; None if nothing can be sent now, a `_Turn`
        with a wait if the account must wait first."""
        turn = await self._take_turn(lane, worker)
        if turn.claim is None:
            return turn if turn.wait > 0 else None
        row = turn.claim
        timeout = self.settings.outbox_send_timeout_seconds
        try:
            message_id = await asyncio.wait_for(self._send(row), timeout)
        except SendError as exc:
            if exc.offline:
                await self._release(row, str(exc))
                return None
            risky = exc.timeout or exc.retcode in RISK_RETCODES
            error = str(exc)
        except (TimeoutError, asyncio.TimeoutError):
            risky, error = True, f"no answer within {timeout:g} s"
        except Exception as exc:
            log.exception("outbox %s: unexpected error sending", row.key)
            risky, error = False, f"{type(exc).__name__}: {exc}"
        else:
            await self._mark_sent(row, message_id, reset_risk=turn.risk_failures > 0)
            await self._tell_sent(row, message_id)
            return True
        await self._mark_failed(row, error)
        for hook in self.on_failure:
            hook(row.account, error)
        if risky:
            await self._count_risk(row.account, error)
        return False

    async def _take_turn(self, lane: _Lane, worker: str) -> _Turn:
        """In one transaction: lock the account's pacing row, check pause, spacing and hourly
        cap, claim the next row and move the account's next send time on."""
        now = self.clock()
        account = lane.account
        async with self.db.engine.begin() as conn:
            state = await self._lock_account(conn, account, now)
            paused_until, next_send_at, risk_failures, attempted, first = state
            if paused_until is not None and paused_until > now:
                return _Turn(paused=True)
            if next_send_at is not None and next_send_at > now:
                return _Turn(wait=(next_send_at - now).total_seconds())
            if attempted >= self.settings.outbox_hourly_cap and first is not None:
                wait = (first + HOUR - now).total_seconds()
                log.info("outbox: account %s reached its hourly cap; waiting %.0f s", account, wait)
                return _Turn(wait=max(wait, 0.001))
            claim = await self._claim(conn, lane, worker, now)
            if claim is None:
                return _Turn()
            gap = self.settings.outbox_spacing_seconds + self.rng.uniform(
                0, self.settings.outbox_jitter_seconds
            )
            await conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.account == account)
                .values(next_send_at=now + timedelta(seconds=gap))
            )
        return _Turn(claim=claim, risk_failures=risk_failures)

    async def _lock_account(
        self, conn: AsyncConnection, account: str, now: datetime
    ) -> tuple[datetime | None, datetime | None, int, int, datetime | None]:
        """The account's row, locked until the transaction ends (created on first use), with its
        attempts of the last hour (count and earliest)."""
        if account not in self._accounts_known:
            await conn.execute(
                self._dialect.insert(ACCOUNTS)
                .values(account=account, risk_failures=0)
                .on_conflict_do_nothing()
            )
            self._accounts_known.add(account)
        in_window = and_(OUTBOX.c.account == account, OUTBOX.c.attempted_at > now - HOUR)
        window = (
            select(func.count()).where(in_window).scalar_subquery(),
            select(func.min(OUTBOX.c.attempted_at)).where(in_window).scalar_subquery(),
        )
        state = select(
            ACCOUNTS.c.paused_until, ACCOUNTS.c.next_send_at, ACCOUNTS.c.risk_failures
        ).where(ACCOUNTS.c.account == account)
        if self.db.dialect == "postgresql":
            # Lock first, count after: a statement that waited for the lock still reads from
            # the snapshot it started with, so counting in it would miss the holder's claim.
            row = (await conn.execute(state.with_for_update())).one_or_none()
            if row is not None:
                row = (*row, *(await conn.execute(select(*window))).one())
        else:
            # SQLite: a write first makes this transaction the one writer until it ends.
            await conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.account == account)
                .values(risk_failures=ACCOUNTS.c.risk_failures)
            )
            row = (await conn.execute(state.add_columns(*window))).one_or_none()
        if row is None:  # the row was deleted by hand since this process created it
            self._accounts_known.discard(account)
            return None, None, 0, 0, None
        return row[0], row[1], row[2] or 0, row[3] or 0, row[4]

    async def _claim(
        self, conn: AsyncConnection, lane: _Lane, worker: str, now: datetime
    ) -> _Claim | None:
        candidate = (
            select(OUTBOX.c.id)
            .where(self._lane_rows(lane, now))
            .order_by(OUTBOX.c.not_before, OUTBOX.c.id)
            .limit(1)
        )
        if self.db.dialect == "postgresql":
            candidate = candidate.with_for_update(of=OUTBOX, skip_locked=True)
        claim = (
            update(OUTBOX)
            .where(OUTBOX.c.id == candidate.scalar_subquery(), self._due(now))
            .values(
                status=OutboxStatus.SENDING.value,
                account=lane.account,
                claimed_by=f"{worker}:{uuid.uuid4().hex[:12]}"[-64:],
                lease_until=now + timedelta(seconds=self.settings.outbox_lease_seconds),
                attempts=OUTBOX.c.attempts + 1,
                attempted_at=now,
                # SET reads the row as it was: still SENDING means its worker died mid-send.
                in_doubt=case((OUTBOX.c.status == OutboxStatus.SENDING.value, True), else_=false()),
            )
            .returning(*(OUTBOX.c[field.name] for field in fields(_Claim)))
        )
        claimed = (await conn.execute(claim)).one_or_none()
        return _Claim(*claimed) if claimed is not None else None

    async def _send(self, row: _Claim) -> str | None:
        channel = self.channels.get(row.platform)
        if channel is None:
            raise SendError(f"no channel for platform {row.platform}")
        if row.in_doubt:
            found = await self._find_sent(channel, row)
            if found is not None:
                return found or None
        if isinstance(channel, AccountChannel):
            return await channel.send_via(row.account, row.chat_type, row.chat_id, row.text)
        if row.chat_type == "private":
            return await channel.send_private(row.chat_id, row.text)
        return await channel.send_group(row.chat_id, row.text)

    async def _find_sent(self, channel: Channel, row: _Claim) -> str | None:
        """For a row whose earlier send was cut off: its message id ("" if unknown) if it went
        out, None if it must be sent (it did not, or nobody can tell: then it may arrive twice)."""
        if isinstance(channel, AccountChannel):
            try:
                message_id = await channel.find_sent(
                    row.account, row.chat_type, row.chat_id, row.text, row.created_at
                )
            except SendError as exc:
                reason = str(exc)
            else:
                if message_id is not None:
                    log.info(
                        "outbox %s: the send cut off by a restart had gone out (message %s); "
                        "not sent again",
                        row.key,
                        message_id,
                    )
                    return message_id
                log.info(
                    "outbox %s: the send cut off by a restart is not in the chat's history; "
                    "sending it",
                    row.key,
                )
                return None
        else:
            reason = f"{row.platform} keeps no history the bot can read"
        log.warning(
            "outbox %s: cannot tell whether the send cut off by a restart went out (%s); "
            "sending it again, %s %s %s may get it twice",
            row.key,
            reason,
            row.platform,
            row.chat_type,
            row.chat_id,
        )
        return None

    async def _mark_sent(self, row: _Claim, message_id: str | None, *, reset_risk: bool) -> None:
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
                    in_doubt=False,
                )
            )
            if reset_risk:
                await conn.execute(
                    update(ACCOUNTS)
                    .where(ACCOUNTS.c.account == row.account)
                    .values(risk_failures=0)
                )

    async def _tell_sent(self, row: _Claim, message_id: str | None) -> None:
        sent = OutboxSent(
            row.key, row.platform, row.account, row.chat_type, row.chat_id, message_id
        )
        for hook in list(self.on_sent):
            try:
                await hook(sent)
            except Exception:
                log.exception("outbox %s: a sent hook failed", row.key)

    async def _release(self, row: _Claim, error: str) -> None:
        """Give a claimed row back untouched: its account went offline before the send."""
        async with self.db.engine.begin() as conn:
            await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id, OUTBOX.c.claimed_by == row.claimed_by)
                .values(
                    status=OutboxStatus.PENDING.value,
                    attempts=OUTBOX.c.attempts - 1,
                    lease_until=None,
                    account=ANY_ACCOUNT
                    if isinstance(self.channels.get(row.platform), AccountChannel)
                    else row.account,
                )
            )
        log.info("outbox %s: waits for an account (%s)", row.key, error)

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
                    in_doubt=False,
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
        """One more timeout or risk-control error in a row; open the circuit at the threshold.

        Counted in the account's row, so failures of every process sending through the account
        add up, and only the process whose failure opens the circuit tells admins.
        """
        now = self.clock()
        minutes = self.settings.outbox_circuit_pause_minutes
        until = now + timedelta(minutes=minutes)
        async with self.db.engine.begin() as conn:
            failures = (
                await conn.execute(
                    update(ACCOUNTS)
                    .where(ACCOUNTS.c.account == account)
                    .values(risk_failures=ACCOUNTS.c.risk_failures + 1)
                    .returning(ACCOUNTS.c.risk_failures)
                )
            ).scalar_one_or_none() or 0
            if failures < self.settings.outbox_circuit_failures:
                return
            await conn.execute(
                update(ACCOUNTS)
                .where(ACCOUNTS.c.account == account)
                .values(risk_failures=0, paused_until=until)
            )
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
        """Send due messages forever; wakes on enqueue, on a connecting account, or every
        OUTBOX_TICK_SECONDS."""
        while True:
            try:
                await self._list_chats()
                await self.send_due()
            except Exception:
                log.exception("outbox: sending failed; retrying on the next tick")
            await wait_event(self._wake, self.settings.outbox_tick_seconds)
            self._wake.clear()

    async def _list_chats(self) -> None:
        """List the chats of accounts that connected, and of every connected account again
        every OUTBOX_ROUTES_MINUTES (groups joined since)."""
        now = time.monotonic()
        if now - self._listed_at >= self.settings.outbox_routes_minutes * 60:
            self._listed_at = now
            for platform, channel in self.channels.items():
                if isinstance(channel, AccountChannel):
                    self._connected.update((platform, a) for a in channel.accounts())
        while self._connected:
            await self.account_connected(*self._connected.pop())

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

"""The outbox table: every message the bot sends on its own initiative, one row per chat."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class OutboxStatus(str, Enum):
    """Where an outbox row is on its way out."""

    PENDING = "pending"
    """Waiting for its time (`not_before`), a free slot of its account, or a retry."""
    SENDING = "sending"
    """Claimed by a worker until `lease_until`; claimable again after that if the worker died."""
    SENT = "sent"
    FAILED = "failed"
    """Gave up after the last attempt; `last_error` says why."""
    HELD = "held"
    """Due on a platform that cannot push (the official QQ bot): waits, as a held delivery,
    for its chat to message the bot next, then turns `sent`."""


class OutboxMessage(Base):
    """One message to one chat; the unique `key` makes a second enqueue of it a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "account", "not_before"),
        Index("ix_outbox_attempted", "account", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    """Who sends what where, e.g. activity:12:qq:40001; chosen by the caller."""
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    """The bot account whose paced queue carries the row. "default" on a platform whose channel
    routes (QQ): any account that is in the chat; set to the account that sends it at claim."""
    chat_type: Mapped[str] = mapped_column(String(8))
    """group | private"""
    chat_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Claims so far (a claim is made right before a send)."""
    not_before: Mapped[datetime] = mapped_column()
    """Earliest time of the next attempt: the scheduled time, then the retry backoff."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(64))
    """The platform's id of the sent message (a reply to it can be traced back to the row)."""
    attempted_at: Mapped[datetime | None] = mapped_column()
    """When the last attempt started; the hourly cap counts an account's rows attempted within
    the hour."""
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    """The row was claimed while still `SENDING` (its worker died mid-send): it may have gone
    out, so the chat's history is checked before it is sent again."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)


class OutboxAccount(Base):
    """The pacing state of one bot account, shared by every process that sends through it.

    A claim locks this row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite has one writer), so
    the spacing, the hourly cap and the circuit breaker hold across processes.
    """

    __tablename__ = "outbox_accounts"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_send_at: Mapped[datetime | None] = mapped_column()
    """The account's next send may start at this time, not before (spacing with jitter)."""
    paused_until: Mapped[datetime | None] = mapped_column()
    """The circuit is open until then: nothing is sent through the account."""
    risk_failures: Mapped[int] = mapped_column(Integer, default=0)
    """Timeouts and risk-control errors in a row (reset by a successful send)."""


class OutboxRoute(Base):
    """A chat a bot account can reach (its groups and friends, listed when it connects).

    A row queued for any account (`account` "default") goes out through an account that is in
    the chat; a chat no account lists goes out through any connected account.
    """

    __tablename__ = "outbox_routes"
    __table_args__ = (Index("ix_outbox_routes_chat", "platform", "chat_type", "chat_id"),)

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)

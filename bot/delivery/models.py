"""The outbox table: every message the bot sends on its own initiative, one row per chat."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Index, Integer, String, Text
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


class OutboxMessage(Base):
    """One message to one chat; the unique `key` makes a second enqueue of it a no-op."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "account", "not_before"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(191), unique=True)
    """Who sends what where, e.g. activity:12:qq:40001; chosen by the caller."""
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    """The bot account whose paced queue carries the row."""
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)

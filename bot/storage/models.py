"""The declarative base every feature's tables build on, its column types, and the table of
inbound messages (dedupe). Each feature keeps its tables in its own `models` module
(bot/qa/models.py, bot/cases/models.py, ...), all joined in bot.storage.schema."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Integer,
    String,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Now, timezone-aware UTC (every stored time is UTC)."""
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite stores no zone: UTC is implied)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; SQLite compares datetimes as text, so it gets one zone-less UTC form."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use bot.storage.models.utcnow()")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Hand back an aware UTC datetime."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    """Declarative base of every model."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        dict[str, Any]: JSON,
    }


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
Id = BigInteger().with_variant(Integer(), "sqlite")


class InboundMessage(Base):
    """One platform message the bot acted on: the unique key makes a re-delivered event a no-op
    (see bot.storage.inbound)."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("platform", "account", "chat", "message_id", name="uq_inbound_message"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account that received it ("" on rows from before accounts were told apart)."""
    chat: Mapped[str] = mapped_column(String(80), default="")
    """g<group id> or u<user id> ("" on rows from before)."""
    message_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

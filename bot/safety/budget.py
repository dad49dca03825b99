"""The bot's own replies per chat and minute, counted in the database: every process that
answers through an account shares one budget per group (one QQ account may be connected to several
processes, each answering part of the group's messages)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.database import Database
from bot.storage.models import Base

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=1)
SWEEP_EVERY = 200
"""Old windows are deleted after this many replies of a process."""


class ReplyWindow(Base):
    """How many replies went to one chat through one account in one minute."""

    __tablename__ = "reply_windows"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    chat: Mapped[str] = mapped_column(String(64), primary_key=True)
    window: Mapped[datetime] = mapped_column(primary_key=True)
    """The minute's start (UTC)."""
    replies: Mapped[int] = mapped_column(Integer, default=0)


class ReplyBudget:
    """At most `limit` replies per chat, account and clock minute, across processes."""

    def __init__(self, db: Database, limit: int, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.limit = limit
        self.clock = clock
        self._taken = 0

    async def take(
        self, platform: str, account: str, chat: str, session: AsyncSession | None = None
    ) -> bool:
        """Count one reply; False when this minute's budget of the chat is already spent.
        In `session`'s transaction when given (SQLite has one writer: a second transaction
        beside an open one would wait for it)."""
        now = self.clock()
        window = now.replace(second=0, microsecond=0)
        module = postgresql if self.db.dialect == "postgresql" else sqlite
        table = ReplyWindow.__table__
        statement = (
            module.insert(table)
            .values(platform=platform, account=account, chat=chat, window=window, replies=1)
            .on_conflict_do_update(
                index_elements=["platform", "account", "chat", "window"],
                set_={"replies": table.c.replies + 1},
            )
            .returning(table.c.replies)
        )
        if session is not None:
            return await self._count(await session.connection(), statement, window)
        async with self.db.engine.begin() as conn:
            return await self._count(conn, statement, window)

    async def _count(self, conn: AsyncConnection, statement: Any, window: datetime) -> bool:
        replies = (await conn.execute(statement)).scalar_one()
        self._taken += 1
        if self._taken % SWEEP_EVERY == 0:
            table = ReplyWindow.__table__
            await conn.execute(delete(table).where(table.c.window < window - WINDOW))
        return replies <= self.limit

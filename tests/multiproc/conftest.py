"""Two bot processes on one PostgreSQL: two runtimes, each on its own engine and connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.delivery.channel import Channel
from bot.runtime import Runtime
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.scratch import scratch_database
from tests.conftest import PG_URL
from tests.utils import Clock


class RecordingChannel:
    """The QQ side of one process: every send succeeds and is recorded (to, text)."""

    platform = "qq"
    can_push = True

    def __init__(self, sent: list[tuple[str, str]]) -> None:
        self.sent = sent
        self._ids = iter(range(1, 1 << 30))

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Record a private message."""
        self.sent.append((f"u{user_id}", text))
        return str(next(self._ids))

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """Record a group message."""
        self.sent.append((f"g{group_id}", text))
        return str(next(self._ids))


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
async def processes(
    request: pytest.FixtureRequest, tmp_path: Path, settings: Settings, clock: Clock
) -> AsyncIterator[tuple[Runtime, Runtime, list[tuple[str, str]]]]:
    """Two runtimes on one fresh PostgreSQL schema, as two bot processes sharing it would be,
    on one clock; what either sends lands in the one list."""
    sent: list[tuple[str, str]] = []
    async with scratch_database(PG_URL, tmp_path) as first:
        async with first.engine.connect() as conn:
            schema = await conn.scalar(text("SELECT current_schema()"))
        second = Database(PG_URL, connect_args={"server_settings": {"search_path": schema}})
        runtimes = []
        for db in (first, second):
            channels: dict[str, Channel] = {"qq": RecordingChannel(sent)}
            rt = await Runtime.start(settings, db=db, channels=channels, timers=False)
            rt.qa.clock = rt.cases.clock = rt.activities.clock = clock
            runtimes.append(rt)
        try:
            yield runtimes[0], runtimes[1], sent
        finally:
            for rt in runtimes:
                await rt.cases.stop()
                await rt.faq.stop()
                await rt.grid.stop()
            await second.dispose()

"""The embedded SQLite database: calls on the event loop's thread, sessions queued, not locked."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import func, select

from bot.storage.database import Database
from bot.storage.inline_sqlite import InlineConnection
from bot.storage.models import InboundMessage
from bot.storage.upsert import insert_ignore


async def _sqlite(tmp_path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{(tmp_path / 'inline.db').as_posix()}")
    await db.migrate()
    return db


async def test_sqlite_calls_run_on_the_event_loop_thread(tmp_path: Path) -> None:
    db = await _sqlite(tmp_path)
    seen: list[int] = []
    try:
        async with db.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert isinstance(driver, InlineConnection)
            await driver._execute(lambda: seen.append(threading.get_ident()))
            assert not driver._thread.is_alive(), "no worker thread was started"
    finally:
        await db.dispose()
    assert seen == [threading.get_ident()]


async def test_write_sessions_that_overlap_queue_for_the_one_connection(tmp_path: Path) -> None:
    """Two connections would meet SQLite's write lock, and its busy wait would block the very
    event loop the other session needs to commit: each session waits its turn instead."""
    db = await _sqlite(tmp_path)

    async def write(n: int) -> None:
        async with db.session() as session:
            await insert_ignore(session, InboundMessage, platform="qq", message_id=f"{n}a")
            await asyncio.sleep(0.001)  # the other sessions get the loop mid-transaction
            await insert_ignore(session, InboundMessage, platform="qq", message_id=f"{n}b")

    try:
        await asyncio.wait_for(asyncio.gather(*(write(n) for n in range(20))), timeout=30)
        async with db.session() as session:
            count = await session.scalar(select(func.count()).select_from(InboundMessage))
    finally:
        await db.dispose()
    assert count == 40

"""Throwaway databases for tests and benchmarks: a fresh SQLite file or a PostgreSQL schema."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.database import Database


@asynccontextmanager
async def scratch_database(postgres_url: str | None, folder: Path) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite in `folder`, or a new schema of `postgres_url` that is
    dropped afterwards (so several runs share one PostgreSQL database without meeting)."""
    if postgres_url is None:
        db = Database(f"sqlite+aiosqlite:///{(folder / 'scratch.db').as_posix()}")
        try:
            await db.migrate()
            yield db
        finally:
            await db.dispose()
        return
    schema = f"qs_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(postgres_url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(postgres_url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await db.migrate()
        yield db
    finally:
        await db.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

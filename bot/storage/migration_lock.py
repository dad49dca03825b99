"""One migration at a time: several bot processes may start together on one database.

PostgreSQL: a transaction-scoped advisory lock, one per schema, taken before Alembic reads the
version table; the processes that waited then find nothing left to do. SQLite: an exclusive lock
on a file beside the database (SQLite lives on one host), for a second process started on the
same file, e.g. a CLI beside the running bot.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

try:
    import fcntl
except ImportError:  # Windows: no second process is expected on an embedded database there
    fcntl = None  # type: ignore[assignment]

_KEY = "qingsheng:migrate:"


def lock_postgres_schema(connection: Connection) -> None:
    """Wait for, then hold until the transaction ends, the migration lock of this schema."""
    connection.execute(
        text("SELECT pg_advisory_xact_lock(hashtext(:key || current_schema()))"), {"key": _KEY}
    )


@asynccontextmanager
async def sqlite_file_lock(database: Path) -> AsyncIterator[None]:
    """Hold an exclusive lock on `<database>.migrate-lock` (waiting off the event loop)."""
    if fcntl is None:
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock

"""The database: an async SQLAlchemy engine, sessions, and migrations applied at start-up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.inline_sqlite import inline_connector
from bot.storage.migration_lock import lock_postgres_schema, sqlite_file_lock

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for our migrations, bound to `connection` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
    # synchronous=NORMAL is WAL's usual partner: a crash of the bot loses nothing, only a power
    # cut can lose the last commits, and commits no longer wait on an fsync each (latency tail).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Only another process can hold the write lock (this one has one connection), and the wait
    # blocks the event loop: short, then "database is locked".
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.close()


class Database:
    """One engine and its session factory; SQLite (embedded) or PostgreSQL by URL."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        self._sqlite_file: Path | None = None
        if self.dialect == "sqlite":
            database = parsed.database or ":memory:"
            if database != ":memory:":
                self._sqlite_file = Path(database)
                self._sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            # One connection, used on the event loop's thread (see bot.storage.inline_sqlite).
            engine_options = {
                "async_creator": inline_connector(database),
                "pool_size": 1,
                "max_overflow": 0,
                **engine_options,
            }
        self.engine: AsyncEngine = create_async_engine(
            url, pool_pre_ping=self.dialect != "sqlite", **engine_options
        )
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision of every branch; processes starting
        together on one database migrate one after the other (see bot.storage.migration_lock)."""

        def upgrade(connection: Connection) -> None:
            if connection.dialect.name == "postgresql":
                lock_postgres_schema(connection)
            # "heads": features add their tables in revisions of their own, each on the last
            # shared one, so independent branches upgrade without a merge revision.
            command.upgrade(alembic_config(connection), "heads")

        async with AsyncExitStack() as stack:
            if self._sqlite_file is not None:
                await stack.enter_async_context(sqlite_file_lock(self._sqlite_file))
            async with self.engine.begin() as conn:
                await conn.run_sync(upgrade)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

"""Insert-or-ignore across SQLite and PostgreSQL (both speak ON CONFLICT DO NOTHING)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


@cache
def _statement(dialect: str, model: type[DeclarativeBase]) -> Insert:
    # Built once per table: building it anew each time was about half the cost of an insert.
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model.__table__).on_conflict_do_nothing()


async def insert_ignore(session: AsyncSession, model: type[DeclarativeBase], **values: Any) -> bool:
    """Insert one row unless it breaks a unique constraint; True when the row was inserted."""
    await session.flush()  # what the ORM's autoflush would do: rows this one may refer to
    connection = await session.connection()
    result = await connection.execute(_statement(session.bind.dialect.name, model), values)
    return bool(result.rowcount)

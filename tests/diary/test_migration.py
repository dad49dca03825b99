"""Migration 0018 (branch diary): down takes its two tables away and nothing else, up brings
them back (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.storage.database import Database, alembic_config


async def test_diary_branch_down_and_up(database: Database) -> None:
    def tables(connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    def down(connection) -> None:
        command.downgrade(alembic_config(connection), "diary@-1")

    async with database.engine.begin() as conn:
        before = await conn.run_sync(tables)
        await conn.run_sync(down)
        after = await conn.run_sync(tables)
    assert before - after == {"diaries", "diary_followups"}
    assert {"cases", "questions", "wishes"} <= after, "the other branches stay"
    await database.migrate()
    async with database.engine.connect() as conn:
        assert await conn.run_sync(tables) == before

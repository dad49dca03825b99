from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage.database import Database
from bot.storage.schema import metadata


async def test_migrations_match_models(database: Database) -> None:
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrate_twice_is_a_no_op(database: Database) -> None:
    await database.migrate()

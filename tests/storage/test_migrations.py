from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.storage.database import Database, alembic_config
from bot.storage.inbound import InboundKey, first_delivery
from bot.storage.models import InboundMessage
from bot.storage.schema import metadata


async def test_migrations_match_models(database: Database) -> None:
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrate_twice_is_a_no_op(database: Database) -> None:
    await database.migrate()


async def test_inbound_rows_from_before_accounts_keep_working(database: Database) -> None:
    def down(connection):
        command.downgrade(alembic_config(connection), "0008_inbound_key-1")

    async with database.engine.begin() as conn:
        await conn.run_sync(down)
        await conn.execute(
            text(
                "INSERT INTO inbound_messages (platform, message_id, received_at) "
                "VALUES ('qq', '42', CURRENT_TIMESTAMP)"
            )
        )
    await database.migrate()

    async with database.session() as session:
        old = (await session.execute(select(InboundMessage.account, InboundMessage.chat))).one()
        assert tuple(old) == ("", "")
        # The same id received by an account now is another message.
        assert await first_delivery(session, InboundKey.of("qq", "42", user_id="7", account="1"))
        assert not await first_delivery(
            session, InboundKey.of("qq", "42", user_id="7", account="1")
        )

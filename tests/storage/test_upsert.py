from sqlalchemy import func, select

from bot.storage.database import Database
from bot.storage.models import InboundMessage
from bot.storage.upsert import insert_ignore


async def test_second_insert_of_same_message_is_ignored(database: Database) -> None:
    async with database.session() as session:
        assert await insert_ignore(session, InboundMessage, platform="qq", message_id="42")
    async with database.session() as session:
        assert not await insert_ignore(session, InboundMessage, platform="qq", message_id="42")
        assert await insert_ignore(session, InboundMessage, platform="web", message_id="42")
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(InboundMessage)) == 2

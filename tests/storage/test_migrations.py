from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.cases.models import Case, CaseMessage
from bot.qa.model import Incoming
from bot.qa.models import BotMessage, Feedback, Question
from bot.runtime import Runtime
from bot.storage.database import Database, alembic_config
from bot.storage.inbound import InboundKey, first_delivery
from bot.storage.models import InboundMessage, utcnow
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


async def test_message_rows_from_before_accounts_match_a_quote_through_any_account(
    runtime: Runtime,
) -> None:
    database = runtime.db
    async with database.session() as session:
        question = Question(
            platform="qq",
            group_id="40001",
            user_id="7",
            message_id="6",
            text="怎么交团费？",
            normalized="怎么交团费",
            band="high",
            outcome="answered",
        )
        session.add(question)
        await session.flush()
        case = Case(question_id=question.id, text="团课", normalized="团课", opened_at=utcnow())
        session.add(case)
        await session.flush()
        question_id, case_id = question.id, case.id

    def down(connection):
        command.downgrade(alembic_config(connection), "0010_message_account@-1")

    async with database.engine.begin() as conn:
        await conn.run_sync(down)
        for table, key, value in (
            ("bot_messages", "question_id", question_id),
            ("case_messages", "case_id", case_id),
        ):
            await conn.execute(
                text(
                    f"INSERT INTO {table} (platform, message_id, {key}, sent_at) "
                    "VALUES ('qq', '42', :value, CURRENT_TIMESTAMP)"
                ),
                {"value": value},
            )
    await database.migrate()

    async with database.session() as session:
        assert (await session.scalars(select(BotMessage.account))).all() == [""]
        assert (await session.scalars(select(CaseMessage.account))).all() == [""]
    # Nobody can tell which account sent them: a quote through any account finds them.
    assert await runtime.cases.case_for_message("qq", "42", "3001") == case_id
    quote = Incoming("qq", "43", "8", "没用", group_id="40001", reply_to="42", account="3001")
    assert await runtime.qa.handle(quote) is not None
    async with database.session() as session:
        assert (await session.scalars(select(Feedback.question_id))).all() == [question_id]


async def test_questions_from_before_get_their_best_match_from_matches(database: Database) -> None:
    def down(connection):
        # Back before the branch's first revision (0022; 0023 came after it).
        command.downgrade(alembic_config(connection), "question_topic@-2")

    async with database.engine.begin() as conn:
        await conn.run_sync(down)
        for n, matches in enumerate(
            (
                '[{"id": "fee", "score": 0.8}, {"id": "join", "score": 0.5}]',
                "[]",
                '[{"score": 0.4}]',
                '[{"id": null, "score": 0.4}]',
            )
        ):
            await conn.execute(
                text(
                    "INSERT INTO questions (platform, user_id, message_id, account, text, "
                    "normalized, matches, band, outcome, asker, created_at) VALUES ('qq', '7', "
                    ":n, '', '团费', '团费', :matches, 'answer', 'unanswered', '', "
                    "CURRENT_TIMESTAMP)"
                ),
                {"n": str(n), "matches": matches},
            )
    await database.migrate()

    async with database.session() as session:
        found = (await session.scalars(select(Question.nearest_id).order_by(Question.id))).all()
    assert found == ["fee", None, None, None]

"""Characters no store can hold (NUL, lone surrogates), on both databases: answered and stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cases.commands import CaseCommands
from bot.cases.models import Case
from bot.chat.speaker import Speaker
from bot.qa.model import Incoming, ReplyKind
from bot.qa.models import Question
from bot.runtime import Runtime
from tests.qa.conftest import ask

ADMIN = Speaker("qq", "10000", None, is_admin=True)


async def _questions(runtime: Runtime) -> list[Question]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(Question).order_by(Question.id)))


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("怎么交团费\u0000", "怎么交团费"),
        ("怎么\x07交团费", "怎么交团费"),
        ("怎么交\ud800团费", "怎么交\ufffd团费"),
        ("怎么交团费\udc00", "怎么交团费\ufffd"),
    ],
)
async def test_nul_and_lone_surrogates_are_answered_and_stored(
    runtime: Runtime, sent: str, stored: str
) -> None:
    incoming = Incoming(
        platform="web",
        message_id="m\u0000" + sent,
        user_id="u\ud800",
        text=sent,
        nickname="小\u0000青\udfff",
    )
    reply = await runtime.qa.handle(incoming)

    assert reply is not None and reply.kind is ReplyKind.ANSWER
    (question,) = await _questions(runtime)
    assert (question.text, question.user_id) == (stored, "u\ufffd")
    assert question.normalized == "怎么交团费"


async def test_a_lone_surrogate_alone_gets_the_prompt(runtime: Runtime) -> None:
    reply = await runtime.qa.handle(ask("\ud800", group=None))
    assert reply is not None and reply.kind is ReplyKind.EMPTY


async def test_cadre_answer_with_nul_is_stored_and_sent(runtime: Runtime) -> None:
    web = Incoming(platform="web", message_id="w1", user_id="u1", text="学校团课什么时候开始报名")
    opened = await runtime.qa.handle(web)
    assert opened is not None and opened.kind is ReplyKind.UNANSWERED
    commands = CaseCommands(runtime.cases)

    told = await commands.run(ADMIN, "答", "1 下周一\u0000开始\ud800")

    assert "#1" in told
    async with runtime.db.session() as session:
        case = await session.get(Case, 1)
    assert case is not None and case.answer == "下周一开始\ufffd"

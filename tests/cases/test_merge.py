"""Which questions share a case, through the Q&A service on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.cases import texts
from bot.cases.models import Case, CaseAsker
from bot.qa.model import Incoming
from bot.runtime import Runtime


def web(text: str, user: str) -> Incoming:
    """A question from the web page (no push channel, so no one is messaged)."""
    return Incoming(platform="web", message_id=f"{user}:{text}", user_id=user, text=text)


async def _counts(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.session() as session:
        cases = await session.scalar(select(func.count()).select_from(Case))
        askers = await session.scalar(select(func.count()).select_from(CaseAsker))
    return int(cases or 0), int(askers or 0)


async def test_a_paraphrase_joins_the_open_case(runtime: Runtime) -> None:
    first = await runtime.qa.handle(web("我们小区的路灯坏了找谁修", "a"))
    second = await runtime.qa.handle(web("小区路灯坏了找谁修", "b"))

    assert first is not None and first.text == texts.OPENED_NOBODY.format(case=1)
    assert second is not None and second.text == texts.MERGED_NOBODY.format(case=1)
    assert await _counts(runtime) == (1, 2)


async def test_related_but_different_questions_open_their_own_cases(runtime: Runtime) -> None:
    for user, text in enumerate(
        ("学校团课什么时候开始报名", "学校运动会什么时候开始报名", "我要投诉", "我要投诉")
    ):
        reply = await runtime.qa.handle(web(text, f"u{user}"))
        assert reply is not None and reply.text == texts.OPENED_NOBODY.format(case=user + 1), text
    assert await _counts(runtime) == (4, 4)

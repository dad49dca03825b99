"""Messages with no words (emoji, punctuation, invisible characters) are not questions."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.cases.models import Case
from bot.qa import texts
from bot.qa.model import ReplyKind
from bot.qa.models import Question
from bot.runtime import Runtime
from tests.qa.conftest import ask


async def _questions(runtime: Runtime) -> list[Question]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(Question)))


async def _cases(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Case)) or 0)


WORDLESS = ["😀😀😀", "？？？", "。。。", "\u200b", "\u200b\u200d\ufeff", "@张三", "🙏", "…"]


async def test_messages_without_words_never_open_a_case(runtime: Runtime) -> None:
    for n, text in enumerate(WORDLESS):
        reply = await runtime.qa.handle(ask(text, user=f"u{n}"))
        assert reply is not None and reply.kind is ReplyKind.EMPTY, text
        assert reply.text == texts.NO_WORDS

    assert await _questions(runtime) == []
    assert await _cases(runtime) == 0
    # A bare @ of the bot still gets the greeting.
    bare = await runtime.qa.handle(ask(""))
    assert bare is not None and bare.text == texts.EMPTY


async def test_wordless_chatter_in_an_auto_ask_group_gets_no_reply(runtime: Runtime) -> None:
    await runtime.qa.set_auto_ask("qq", "g1", True)
    for text in WORDLESS:
        assert await runtime.qa.handle(ask(text, to_me=False)) is None, text
    reply = await runtime.qa.handle(ask("👍", to_me=False))
    assert reply is None, "a like with nothing to like stays silent"
    assert await _questions(runtime) == []

"""我的数据, 删除我的数据 and 确认删除 through QQ (nonebug) and the web page, both databases."""

from __future__ import annotations

import httpx
import nonebot
from nonebot.adapters.onebot.v11 import Bot
from nonebug import App
from sqlalchemy import select

from bot.privacy import texts
from bot.qa import texts as qa_texts
from bot.qa.models import Question
from bot.runtime import Runtime
from tests.plugins.test_cases import quoted, say
from tests.utils import SELF_ID, TextWith, group_message, private_message

YOUTH = 30501


class QuotedWithout:
    """A group reply quoting `event` that contains `parts` and none of `absent`."""

    def __init__(self, event, *parts: str, absent: tuple[str, ...]) -> None:
        self.event, self.parts, self.absent = event, parts, absent

    def __eq__(self, other: object) -> bool:
        text = str(other)
        return (
            f"[CQ:reply,id={self.event.message_id}]" in text
            and all(p in text for p in self.parts)
            and not any(a in text for a in self.absent)
        )

    def __repr__(self) -> str:
        return f"QuotedWithout({self.parts!r}, absent={self.absent!r})"


async def test_a_youth_reads_then_erases_their_data_on_qq(app: App, runtime: Runtime) -> None:
    # Nine messages in a minute: these requests count against the rate limit like questions.
    runtime.qa.user_limit.limit = 10
    dues = runtime.faq.get("dues-pay")
    join = runtime.faq.get("join-age")
    assert dues is not None and join is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        first = private_message("怎么交团费？", user_id=YOUTH)
        ctx.receive_event(bot, first)
        ctx.should_call_send(first, say(qa_texts.answer(dues)), result=None)
        second = group_message("多大可以申请入团？", user_id=YOUTH)
        ctx.receive_event(bot, second)
        ctx.should_call_send(second, quoted(second, qa_texts.answer(join)), result=None)
        mine = private_message("我的数据", user_id=YOUTH)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine,
            TextWith(
                texts.HEADER,
                texts.QUESTIONS.format(count=2),
                "多大可以申请入团？；怎么交团费？",
                texts.KEPT_FOREVER,
                texts.HOW_TO_FORGET,
            ),
            result=None,
        )
        # In a group, others read the reply: counts only, no question text.
        in_group = group_message("我的数据", user_id=YOUTH)
        ctx.receive_event(bot, in_group)
        ctx.should_call_send(
            in_group,
            QuotedWithout(
                in_group, texts.QUESTIONS.format(count=2), absent=("怎么交团费", "申请入团")
            ),
            result=None,
        )
        early = private_message("确认删除", user_id=YOUTH)
        ctx.receive_event(bot, early)
        ctx.should_call_send(early, say(texts.NOTHING_TO_CONFIRM), result=None)
        forget = private_message("删除我的数据", user_id=YOUTH)
        ctx.receive_event(bot, forget)
        ctx.should_call_send(forget, say(texts.CONFIRM.format(minutes=5)), result=None)
        confirm = private_message("确认删除", user_id=YOUTH)
        ctx.receive_event(bot, confirm)
        ctx.should_call_send(confirm, say(texts.FORGOTTEN.format(count=2)), result=None)
        after = private_message("我的数据", user_id=YOUTH)
        ctx.receive_event(bot, after)
        ctx.should_call_send(after, say(texts.NOTHING), result=None)
    async with runtime.db.session() as session:
        questions = (await session.scalars(select(Question))).all()
    # Counted still, but nothing says who asked what; the requests were never questions.
    assert [(q.text, q.user_id, q.entry_id) for q in questions] == [
        ("", "", "dues-pay"),
        ("", "", "join-age"),
    ]


async def test_the_web_page_shows_and_erases_its_youths_data(runtime: Runtime) -> None:
    # Each youth of the page is the identity in its own cookie: one client each.
    transport = httpx.ASGITransport(app=nonebot.get_asgi(), client=("127.0.0.1", 50123))
    base = "http://127.0.0.1:8080"
    async with (
        httpx.AsyncClient(transport=transport, base_url=base) as p1,
        httpx.AsyncClient(transport=transport, base_url=base) as p2,
    ):
        clients = {"web-p1": p1, "web-p2": p2}

        async def say_(user: str, text: str) -> str:
            res = await clients[user].post("/api/chat", json={"text": text})
            assert res.status_code == 200
            return res.json()["text"]

        await say_("web-p1", "几岁可以入团")
        await say_("web-p2", "怎么交团费")
        assert "几岁可以入团" in await say_("web-p1", "我的数据")
        assert await say_("web-p1", "删除我的数据") == texts.CONFIRM.format(minutes=5)
        assert await say_("web-p2", "确认删除") == texts.NOTHING_TO_CONFIRM
        assert await say_("web-p1", "确认删除") == texts.FORGOTTEN.format(count=1)
        assert await say_("web-p1", "我的数据") == texts.NOTHING
        assert "怎么交团费" in await say_("web-p2", "我的数据"), "another youth keeps theirs"

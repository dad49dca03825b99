"""A youth's commands (我的数据, 删除我的数据, 确认删除, 我的问题, 活动…) count against the rate limit
like questions: over it the youth is told once, then silence — on QQ and the web page (the 服务号: tests/wechat/test_oa.py)."""

from __future__ import annotations

import httpx
import nonebot
from nonebot.adapters.onebot.v11 import Bot
from nonebug import App

from bot.privacy import texts
from bot.qa import texts as qa_texts
from bot.runtime import Runtime
from bot.web import chat as web_chat
from tests.plugins.test_cases import say
from tests.utils import SELF_ID, TextWith, private_message

YOUTH = 30601


def limit(runtime: Runtime) -> int:
    return runtime.settings.rate_user_per_minute


async def test_data_commands_on_qq_are_told_once_then_silent(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        for _ in range(limit(runtime)):
            mine = private_message("我的数据", user_id=YOUTH)
            ctx.receive_event(bot, mine)
            ctx.should_call_send(mine, say(texts.NOTHING), result=None)
        over = private_message("删除我的数据", user_id=YOUTH)
        ctx.receive_event(bot, over)
        ctx.should_call_send(over, say(qa_texts.RATE_LIMITED), result=None)
        # Already told: silent (nonebug fails on any send it was not told to expect).
        for text in ("确认删除", "我的数据", "我的问题", "/我的问题", "活动"):
            ctx.receive_event(bot, private_message(text, user_id=YOUTH))


async def test_questions_and_commands_share_one_limit(app: App, runtime: Runtime) -> None:
    dues = runtime.faq.get("dues-pay")
    assert dues is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        for _ in range(limit(runtime) - 1):
            asked = private_message("怎么交团费？", user_id=YOUTH)
            ctx.receive_event(bot, asked)
            ctx.should_call_send(asked, say(qa_texts.answer(dues)), result=None)
        mine = private_message("我的问题", user_id=YOUTH)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(mine, TextWith("怎么交团费"), result=None)
        over = private_message("我的数据", user_id=YOUTH)
        ctx.receive_event(bot, over)
        ctx.should_call_send(over, say(qa_texts.RATE_LIMITED), result=None)
        ctx.receive_event(bot, private_message("怎么交团费？", user_id=YOUTH))


async def test_a_flood_of_activity_commands_is_told_once(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        for _ in range(limit(runtime)):
            event = private_message("我的报名", user_id=YOUTH)
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, TextWith(""), result=None)
        over = private_message("我的报名", user_id=YOUTH)
        ctx.receive_event(bot, over)
        ctx.should_call_send(over, say(qa_texts.RATE_LIMITED), result=None)
        ctx.receive_event(bot, private_message("我的报名", user_id=YOUTH))


async def test_data_commands_on_the_web_page_are_limited(runtime: Runtime) -> None:
    transport = httpx.ASGITransport(app=nonebot.get_asgi(), client=("127.0.0.1", 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8080") as page:

        async def send(text: str) -> tuple[int, str | None]:
            res = await page.post("/api/chat", json={"text": text})
            return res.status_code, res.json()["text"]

        assert runtime.settings.web_rate_address_per_minute > limit(runtime) + 2
        for _ in range(limit(runtime)):
            assert await send("我的数据") == (200, texts.NOTHING)
        assert await send("我的数据") == (200, qa_texts.RATE_LIMITED)
        # A chat app stays silent from then on; the page says so each time.
        assert await send("删除我的数据") == (429, web_chat.TOO_FAST)
        assert await send("我的问题") == (429, web_chat.TOO_FAST)

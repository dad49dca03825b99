"""微心愿 from the try page's HTTP API: the fields in the dialogue, 我的心愿, withdraw; a cadre on
the page lists (masked) and claims."""

from __future__ import annotations

from bot.chat.dialogue import HELP_IN_DIALOGUE
from bot.runtime import Runtime
from bot.wishes import texts
from tests.web.conftest import Client


async def test_wish_on_the_page(client: Client, runtime: Runtime, cadres_on: Runtime) -> None:
    async with client() as youth, client(cadre_link=True) as cadre:

        async def say(text: str) -> str:
            res = await youth.post("/api/chat", json={"text": text})
            assert res.status_code == 200
            return res.json()["text"]

        assert await say("/心愿 想要一套绘画工具") == texts.ASK_FOR_WHOM.format(
            text="想要一套绘画工具"
        )
        # 帮助 mid-dialogue repeats the question; it is not taken as who the wish is for.
        assert await say("帮助") == f"{HELP_IN_DIALOGUE}\n" + texts.ASK_FOR_WHOM.format(
            text="想要一套绘画工具"
        )
        assert await say("我自己") == texts.ASK_CONTACT
        assert await say("帮助") == f"{HELP_IN_DIALOGUE}\n{texts.ASK_CONTACT}"
        assert await say("13812345678") == texts.ASK_ORG
        assert (await say("测试街道团工委")).startswith("微心愿 #1 已登记")
        assert "#1 想要一套绘画工具 · 待认领" in await say("我的心愿")
        wish = await runtime.wishes.get(1)
        assert wish is not None and wish.for_whom == "我自己" and wish.contact == "13812345678"

        listed = await cadre.post("/api/chat", json={"text": "/心愿列表", "cadre": "street-a"})
        body = listed.json()["text"]
        assert "#1 想要一套绘画工具" in body and "13812345678" not in body
        claimed = await cadre.post("/api/chat", json={"text": "/认领心愿 1", "cadre": "street-a"})
        assert "13812345678" in claimed.json()["text"]
        assert "#1 想要一套绘画工具 · 进行中" in await say("我的心愿")
        # The page cannot be pushed to: the news waits for its next poll.
        await runtime.outbox.hold_due()
        told = (await youth.post("/api/chat/poll", json={})).json()
        assert told == [texts.TOLD_CLAIMED.format(id=1, text="想要一套绘画工具")]
        assert (await youth.post("/api/chat/poll", json={})).json() == [], "once"
        assert await say("撤回心愿 1") == texts.WITHDRAWN.format(id=1)
        assert "已撤回" in await say("我的心愿")

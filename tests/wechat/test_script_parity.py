"""The scripted conversation (tests/parity/script.py) on WeChat: the youth on the 服务号, the
cadre and organiser (郑华 of 青城团市委, given a 企业微信 account) in the 企业微信 app. Over signed,
encrypted callbacks on the running app; the WeChat APIs are the fake of tests/wechat.

The youth's 服务号 question has no org, so it goes to the city's on-duty cadre, 郑华. 企业微信 has
no quote: his plain text answers the latest case notification. The answer reaches the youth by
customer-service message (within 48 h of their last message)."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import timedelta
from pathlib import Path

import pytest
from nonebug import App

from bot.runtime import Runtime
from bot.settings import Settings
from bot.storage.models import utcnow
from bot.wechat import web
from bot.wechat.oa import OaCallback
from bot.wechat.wecom import WeComCallback
from tests.parity.script import GROUP_SCRIPT, INTEREST_GROUP, PROPOSAL, Run, Step, play
from tests.parity.setup import on_bundled_faq
from tests.wechat.conftest import (
    CITY_WECOM,
    CORP_ID,
    OA_USER,
    FakeWeChat,
    decrypt_reply,
    safe_request,
    text_xml,
    wecom_request,
)

CADRE_WECOM = "zhenghua"
_ids = itertools.count(7400000000000000001)


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return on_bundled_faq(settings, tmp_path, {'qq: "10006"': f"wecom: {CADRE_WECOM}"})


class WeChat:
    """The driver: a youth's text is a 服务号 callback, a cadre's a 企业微信 one."""

    def __init__(self, client, oa: OaCallback, wecom: WeComCallback, fake: FakeWeChat) -> None:  # type: ignore[no-untyped-def]
        self.client, self.oa, self.wecom, self.fake = client, oa, wecom, fake

    def _to(self, user: str, since: int) -> list[str]:
        return [b["text"]["content"] for b in self.fake.sent()[since:] if b.get("touser") == user]

    async def youth(self, step: Step, run: Run) -> str:
        before = len(self.fake.sent())
        query, body = safe_request(text_xml(run.text(step), str(next(_ids))))
        res = await self.client.post("/wechat/oa", query_string=query, data=body)
        assert res.status_code == 200
        await asyncio.gather(*self.oa.background)
        # The passive reply, or "success" and customer-service messages when it took longer.
        passive = [] if res.text == "success" else [decrypt_reply(res.text)["Content"]]
        return "\n".join(passive + self._to(OA_USER, before))

    async def cadre(self, step: Step, run: Run) -> str:
        before = len(self.fake.sent())
        content = run.text(step)  # an answer is plain text: no quote in 企业微信
        plain = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<FromUserName><![CDATA[{CADRE_WECOM}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{next(_ids)}</MsgId>"
            f"<AgentID>1000002</AgentID></xml>"
        )
        query, body = wecom_request(plain)
        assert (
            await self.client.post("/wechat/work", query_string=query, data=body)
        ).status_code == 200
        await asyncio.gather(*self.wecom.background)
        self.youth_got = self._to(OA_USER, before)
        return "\n".join(self._to(CADRE_WECOM, before))

    async def receive(self, step: Step, run: Run) -> str:
        # Pushed while the cadre answered: a customer-service message to the youth.
        return "\n".join(self.youth_got)


async def test_the_script_on_the_fuwuhao_and_wecom(
    app: App, runtime: Runtime, oa: OaCallback, wecom: WeComCallback, fake: FakeWeChat
) -> None:
    web.install(oa, wecom)
    async with app.test_server() as ctx:
        surface = WeChat(ctx.get_client(), oa, wecom, fake)
        run = await play(surface)
    # The case notification reached 郑华 in 企业微信, the one his plain text answered.
    notices = [b["text"]["content"] for b in fake.sent() if b.get("touser") == CADRE_WECOM]
    assert any(f"#{run.values['case']}" in n and "社区团委周末" in n for n in notices)
    assert CITY_WECOM not in {b.get("touser") for b in fake.sent()}


async def test_interest_groups_on_the_fuwuhao_and_wecom(
    app: App, runtime: Runtime, oa: OaCallback, wecom: WeComCallback, fake: FakeWeChat
) -> None:
    """兴趣小组 (GROUP_SCRIPT); then past the deadline the winner becomes an activity, and the
    member hears of it by customer-service message."""
    web.install(oa, wecom)
    # As `python -m bot` wires it: the outbox reaches 服务号 users too.
    runtime.outbox.channels["wechat"] = runtime.cases.channels["wechat"]
    async with app.test_server() as ctx:
        surface = WeChat(ctx.get_client(), oa, wecom, fake)
        run = await play(surface, GROUP_SCRIPT)
        await runtime.outbox.send_due()
        notices = surface._to(OA_USER, 0)
        assert any(n.startswith(f"【{INTEREST_GROUP}兴趣小组 活动投票】") for n in notices), notices
        before = len(fake.sent())
        runtime.activities.clock = lambda: utcnow() + timedelta(days=3)
        assert await runtime.groups.tick() == 1
        await runtime.outbox.send_due()
        told = surface._to(OA_USER, before)
        assert any(t.startswith(f"【活动 #1】{PROPOSAL}") for t in told), told
        signed = await surface.youth(Step("sign up", "youth", "报名 1"), run)
        assert "报名成功" in signed, signed

"""服务号 youths and 企业微信 cadres go through the one conversation: activities with fields asked
in the chat on the 服务号; every cadre and organiser command, and answers by plain text to the
latest case notification, on 企业微信. Over signed, encrypted callbacks on the running app."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from nonebug import App
from sqlalchemy import select

from bot.activities import texts as activity_texts
from bot.activities.models import Signup
from bot.activities.service import ActivityService
from bot.cases.models import Case, CaseStatus
from bot.chat.registry import NOT_STAFF
from bot.runtime import Runtime
from bot.wechat import web
from bot.wechat.oa import OaCallback
from bot.wechat.wecom import WeComCallback
from tests.activities.helpers import announced, make_outbox
from tests.utils import Clock
from tests.wechat.conftest import (
    CITY_WECOM,
    CORP_ID,
    FakeWeChat,
    decrypt_reply,
    safe_request,
    text_xml,
    wecom_request,
)

OA = "/wechat/oa"
WECOM = "/wechat/work"
_ids = iter(range(7300000000000000001, 7399999999999999999))


@pytest.fixture
def activities(runtime: Runtime, clock: Clock) -> ActivityService:
    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, runtime.cases.channels["qq"])
    return service


async def youth_says(client, text: str) -> str:  # type: ignore[no-untyped-def]
    query, body = safe_request(text_xml(text, str(next(_ids))))
    res = await client.post(OA, query_string=query, data=body)
    assert res.status_code == 200
    return decrypt_reply(res.text)["Content"]


def cadre_text(userid: str, content: str, msg_id: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


async def cadre_says(client, wecom: WeComCallback, fake: FakeWeChat, text: str) -> str:  # type: ignore[no-untyped-def]
    before = len(fake.sent())
    query, body = wecom_request(cadre_text(CITY_WECOM, text, str(next(_ids))))
    assert (await client.post(WECOM, query_string=query, data=body)).status_code == 200
    await asyncio.gather(*wecom.background)
    told = [b["text"]["content"] for b in fake.sent()[before:] if b.get("touser") == CITY_WECOM]
    assert told, f"no reply to {text!r}"
    return "\n".join(told)


async def test_a_wechat_youth_signs_up_with_fields_and_checks_in(
    app: App, runtime: Runtime, oa: OaCallback, activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(
        activities,
        clock,
        fields=["name"],
        checkin_code="2468",
        starts_at=clock() + timedelta(hours=1),
    )
    async with app.test_server() as ctx:
        client = ctx.get_client()
        listed = await youth_says(client, "活动")
        assert f"#{activity_id}「社区志愿服务」" in listed
        signed = await youth_says(client, f"报名 {activity_id}")
        assert "报名成功" in signed and activity_texts.FIELD_PROMPTS["name"] in signed
        done = await youth_says(client, "王小青")
        assert done == activity_texts.FIELDS_DONE.format(id=activity_id, title="社区志愿服务")
        assert (await youth_says(client, "我的报名")).startswith(activity_texts.MY_SIGNUPS_HEADER)
        checked = await youth_says(client, "签到 2468")
        assert checked == activity_texts.CHECKED_IN.format(id=activity_id, title="社区志愿服务")
        refused = await youth_says(client, "/待办")
        assert refused == NOT_STAFF
        cancelled = await youth_says(client, f"取消报名 {activity_id}")
        assert cancelled.startswith("已取消")
    async with runtime.db.session() as session:
        signup = (await session.scalars(select(Signup))).one()
    assert (signup.platform, signup.answers, signup.status) == (
        "wechat",
        {"name": "王小青"},
        "cancelled",
    )


async def test_a_wecom_cadre_answers_by_plain_text_and_uses_every_command(
    app: App,
    runtime: Runtime,
    oa: OaCallback,
    wecom: WeComCallback,
    fake: FakeWeChat,
    activities: ActivityService,
) -> None:
    web.install(oa, wecom)
    async with app.test_server() as ctx:
        client = ctx.get_client()
        await youth_says(client, "学校团课什么时候开始报名")
        notice = [b for b in fake.sent() if b.get("touser") == CITY_WECOM]
        assert len(notice) == 1 and "#1" in notice[0]["text"]["content"]
        # No quote in WeCom: plain text answers the latest case notification.
        answered = await cadre_says(client, wecom, fake, "下周一开始报名")
        assert answered.startswith("已回复 #1")
        to_youth = [b for b in fake.sent() if b.get("msgtype") == "text" and "agentid" not in b]
        assert "下周一开始报名" in to_youth[-1]["text"]["content"]
        # The organiser commands work here too, and the texts are those of QQ.
        status = await cadre_says(client, wecom, fake, "/活动状态 99")
        assert status == activity_texts.NO_SUCH_ACTIVITY.format(id=99)
        started = await cadre_says(client, wecom, fake, "/发布活动")
        assert "退出" in started
        assert await cadre_says(client, wecom, fake, "退出") == activity_texts.DIALOGUE_QUIT
        helped = await cadre_says(client, wecom, fake, "/不存在的命令")
        assert "/待办" in helped and "/发布活动" in helped and "/待审核" not in helped
        # Once the case is closed, plain text has nothing to answer: the help text.
        closed = await cadre_says(client, wecom, fake, "/关闭 1 已解决")
        assert "#1" in closed
        helped = await cadre_says(client, wecom, fake, "还有别的吗")
        assert "/待办" in helped
    async with runtime.db.session() as session:
        case = await session.get(Case, 1)
        assert case is not None and case.status == CaseStatus.CLOSED.value
    events = await runtime.cases.events(1)
    assert [e.kind for e in events].count("answered") == 1

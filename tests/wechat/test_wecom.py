"""企业微信 for cadres over HTTP: URL verification, notifications as app messages, /答 from WeCom."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from nonebug import App
from sqlalchemy import select

from bot.cases.models import Case, CaseMessage, CaseStatus
from bot.runtime import Runtime
from bot.settings import Settings
from bot.wechat import web
from bot.wechat.oa import OaCallback
from bot.wechat.wecom import PerMemberPace, WeComCallback
from tests.wechat.conftest import (
    ADMIN_WECOM,
    CITY_WECOM,
    CORP_ID,
    FakeWeChat,
    safe_request,
    text_xml,
    wecom_request,
)

PATH = "/wechat/work"


def cadre_text(userid: str, content: str, msg_id: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{userid}]]></FromUserName><CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


async def test_url_verification_with_published_vector(
    app: App, runtime: Runtime, settings: Settings, vectors: dict[str, Any]
) -> None:
    v = vectors["wecom_wechatpy_tests"]
    own = settings.model_copy(
        update={
            "wecom_token": v["token"],
            "wecom_aes_key": v["encoding_aes_key"],
            "wecom_corp_id": v["corp_id"],
            "wechat_max_timestamp_skew": 10**10,
        }
    )
    web.install(None, WeComCallback(own, None, runtime=lambda: runtime))
    url = v["verify_url"]
    params = {k: url[k] for k in ("msg_signature", "timestamp", "nonce", "echostr")}
    try:
        async with app.test_server() as ctx:
            client = ctx.get_client()
            started = time.perf_counter()
            ok = await client.get(PATH, query_string=params)
            assert time.perf_counter() - started < 1.0
            assert (ok.status_code, ok.text) == (200, url["expected_echo"])
            bad = await client.get(PATH, query_string={**params, "nonce": url["bad_nonce"]})
            assert bad.status_code == 403
    finally:
        web.install(None, None)


async def test_cadre_answers_from_wecom(
    app: App, runtime: Runtime, oa: OaCallback, wecom: WeComCallback, fake: FakeWeChat
) -> None:
    web.install(oa, wecom)
    async with app.test_server() as ctx:
        client = ctx.get_client()
        query, body = safe_request(text_xml("学校团课什么时候开始报名", "7200000000000000001"))
        await client.post("/wechat/oa", query_string=query, data=body)
        # 市里甲 (the city cadre on duty) has no reachable QQ here: notified in 企业微信.
        notice = [b for b in fake.sent() if b.get("touser") == CITY_WECOM]
        assert len(notice) == 1 and "#1" in notice[0]["text"]["content"]
        assert notice[0]["agentid"] == "1000002"
        async with runtime.db.session() as session:
            assert (await session.scalars(select(CaseMessage.platform))).all() == ["wecom"]

        for _ in range(2):  # WeCom re-delivers: one answer
            query, body = wecom_request(cadre_text(CITY_WECOM, "/答 1 下周一开始报名", "8001"))
            res = await client.post(PATH, query_string=query, data=body)
            assert res.status_code == 200
        await asyncio.gather(*wecom.background)
        to_cadre = [b["text"]["content"] for b in fake.sent() if b.get("touser") == CITY_WECOM]
        assert "#1" in to_cadre[-1] and len(to_cadre) == 2
        to_youth = [b for b in fake.sent() if b.get("msgtype") == "text" and "agentid" not in b]
        assert "下周一开始报名" in to_youth[-1]["text"]["content"]
        async with runtime.db.session() as session:
            case = await session.get(Case, 1)
            assert case is not None and case.status == CaseStatus.ANSWERED.value

        query, body = wecom_request(cadre_text("stranger", "/待办", "8002"))
        await client.post(PATH, query_string=query, data=body)
        query, body = wecom_request(cadre_text(ADMIN_WECOM, "/待办", "8003"))
        await client.post(PATH, query_string=query, data=body)
        await asyncio.gather(*wecom.background)
        assert (
            "登记"
            in next(b for b in fake.sent() if b.get("touser") == "stranger")["text"]["content"]
        )

        query, body = wecom_request(
            cadre_text(CITY_WECOM, "/答 1 伪造", "8004"), corp_id="ww_other"
        )
        forged = await client.post(PATH, query_string=query, data=body)
        assert forged.status_code == 403
        bomb = '<!DOCTYPE x [<!ENTITY a "a">]><xml><Encrypt>&a;</Encrypt></xml>'
        refused = await client.post(PATH, query_string=query, data=bomb)
        assert refused.status_code == 400
    events = await runtime.cases.events(1)
    assert [e.kind for e in events].count("answered") == 1


async def test_pace_is_30_per_minute_per_member(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr("bot.wechat.wecom.time.monotonic", lambda: now[0])
    monkeypatch.setattr("bot.wechat.wecom.asyncio.sleep", sleep)
    pace = PerMemberPace()
    for _ in range(30):
        await pace.wait("a")
    await pace.wait("b")
    assert slept == []
    await pace.wait("a")
    assert slept == [60.0]

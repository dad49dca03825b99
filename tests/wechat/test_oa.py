"""The 服务号 callback over HTTP on the running app: verification, the 5-second rule, retries,
customer-service follow-ups and forged requests. SQLite and PostgreSQL (the `runtime` fixture)."""

from __future__ import annotations

import asyncio
import time

import pytest
from nonebug import App
from sqlalchemy import func, select

from bot.qa import texts as qa_texts
from bot.qa.model import Incoming, Reply, ReplyKind
from bot.qa.models import Question
from bot.runtime import Runtime
from bot.storage.models import InboundMessage
from bot.wechat import texts
from bot.wechat.models import WeChatReply
from bot.wechat.oa import OaCallback
from bot.wechat.xml import parse_xml
from tests.wechat.conftest import (
    OA_USER,
    TOKEN,
    FakeWeChat,
    decrypt_reply,
    event_xml,
    plain_request,
    safe_request,
    sign,
    text_xml,
)

PATH = "/wechat/oa"


async def counts(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.db.session() as session:
        return (
            await session.scalar(select(func.count()).select_from(Question)),
            await session.scalar(select(func.count()).select_from(WeChatReply)),
            await session.scalar(select(func.count()).select_from(InboundMessage)),
        )


async def test_url_verification(app: App, oa: OaCallback) -> None:
    ts, nonce = str(int(time.time())), "12345"
    async with app.test_server() as ctx:
        client = ctx.get_client()
        ok = await client.get(
            PATH,
            query_string={
                "signature": sign(TOKEN, ts, nonce),
                "timestamp": ts,
                "nonce": nonce,
                "echostr": "42",
            },
        )
        assert (ok.status_code, ok.text) == (200, "42")
        bad = await client.get(
            PATH,
            query_string={"signature": "0" * 40, "timestamp": ts, "nonce": nonce, "echostr": "42"},
        )
        assert bad.status_code == 403


async def test_same_message_three_times_is_answered_once(
    app: App, runtime: Runtime, oa: OaCallback
) -> None:
    entry = runtime.faq.get("join-age")
    assert entry is not None
    plain = text_xml("几岁可以入团", "7000000000000000001")
    replies = []
    async with app.test_server() as ctx:
        client = ctx.get_client()
        for _ in range(3):  # WeChat's retries carry the same MsgId (and a new nonce)
            query, body = safe_request(plain)
            res = await client.post(PATH, query_string=query, data=body)
            assert res.status_code == 200
            replies.append(decrypt_reply(res.text))
    assert [r["Content"] for r in replies] == [qa_texts.answer(entry)] * 3
    assert replies[0] == replies[1] == replies[2], "retries get the very same stored reply"
    assert (replies[0]["ToUserName"], replies[0]["MsgType"]) == (OA_USER, "text")
    assert await counts(runtime) == (1, 1, 1)


async def test_slow_answer_goes_by_customer_service_message(
    app: App,
    runtime: Runtime,
    oa: OaCallback,
    fake: FakeWeChat,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oa.settings = oa.settings.model_copy(update={"wechat_passive_timeout": 0.2})
    slow_handle = runtime.qa.handle

    async def slow(msg: Incoming) -> Reply | None:
        await asyncio.sleep(0.6)
        return await slow_handle(msg)

    monkeypatch.setattr(runtime.qa, "handle", slow)
    plain = text_xml("几岁可以入团", "7000000000000000003")
    async with app.test_server() as ctx:
        client = ctx.get_client()
        query, body = safe_request(plain)
        first = await client.post(PATH, query_string=query, data=body)
        assert (first.status_code, first.text) == (200, "success")
        query, body = safe_request(plain)
        retry = await client.post(PATH, query_string=query, data=body)
        assert (retry.status_code, retry.text) == (200, "success")
        await asyncio.gather(*oa.background)
        query, body = safe_request(plain)
        late_retry = await client.post(PATH, query_string=query, data=body)
        assert late_retry.text == "success", "answered by CS already: never twice"
    entry = runtime.faq.get("join-age")
    assert entry is not None
    assert fake.sent() == [
        {"touser": OA_USER, "msgtype": "text", "text": {"content": qa_texts.answer(entry)}}
    ]
    assert fake.tokens == 1
    assert await counts(runtime) == (1, 1, 1)


async def test_subscribe_and_menu(app: App, runtime: Runtime, oa: OaCallback) -> None:
    created = int(time.time())
    async with app.test_server() as ctx:
        client = ctx.get_client()
        query, body = safe_request(event_xml("subscribe", created=created))
        res = await client.post(PATH, query_string=query, data=body)
        assert decrypt_reply(res.text)["Content"] == texts.WELCOME
        query, body = safe_request(event_xml("subscribe", created=created))
        again = await client.post(PATH, query_string=query, data=body)
        assert decrypt_reply(again.text)["Content"] == texts.WELCOME
        query, body = safe_request(text_xml("几岁可以入团", "7000000000000000004"))
        await client.post(PATH, query_string=query, data=body)
        query, body = safe_request(event_xml("CLICK", "MY_QUESTIONS"))
        mine = await client.post(PATH, query_string=query, data=body)
        listed = decrypt_reply(mine.text)["Content"]
        assert "几岁可以入团" in listed
        query, body = safe_request(text_xml("赞", "7000000000000000005"))
        like = await client.post(PATH, query_string=query, data=body)
        assert decrypt_reply(like.text)["Content"] == qa_texts.THANKS
    async with runtime.db.session() as session:
        keys = (await session.scalars(select(WeChatReply.key))).all()
    assert len(keys) == 4, "subscribe delivered twice is one event (FromUserName+CreateTime+Event)"


def _bad_requests() -> list[tuple[str, dict[str, str], str, int]]:
    good = text_xml("几岁可以入团", "7000000000000000009")
    out: list[tuple[str, dict[str, str], str, int]] = []
    query, body = safe_request(good)
    out.append(("forged signature", {**query, "signature": "0" * 40}, body, 403))
    out.append(("forged msg_signature", {**query, "msg_signature": "0" * 40}, body, 403))
    stale = str(int(time.time()) - 3600)
    query, body = safe_request(good, timestamp=stale)
    out.append(("stale timestamp", query, body, 403))
    query, body = safe_request(good, appid="wx_someone_else")
    out.append(("wrong AppID in ciphertext", query, body, 403))
    out.append(("malformed XML", plain_request("x"), "<xml><Content>oops</xml>", 400))
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><MsgType>text</MsgType>"
        "<Content>&lol2;</Content><MsgId>1</MsgId></xml>"
    )
    out.append(("entity bomb", plain_request(bomb), bomb, 400))
    xxe = (
        '<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>'
    )
    out.append(("external entity", plain_request(xxe), xxe, 400))
    huge = "<xml><Content>" + "a" * 70_000 + "</Content></xml>"
    out.append(("oversized", plain_request(huge), huge, 413))
    query, body = safe_request(bomb)
    out.append(("entity bomb inside ciphertext", query, body, 400))
    return out


async def test_forged_and_bad_requests_are_refused(
    app: App, runtime: Runtime, oa: OaCallback, caplog: pytest.LogCaptureFixture
) -> None:
    async with app.test_server() as ctx:
        client = ctx.get_client()
        for name, query, body, status in _bad_requests():
            res = await client.post(PATH, query_string=query, data=body)
            assert res.status_code == status, name
        assert await counts(runtime) == (0, 0, 0), "nothing stored"
        assert "refused" in caplog.text
        query, body = safe_request(text_xml("几岁可以入团", "7000000000000000010"))
        still = await client.post(PATH, query_string=query, data=body)
        assert still.status_code == 200, "the server keeps serving"


async def test_retry_after_the_first_gave_up_never_answers_twice(
    runtime: Runtime, oa: OaCallback, fake: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    oa.settings = oa.settings.model_copy(update={"wechat_passive_timeout": 0.2})
    handle = runtime.qa.handle

    async def slow(msg: Incoming) -> Reply | None:
        await asyncio.sleep(0.35)
        return await handle(msg)

    monkeypatch.setattr(runtime.qa, "handle", slow)
    plain = text_xml("几岁可以入团", "7000000000000000020")
    fields = parse_xml(plain)

    async def retry() -> object:
        await asyncio.sleep(0.25)  # the first delivery has given up; the answer is not ready
        return await oa.handle(plain, fields)

    first, second = await asyncio.gather(oa.handle(plain, fields), retry())
    await asyncio.gather(*oa.background)
    assert first.passive is None and second.passive is None  # type: ignore[attr-defined]
    assert len(fake.sent()) == 1, "one answer, by customer-service message"
    assert await counts(runtime) == (1, 1, 1)


async def test_long_answer_passive_first_part_then_cs(
    runtime: Runtime, oa: OaCallback, fake: FakeWeChat, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = "青" * 1000  # 3000 bytes of UTF-8

    async def answer(_msg: Incoming) -> Reply | None:
        return Reply(ReplyKind.ANSWER, long)

    monkeypatch.setattr(runtime.qa, "handle", answer)
    plain = text_xml("长问题", "7000000000000000030")
    handled = await oa.handle(plain, parse_xml(plain))
    await asyncio.gather(*oa.background)
    first = parse_xml(handled.passive or "")["Content"]
    rest = [body["text"]["content"] for body in fake.sent()]
    assert len(first.encode()) <= 2048 and len(rest) == 1
    assert first + rest[0] == long


async def test_a_youth_erases_their_data_through_the_oa(
    app: App, runtime: Runtime, oa: OaCallback
) -> None:
    from bot.privacy import texts as privacy_texts

    said = []
    async with app.test_server() as ctx:
        client = ctx.get_client()
        for n, text in enumerate(
            ["几岁可以入团", "我的数据", "删除我的数据", "确认删除", "我的数据"]
        ):
            query, body = safe_request(text_xml(text, f"70000000000000009{n:02d}"))
            res = await client.post(PATH, query_string=query, data=body)
            said.append(decrypt_reply(res.text)["Content"])
    assert "几岁可以入团" in said[1] and privacy_texts.WECHAT.format(count=3) in said[1]
    assert said[2:4] == [
        privacy_texts.CONFIRM.format(minutes=5),
        privacy_texts.FORGOTTEN.format(count=5),
    ]
    # Only the records of the messages since (each message opens the window anew).
    assert "· 提问" not in said[4] and privacy_texts.WECHAT.format(count=3) in said[4]
    async with runtime.db.session() as session:
        (question,) = (await session.scalars(select(Question))).all()
    assert (question.text, question.user_id) == ("", "")


async def test_my_questions_through_the_oa_counts_against_the_rate_limit(
    app: App, runtime: Runtime, oa: OaCallback
) -> None:
    said = []
    async with app.test_server() as ctx:
        client = ctx.get_client()
        for n in range(runtime.settings.rate_user_per_minute + 2):
            query, body = safe_request(text_xml("我的问题", f"71000000000000009{n:02d}"))
            res = await client.post(PATH, query_string=query, data=body)
            said.append(decrypt_reply(res.text)["Content"] if "Encrypt" in res.text else None)
    assert said[runtime.settings.rate_user_per_minute] == qa_texts.RATE_LIMITED
    assert qa_texts.RATE_LIMITED not in said[: runtime.settings.rate_user_per_minute]
    assert said[-1] is None

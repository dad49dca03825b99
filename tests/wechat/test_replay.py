"""Downgraded, replayed and forged callbacks, as an attacker who saw one callback URL sends them.

Over HTTP on the running app, SQLite and PostgreSQL (the `runtime` fixture).
"""

from __future__ import annotations

import time
import uuid

import pytest
from nonebug import App
from sqlalchemy import func, select

from bot.runtime import Runtime
from bot.settings import Settings
from bot.wechat import web
from bot.wechat.crypto import Forged
from bot.wechat.models import WeChatNonce, WeChatReply
from bot.wechat.oa import OaCallback
from bot.wechat.replay import ReplayGuard
from bot.wechat.wecom import WeComCallback
from bot.wechat.xml import parse_xml
from tests.wechat.conftest import (
    OA_USER,
    TOKEN,
    decrypt_reply,
    event_xml,
    plain_request,
    safe_request,
    sign,
    text_xml,
    wecom_request,
)

OA = "/wechat/oa"
WORK = "/wechat/work"


async def stored(runtime: Runtime) -> tuple[int, int]:
    async with runtime.db.session() as session:
        return (
            await session.scalar(select(func.count()).select_from(WeChatReply)),
            await session.scalar(select(func.count()).select_from(WeChatNonce)),
        )


def mine_as_victim() -> str:
    """我的问题 from the victim's openid: what the attacker wants answered to them."""
    return text_xml("我的问题", f"66{uuid.uuid4().int % 10**16:016d}", user=OA_USER)


@pytest.fixture
def plain_oa(runtime: Runtime, settings: Settings) -> OaCallback:
    """The 服务号 explicitly in 明文模式 (WECHAT_OA_MODE=plain)."""
    callback = OaCallback(
        settings.model_copy(update={"wechat_oa_mode": "plain"}), None, runtime=lambda: runtime
    )
    web.install(callback, None)
    yield callback
    web.install(None, None)


async def test_plaintext_post_is_refused_when_an_aes_key_is_set(
    app: App, runtime: Runtime, oa: OaCallback
) -> None:
    async with app.test_server() as ctx:
        client = ctx.get_client()
        query, body = safe_request(text_xml("几岁可以入团", "7100000000000000001"))
        assert (await client.post(OA, query_string=query, data=body)).status_code == 200
        # The URL signature alone (token, timestamp, nonce) is valid for any body.
        downgraded = mine_as_victim()
        res = await client.post(OA, query_string=plain_request(downgraded), data=downgraded)
        assert res.status_code == 403
        assert "几岁可以入团" not in res.text
        # The captured URL of the genuine callback, with encrypt_type dropped.
        captured = {k: v for k, v in query.items() if k not in ("encrypt_type", "msg_signature")}
        res = await client.post(OA, query_string=captured, data=downgraded)
        assert res.status_code == 403
    assert await stored(runtime) == (1, 1), "only the genuine message was taken"
    assert oa.mode == "safe", "an EncodingAESKey makes safe mode the default"


async def test_compatible_mode_trusts_only_the_ciphertext(
    app: App, runtime: Runtime, settings: Settings
) -> None:
    callback = OaCallback(
        settings.model_copy(update={"wechat_oa_mode": "compatible"}), None, runtime=lambda: runtime
    )
    web.install(callback, None)
    try:
        async with app.test_server() as ctx:
            client = ctx.get_client()
            query, body = safe_request(text_xml("几岁可以入团", "7100000000000000002"))
            # 兼容模式: the plaintext copy sits beside the ciphertext; an attacker rewrites it.
            fake = mine_as_victim().removeprefix("<xml>").removesuffix("</xml>")
            both = body.replace("</xml>", fake + "</xml>")
            forged = await client.post(
                OA, query_string={**query, "msg_signature": "0" * 40}, data=both
            )
            assert forged.status_code == 403, "msg_signature is checked over the ciphertext"
            plain_only = {k: v for k, v in query.items() if k not in ("encrypt_type",)}
            downgraded = await client.post(OA, query_string=plain_only, data=both)
            assert downgraded.status_code == 403, "the plaintext copy alone is never trusted"
            genuine = await client.post(OA, query_string=query, data=both)
            assert genuine.status_code == 200
            reply = decrypt_reply(genuine.text)["Content"]
            assert "你最近的问题" not in reply, "answered from the ciphertext, not the copy"
    finally:
        web.install(None, None)


def test_safe_or_compatible_mode_needs_a_key() -> None:
    with pytest.raises(ValueError, match="WECHAT_OA_AES_KEY"):
        Settings(wechat_oa_token=TOKEN, wechat_oa_mode="safe")
    assert Settings(wechat_oa_token=TOKEN).wechat_oa_message_mode == "plain"
    with pytest.raises(ValueError, match="wechat_oa_mode"):
        Settings(wechat_oa_mode="none")


async def test_explicit_plain_mode_answers(
    app: App, runtime: Runtime, plain_oa: OaCallback
) -> None:
    plain = text_xml("几岁可以入团", "7100000000000000003")
    async with app.test_server() as ctx:
        res = await ctx.get_client().post(OA, query_string=plain_request(plain), data=plain)
    assert res.status_code == 200
    assert "<Content><![CDATA[" in res.text and "Encrypt" not in res.text


async def test_replayed_url_with_another_body_is_refused(
    app: App, runtime: Runtime, plain_oa: OaCallback
) -> None:
    genuine = text_xml("几岁可以入团", "7100000000000000004")
    query = plain_request(genuine)
    async with app.test_server() as ctx:
        client = ctx.get_client()
        first = await client.post(OA, query_string=query, data=genuine)
        assert first.status_code == 200
        replay = await client.post(OA, query_string=query, data=mine_as_victim())
        assert replay.status_code == 403
        assert "几岁可以入团" not in replay.text
        # WeChat delivering the very same callback again is a retry: the same reply.
        retry = await client.post(OA, query_string=query, data=genuine)
        assert (retry.status_code, retry.text) == (200, first.text)
        # A replayed URL verification cannot echo what the attacker chooses either.
        echo = await client.get(OA, query_string={**query, "echostr": "attacker-text"})
        assert echo.status_code == 403
    assert await stored(runtime) == (1, 1)


async def test_safe_mode_retry_with_the_same_url_gets_the_same_reply(
    app: App, runtime: Runtime, oa: OaCallback
) -> None:
    query, body = safe_request(text_xml("几岁可以入团", "7100000000000000005"))
    async with app.test_server() as ctx:
        client = ctx.get_client()
        replies = [await client.post(OA, query_string=query, data=body) for _ in range(3)]
    assert {r.status_code for r in replies} == {200}
    assert len({decrypt_reply(r.text)["Content"] for r in replies}) == 1
    assert await stored(runtime) == (1, 1)


async def test_a_second_process_refuses_the_replay_too(
    app: App, runtime: Runtime, settings: Settings
) -> None:
    """Two callbacks (as in two bot processes) share nothing but the database."""
    plain_settings = settings.model_copy(update={"wechat_oa_mode": "plain"})
    first = OaCallback(plain_settings, None, runtime=lambda: runtime)
    second = OaCallback(plain_settings, None, runtime=lambda: runtime)
    genuine = text_xml("几岁可以入团", "7100000000000000006")
    query = plain_request(genuine)
    try:
        async with app.test_server() as ctx:
            client = ctx.get_client()
            web.install(first, None)
            assert (await client.post(OA, query_string=query, data=genuine)).status_code == 200
            web.install(second, None)
            replay = await client.post(OA, query_string=query, data=mine_as_victim())
            assert replay.status_code == 403
    finally:
        web.install(None, None)


async def test_stale_url_verification_is_refused(app: App, oa: OaCallback) -> None:
    stale, nonce = str(int(time.time()) - 3600), "4242"
    params = {"signature": sign(TOKEN, stale, nonce), "timestamp": stale, "nonce": nonce}
    async with app.test_server() as ctx:
        res = await ctx.get_client().get(OA, query_string={**params, "echostr": "x"})
    assert res.status_code == 403


async def test_pairs_are_pruned_once_beyond_the_skew(runtime: Runtime) -> None:
    now = [1_800_000_000.0]
    guard = ReplayGuard("oa", lambda: runtime.db, 300, clock=lambda: now[0])
    await guard.check(str(int(now[0])), "n1", b"a")
    await guard.check(str(int(now[0])), "n1", b"a")  # the same delivery again
    with pytest.raises(Forged):
        await guard.check(str(int(now[0])), "n1", b"b")
    with pytest.raises(Forged):
        await guard.check(str(int(now[0])), "", b"c")
    now[0] += 301 + 60
    await guard.check(str(int(now[0])), "n2", b"c")
    async with runtime.db.session() as session:
        nonces = (await session.scalars(select(WeChatNonce.nonce))).all()
    assert nonces == ["n2"]


async def test_wecom_refuses_a_reused_pair_and_a_stale_verification(
    app: App, runtime: Runtime, wecom: WeComCallback, settings: Settings
) -> None:
    first = (
        "<xml><ToUserName>c</ToUserName><FromUserName>city-a-wecom</FromUserName>"
        "<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event></xml>"
    )
    query, body = wecom_request(first)
    async with app.test_server() as ctx:
        client = ctx.get_client()
        assert (await client.post(WORK, query_string=query, data=body)).status_code == 200
        again = await client.post(WORK, query_string=query, data=body)
        assert again.status_code == 200, "the same delivery again is a retry"
        other = wecom_request(
            event_xml("click", "x"), timestamp=query["timestamp"], nonce=query["nonce"]
        )
        assert (await client.post(WORK, query_string=other[0], data=other[1])).status_code == 403
        for when, status in ((str(int(time.time()) - 3600), 403), (None, 200)):
            verify, envelope = wecom_request("5927782489442352469", timestamp=when)
            echostr = parse_xml(envelope)["Encrypt"]
            res = await client.get(WORK, query_string={**verify, "echostr": echostr})
            assert res.status_code == status, when

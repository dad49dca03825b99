"""Customer-service messages: the 48-hour window, its quota of 5, WeChat's refusals, the token
refresh, and late cadre answers (sent while allowed, else held for the youth's next message)."""

from __future__ import annotations

import pytest
from nonebug import App
from sqlalchemy import select

from bot.cases.models import Delivery
from bot.chat.speaker import Speaker
from bot.delivery.channel import SendError
from bot.runtime import Runtime
from bot.wechat.channel import WeChatChannel
from bot.wechat.oa import OaCallback
from tests.utils import Clock
from tests.wechat.conftest import OA_USER, FakeWeChat, decrypt_reply, safe_request, text_xml

QUESTION = "学校团课什么时候开始报名"


async def test_window_and_quota(oa_channel: WeChatChannel, fake: FakeWeChat, clock: Clock) -> None:
    with pytest.raises(SendError, match="窗口"):
        await oa_channel.send_private(OA_USER, "没人说过话")
    await oa_channel.opened(OA_USER)
    for n in range(5):
        await oa_channel.send_private(OA_USER, f"第{n}条")
    with pytest.raises(SendError, match="额度"):
        await oa_channel.send_private(OA_USER, "第6条")
    await oa_channel.opened(OA_USER)  # the youth writes again: a fresh window
    await oa_channel.send_private(OA_USER, "又可以了")
    clock.advance(hours=48, seconds=1)
    with pytest.raises(SendError, match="窗口"):
        await oa_channel.send_private(OA_USER, "太晚了")
    assert len(fake.sent()) == 6


@pytest.mark.parametrize(("code", "reason"), [(45015, "45015"), (45047, "45047"), (45009, "45009")])
async def test_wechat_refusals_are_send_errors(
    oa_channel: WeChatChannel, fake: FakeWeChat, code: int, reason: str
) -> None:
    await oa_channel.opened(OA_USER)
    fake.errors = [code]
    with pytest.raises(SendError, match=reason):
        await oa_channel.send_private(OA_USER, "答案")


@pytest.mark.parametrize("code", [40001, 42001])
async def test_token_refresh_once_then_retry(
    oa_channel: WeChatChannel, fake: FakeWeChat, code: int
) -> None:
    await oa_channel.opened(OA_USER)
    fake.errors = [code]
    await oa_channel.send_private(OA_USER, "答案")
    assert fake.tokens == 2
    sends = [q for path, q, _ in fake.calls if path.endswith("/send")]
    assert [q["access_token"] for q in sends] == [["token-1"], ["token-2"]]
    fake.errors = [code, code]  # refreshed and still refused: one retry only
    with pytest.raises(SendError, match=str(code)):
        await oa_channel.send_private(OA_USER, "答案")
    assert fake.tokens == 3


async def test_long_text_is_split(oa_channel: WeChatChannel, fake: FakeWeChat) -> None:
    await oa_channel.opened(OA_USER)
    await oa_channel.send_private(OA_USER, "团" * 1500)
    contents = [body["text"]["content"] for body in fake.sent()]
    assert len(contents) == 3
    assert all(len(c.encode()) <= 2048 for c in contents)


async def test_late_answer_by_cs_or_held_until_next_message(
    app: App, runtime: Runtime, oa: OaCallback, fake: FakeWeChat, clock: Clock
) -> None:
    admin = Speaker("qq", "10009", runtime.grid.grid.people["admin"])
    async with app.test_server() as ctx:
        client = ctx.get_client()
        query, body = safe_request(text_xml(QUESTION, "7100000000000000001"))
        opened = decrypt_reply(
            (await client.post("/wechat/oa", query_string=query, data=body)).text
        )
        assert "#1" in opened["Content"]
        await runtime.cases.answer(1, admin, "下周一开始报名")
        assert "下周一开始报名" in fake.sent()[-1]["text"]["content"], "window open: sent by CS"

        query, body = safe_request(text_xml("篮球场晚上开不开放", "7100000000000000002"))
        await client.post("/wechat/oa", query_string=query, data=body)
        clock.advance(hours=49)
        sent_before = len(fake.sent())
        result = await runtime.cases.answer(2, admin, "在团委三楼")
        assert (result.sent, result.held) == (0, 1), "window closed: held (待送达)"
        assert len(fake.sent()) == sent_before
        mine = await runtime.cases.cases_of_questions([2])
        assert mine[2][1] == "待送达"

        query, body = safe_request(text_xml("你好", "7100000000000000003"))
        await client.post("/wechat/oa", query_string=query, data=body)
        assert "在团委三楼" in fake.sent()[-1]["text"]["content"], "released on the next message"
    async with runtime.db.session() as session:
        statuses = (await session.scalars(select(Delivery.status))).all()
    assert statuses == ["sent", "sent"]

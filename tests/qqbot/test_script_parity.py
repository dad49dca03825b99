"""The scripted conversation (tests/parity/script.py) on the official QQ bot: the youth and the
cadre each in C2C (private) chat, over signed webhook events and passive replies to the fake
OpenAPI.

The cadre and organiser is 郑华 (青城团市委, QQ 10006). He links his official-bot openid first:
/绑定码 on QQ (a OneBot account on a real reverse WebSocket into the running app, closed
afterwards so QQ cannot reach him), then /绑定 CODE to the official bot. The youth's C2C
question has no org, so it goes to the city's on-duty cadre, 郑华. The official bot cannot push:
his notification waits for his next message (/待办), and plain text answers the latest one shown
(no quotes there). The answer waits too (the case shows 待送达) and goes out with the youth's
next message, here 我的问题.

In C2C the fields of a sign-up are asked right there; a group member's openid is not their
C2C openid, so a youth signs up for an activity with fields in C2C."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import nonebot
import pytest
import uvicorn

from bot.accounts import texts as link_texts
from bot.bench.onebot_peer import OneBotPeer, text
from bot.runtime import Runtime
from bot.settings import Settings
from bot.storage.models import utcnow
from tests.parity.script import (
    GROUP_SCRIPT,
    INTEREST_GROUP,
    PROPOSAL,
    UNANSWERABLE,
    Run,
    Step,
    play,
)
from tests.parity.setup import on_bundled_faq
from tests.qqbot.conftest import FakeOpenAPI, Platform

YOUTH = "C2CYOUTH0001"
CADRE = "C2CCADRE0001"
CADRE_QQ = 10006
SELF_ID = 2_900_000_002
STEP_TIMEOUT = 8.0


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return on_bundled_faq(settings, tmp_path)


@pytest.fixture
async def qq() -> AsyncIterator[OneBotPeer]:
    """A OneBot implementation on a real reverse WebSocket into the test's app."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(nonebot.get_asgi(), log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    peer = OneBotPeer(f"ws://127.0.0.1:{port}/onebot/v11/ws", self_id=SELF_ID)
    for _ in range(50):
        if nonebot.get_bots().get(str(SELF_ID)):
            break
        if peer._ws is None:
            await peer.connect()
        await asyncio.sleep(0.05)
    assert str(SELF_ID) in nonebot.get_bots(), "the QQ account is connected"
    yield peer
    await peer.close()
    server.should_exit = True
    await task


class OfficialQQ:
    """The driver: the youth and the cadre post signed C2C events."""

    def __init__(self, platform: Platform, openapi: FakeOpenAPI) -> None:
        self.platform, self.openapi = platform, openapi

    async def c2c(self, openid: str, said: str) -> str:
        before = len(self.openapi.sent)
        response = await self.platform.post(self.platform.c2c(openid, said))
        assert response.status_code == 200
        sent = self.openapi.sent[before:]
        assert all(path == f"/v2/users/{openid}/messages" for path, _ in sent), sent
        assert [body["msg_seq"] for _, body in sent] == list(range(1, len(sent) + 1))
        return "\n".join(body["content"] for _, body in sent)

    async def youth(self, step: Step, run: Run) -> str:
        return await self.c2c(YOUTH, run.text(step))

    async def cadre(self, step: Step, run: Run) -> str:
        if step.kind == "answer":
            # Held for his next message: the notification comes with the reply to /待办.
            self.notice = await self.c2c(CADRE, "/待办")
            assert (
                f"【新问题 #{run.values['case']}】" in self.notice and UNANSWERABLE in self.notice
            )
        return await self.c2c(CADRE, run.text(step))  # an answer is plain text: no quotes

    async def receive(self, step: Step, run: Run) -> str:
        # Held: no push on the official bot. The cadre was told so, and the case says 待送达.
        assert "1 人待送达" in run.replies["cadre answers"]
        assert self.openapi.sent[-1][1]["content"] != step.expect[0]
        # The youth's next message (我的问题) shows it waiting, then brings it.
        said = await self.youth(Step("我的问题", "youth", "我的问题"), run)
        assert "待送达" in said, said
        return said


async def link_on_qq(driver: OfficialQQ, qq: OneBotPeer) -> None:
    """郑华 gets a link code from QQ, and links his official-bot openid with it."""
    await qq.send_private_message(CADRE_QQ, [text("/绑定码")], nickname="郑华")
    issued = await qq.wait_sent(lambda s: s.user_id == CADRE_QQ, timeout=STEP_TIMEOUT)
    code = re.search(r"/绑定 (\w+)", issued.text)
    assert code is not None, issued.text
    await qq.close()  # QQ can no longer reach him: the official bot is all he has
    for _ in range(100):
        if str(SELF_ID) not in nonebot.get_bots():
            break
        await asyncio.sleep(0.05)
    linked = await driver.c2c(CADRE, f"/绑定 {code.group(1)}")
    assert linked == link_texts.LINKED.format(name="郑华")


async def test_the_script_on_the_official_qq_bot(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI, qq: OneBotPeer
) -> None:
    driver = OfficialQQ(platform, openapi)
    await link_on_qq(driver, qq)
    run = await play(driver)
    # Delivered once: the next message carries it no more.
    again = await driver.youth(Step("again", "youth", "我的问题"), run)
    assert "团干部回复" not in again
    assert openapi.unauthorised == 0


async def test_interest_groups_on_the_official_qq_bot(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI, qq: OneBotPeer
) -> None:
    """兴趣小组 (GROUP_SCRIPT) in C2C; past the deadline the winner becomes an activity, held for
    the member (no push here) and brought by their next message."""
    driver = OfficialQQ(platform, openapi)
    await link_on_qq(driver, qq)
    run = await play(driver, GROUP_SCRIPT)
    await runtime.outbox.hold_due()  # the vote's notice waits for the member's next message
    said = await driver.youth(Step("again", "youth", "我的小组"), run)
    assert said.count(f"【{INTEREST_GROUP}兴趣小组 活动投票】") == 2, (
        said
    )  # the answer and the notice
    runtime.activities.clock = lambda: utcnow() + timedelta(days=3)
    assert await runtime.groups.tick() == 1
    await runtime.outbox.hold_due()
    said = await driver.youth(Step("my sign-ups", "youth", "我的报名"), run)
    assert f"【活动 #1】{PROPOSAL}" in said, said
    assert "报名成功" in await driver.youth(Step("sign up", "youth", "报名 1"), run)

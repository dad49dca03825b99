"""The scripted conversation (tests/parity/script.py) on the official QQ bot: the youth in C2C
(private) chat, over signed webhook events and passive replies to the fake OpenAPI.

The official bot has no cadre accounts yet, so the cadre and organiser is a OneBot QQ cadre of
the same bot: 郑华 (青城团市委, QQ 10006) on a real reverse WebSocket into the running app. The
youth's C2C question has no org, so it goes to the city's on-duty cadre, 郑华, who quotes the
notification with the answer. The official bot cannot push: the answer is held (the case shows
待送达) and goes out with the youth's next message, here 我的问题.

In C2C the fields of a sign-up are asked right there; a group member's openid is not their
C2C openid, so a youth signs up for an activity with fields in C2C."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import nonebot
import pytest
import uvicorn

from bot.bench.onebot_peer import OneBotPeer, SentMessage, reply, text
from bot.runtime import Runtime
from bot.settings import Settings
from tests.parity.script import Run, Step, play
from tests.parity.setup import on_bundled_faq, said_on_qq
from tests.qqbot.conftest import FakeOpenAPI, Platform

YOUTH = "C2CYOUTH0001"
CADRE = 10006
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
    """The driver: the youth posts signed C2C events, the cadre writes to the OneBot account."""

    def __init__(self, platform: Platform, openapi: FakeOpenAPI, qq: OneBotPeer) -> None:
        self.platform, self.openapi, self.qq = platform, openapi, qq
        self.notice: SentMessage | None = None

    async def youth(self, step: Step, run: Run) -> str:
        before = len(self.openapi.sent)
        response = await self.platform.post(self.platform.c2c(YOUTH, run.text(step)))
        assert response.status_code == 200
        sent = self.openapi.sent[before:]
        assert all(path == f"/v2/users/{YOUTH}/messages" for path, _ in sent), sent
        assert [body["msg_seq"] for _, body in sent] == list(range(1, len(sent) + 1))
        return "\n".join(body["content"] for _, body in sent)

    async def cadre(self, step: Step, run: Run) -> str:
        before = len(self.qq.sent)
        if step.kind == "answer":  # QQ: quote the case notification with the answer
            self.notice = await self.qq.wait_sent(
                lambda s: s.user_id == CADRE and f"#{run.values['case']}" in s.text,
                timeout=STEP_TIMEOUT,
            )
            segments = [reply(self.notice.message_id), text(run.text(step))]
        else:
            segments = [text(run.text(step))]
        await self.qq.send_private_message(CADRE, segments, nickname="郑华")
        return await said_on_qq(self.qq, before, lambda s: s.user_id == CADRE, run, step)

    async def receive(self, step: Step, run: Run) -> str:
        # Held: no push on the official bot. The cadre was told so, and the case says 待送达.
        assert "1 人待送达" in run.replies["cadre answers"]
        assert self.openapi.sent[-1][1]["content"] != step.expect[0]
        # The youth's next message (我的问题) shows it waiting, then brings it.
        said = await self.youth(Step("我的问题", "youth", "我的问题"), run)
        assert "待送达" in said, said
        return said


async def test_the_script_on_the_official_qq_bot(
    runtime: Runtime, platform: Platform, openapi: FakeOpenAPI, qq: OneBotPeer
) -> None:
    driver = OfficialQQ(platform, openapi, qq)
    run = await play(driver)
    assert driver.notice is not None and "社区团委周末" in driver.notice.text
    # Delivered once: the next message carries it no more.
    again = await driver.youth(Step("again", "youth", "我的问题"), run)
    assert "团干部回复" not in again
    assert openapi.unauthorised == 0

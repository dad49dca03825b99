"""The scripted conversation (tests/parity/script.py) on OneBot v11 QQ: the real bot
(`python -m bot`, tests/parity/conftest.py) over a real reverse WebSocket.

The youth @s the bot in group 40001 (东湖社区团支部) and gives a sign-up's fields in private chat,
where the bot asks for them; 李明 (QQ 10001), that org's on-duty cadre, gets the case in private
chat and quotes it with the answer, which comes back to the group quoting the question and
@-ing the youth; he publishes the activity in private chat, and it is announced in group 40001.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.bench.e2e import BotProcess
from bot.bench.onebot_peer import OneBotPeer, SentMessage, at, reply, text
from tests.onebot import STARTUP_TIMEOUT
from tests.parity.script import GROUP_SCRIPT, INTEREST_GROUP, PROPOSAL, Run, Step, play
from tests.parity.setup import said_on_qq

GROUP = 40001
CADRE = 10001
YOUTH = 1_630_000_001
SELF_ID = 2_900_000_003


@pytest_asyncio.fixture
async def peer(script_bot: BotProcess) -> AsyncIterator[OneBotPeer]:
    """A OneBot implementation in group 40001, logged in as the bot's QQ account."""
    connection = await script_bot.connect_peer(
        self_id=SELF_ID, timeout=STARTUP_TIMEOUT, groups=[GROUP]
    )
    yield connection
    await connection.close()


def to_youth(s: SentMessage) -> bool:
    in_group = s.group_id == GROUP and str(YOUTH) in s.at_targets
    return in_group or (s.message_type == "private" and s.user_id == YOUTH)


def to_cadre(s: SentMessage) -> bool:
    return s.message_type == "private" and s.user_id == CADRE


class OneBotQQ:
    """The driver: the youth @s the bot in the group (private steps in private chat), the
    cadre writes in private chat and answers by quoting the notification."""

    def __init__(self, peer: OneBotPeer) -> None:
        self.peer = peer
        self.answered_at = 0
        self.asked: dict[str, int] = {}

    async def youth(self, step: Step, run: Run) -> str:
        before = len(self.peer.sent)
        said = run.text(step)
        if step.private:
            await self.peer.send_private_message(YOUTH, [text(said)], nickname="小青年")
        else:
            segments = [at(self.peer.self_id), text(" " + said)]
            self.asked[step.name] = await self.peer.send_group_message(
                GROUP, YOUTH, segments, nickname="小青年"
            )
        return await said_on_qq(self.peer, before, to_youth, run, step)

    async def cadre(self, step: Step, run: Run) -> str:
        before = len(self.peer.sent)
        if step.kind == "answer":  # QQ: quote the case notification with the answer
            case = run.values["case"]
            self.notice = await self.peer.wait_sent(
                lambda s: to_cadre(s) and f"【新问题 #{case}】" in s.text, timeout=8.0
            )
            segments = [reply(self.notice.message_id), text(run.text(step))]
            self.answered_at = before
        else:
            segments = [text(run.text(step))]
        await self.peer.send_private_message(CADRE, segments, nickname="李明")
        return await said_on_qq(self.peer, before, to_cadre, run, step)

    async def receive(self, step: Step, run: Run) -> str:
        # Pushed: in the group, quoting the youth's question and @-ing them.
        asked = self.asked["ask the unanswerable"]
        said = await said_on_qq(
            self.peer, self.answered_at, lambda s: to_youth(s) and s.reply_to == asked, run, step
        )
        return said


async def test_the_script_on_onebot_qq(peer: OneBotPeer) -> None:
    driver = OneBotQQ(peer)
    run = await play(driver)
    assert "东湖社区团支部 · 群 40001" in driver.notice.text
    # Fields are asked in private chat, never in the group.
    assert not any(
        s.group_id == GROUP and ("真实姓名" in s.text or "手机号" in s.text) for s in peer.sent
    )
    # The activity is announced in group 40001 (the outbox, one message a group).
    announced = await peer.wait_sent(
        lambda s: s.group_id == GROUP and f"【活动 #{run.values['activity']}】" in s.text,
        timeout=15.0,
    )
    assert "周末读书分享会" in announced.text


async def test_interest_groups_on_onebot_qq(peer: OneBotPeer) -> None:
    """兴趣小组 (GROUP_SCRIPT) in private chat; the vote's notice reaches the member privately
    through the real bot's outbox."""
    await play(OneBotQQ(peer), GROUP_SCRIPT)

    def notice(s: SentMessage) -> bool:
        return (
            s.message_type == "private"
            and s.user_id == YOUTH
            and s.text.startswith(f"【{INTEREST_GROUP}兴趣小组 活动投票】")
            and "发送“投票 编号”投票" in s.text
        )

    found = next((s for s in peer.sent if notice(s)), None)
    found = found or await peer.wait_sent(notice, timeout=15.0)
    assert PROPOSAL in found.text

"""The case loop against the real bot (`python -m bot`) over a real OneBot v11 reverse WebSocket.

The bot runs with the repository's faq_data and its demo grid: group 40001 belongs to
东湖社区团支部, whose on-duty cadre is 李明 (QQ 10001). A youth's question the FAQ can't answer
reaches 李明 as a private message; 李明 quotes it with the answer (the adapter looks the quoted
message up with get_msg, which the peer answers with the bot as sender); the answer comes back
to group 40001 quoting the youth's question and @-ing the youth.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from bot.bench.e2e import BotProcess
from bot.bench.onebot_peer import OneBotPeer, SentMessage, at, reply, text
from tests.onebot import squash

STEP_TIMEOUT = 6.0
GROUP = 40001
CADRE = 10001
YOUTH = 1_620_000_001
QUESTION = "社区团委周末组织的读书会在几楼"
"""League business that nothing in the bundled FAQ answers, and no expert topic's keyword
occurs in it."""
ANSWER = "周末团支部组织观看《长津湖》，欢迎报名。"


async def _wait(peer: OneBotPeer, what: str, predicate, bot_process: BotProcess) -> SentMessage:
    try:
        return await peer.wait_sent(predicate, timeout=STEP_TIMEOUT)
    except TimeoutError:
        sent = "\n".join(f"{s.action} {s.params}" for s in peer.sent)
        pytest.fail(
            f"no {what} within {STEP_TIMEOUT} s; the bot sent:\n{sent}\n"
            f"bot log:\n{bot_process.log_tail()}"
        )


async def test_cadre_quotes_the_notification_and_the_youth_gets_the_answer(
    peer: OneBotPeer, bot_process: BotProcess
) -> None:
    # 1. The youth @s the bot in group 40001 with a question the FAQ can't answer.
    question_id = await peer.send_group_message(
        GROUP, YOUTH, [at(peer.self_id), text(" " + QUESTION)], nickname="小青年"
    )
    told = await _wait(peer, "reply to the youth", lambda s: s.reply_to == question_id, bot_process)
    assert told.group_id == GROUP
    assert told.at_targets == [str(YOUTH)]
    case = re.search(r"问题编号 #(\d+)", told.text)
    assert case is not None, told.text

    # 2. The cadre 李明 gets a private message with the case number and the question.
    notice = await _wait(
        peer,
        "notification to the cadre",
        lambda s: s.message_type == "private" and s.user_id == CADRE,
        bot_process,
    )
    assert f"#{case.group(1)}" in notice.text
    assert QUESTION in notice.text
    assert "东湖社区团支部 · 群 40001" in notice.text
    assert "小**" in notice.text and str(YOUTH) not in notice.text, "never the youth's QQ number"
    assert [seg["type"] for seg in notice.segments] == ["text"]

    # 3. 李明 quotes that private message with the answer. A person takes seconds; the bot
    # stores the notification's message id just after the peer has confirmed the send.
    await asyncio.sleep(0.5)
    await peer.send_private_message(
        CADRE, [reply(notice.message_id), text(ANSWER)], nickname="李明"
    )

    # 4. The answer arrives in group 40001, quoting the youth's question and @-ing the youth.
    delivered = await _wait(
        peer,
        "answer in the group",
        lambda s: s.group_id == GROUP and s.reply_to == question_id and ANSWER in s.text,
        bot_process,
    )
    assert [seg["type"] for seg in delivered.segments] == ["reply", "at", "text"]
    assert delivered.at_targets == [str(YOUTH)]
    assert "团干部回复" in delivered.text
    assert squash(ANSWER) in squash(delivered.text)

    # 5. And 李明 is told it went out.
    confirmed = await _wait(
        peer,
        "confirmation to the cadre",
        lambda s: s.message_type == "private" and s.user_id == CADRE and "已回复" in s.text,
        bot_process,
    )
    assert confirmed.text == f"已回复 #{case.group(1)}，答案已送达 1 人。"
    assert confirmed.reply_to is None


async def test_a_cry_for_help_gets_12355_first_and_a_cadre_is_alerted_with_the_risk(
    peer: OneBotPeer, bot_process: BotProcess
) -> None:
    """Over the wire, in group 40001: the first reply names 12355 and says it is a bot; then
    李明 gets the alert with the urgent mark, the risk level and the reason."""
    youth = YOUTH + 1
    crisis = "我爸喝醉了就拿皮带抽我"
    asked = await peer.send_group_message(
        GROUP, youth, [at(peer.self_id), text(" " + crisis)], nickname="小青年"
    )
    first = await _wait(peer, "reply to the youth", lambda s: s.reply_to == asked, bot_process)
    assert first.group_id == GROUP
    assert "12355" in first.text and "机器人" in first.text
    assert crisis not in first.text, "the group is not told what the youth wrote"
    alert = await _wait(
        peer,
        "alert to the cadre",
        lambda s: s.message_type == "private" and s.user_id == CADRE and crisis in s.text,
        bot_process,
    )
    assert "【紧急·危险】" in alert.text
    assert "风险：2 级（危险）" in alert.text and "原因：家人打人" in alert.text
    assert peer.sent.index(first) < peer.sent.index(alert), "the hotline goes out first"

"""The real bot (`python -m bot`) driven over a real OneBot v11 reverse WebSocket.

nonebug skips the adapter's own event handling (token check, `to_me` from a leading @, JSON
parsing), so these tests start the bot as a subprocess and talk to it the way NapCat would.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot.bench.e2e import BotProcess, load_faq_entries
from bot.bench.onebot_peer import OneBotPeer, PeerRejected, SentMessage, at, text
from tests.onebot import SELF_ID, squash

REPLY_TIMEOUT = 8.0
QUIET_PERIOD = 1.5
"""How long to keep listening for a second (duplicate) reply."""

_ids = itertools.count(1)


def _fresh_ids() -> tuple[int, int]:
    """A group and user no other test uses, so rate limits and sessions never interfere."""
    n = next(_ids)
    return 810_000_000 + n, 1_610_000_000 + n


async def _ask(peer: OneBotPeer, question: str) -> tuple[int, int, int, SentMessage]:
    group_id, user_id = _fresh_ids()
    message_id = await peer.send_group_message(
        group_id, user_id, [at(peer.self_id), text(" " + question)]
    )
    answer = await peer.wait_reply(message_id, timeout=REPLY_TIMEOUT)
    return group_id, user_id, message_id, answer


def _known_entry():
    entries = load_faq_entries()
    assert entries, "the bundled faq_data has no entries"
    return next((e for e in entries if e.id == "fee-how-to-pay"), entries[0])


async def test_faq_question_in_group_gets_quoted_answer(peer: OneBotPeer) -> None:
    entry = _known_entry()
    group_id, user_id, message_id, answer = await _ask(peer, entry.question)

    assert answer.group_id == group_id
    segments = answer.segments
    assert segments[0] == {"type": "reply", "data": {"id": str(message_id)}}
    assert segments[1]["type"] == "at"
    assert str(segments[1]["data"]["qq"]) == str(user_id)
    assert squash(entry.answer) in squash(answer.text)


async def test_wrong_access_token_is_refused(bot_process: BotProcess) -> None:
    for token in ("wrong-token", None):
        intruder = OneBotPeer(bot_process.ws_url, self_id=SELF_ID + 1, token=token)
        with pytest.raises(PeerRejected) as refused:
            await intruder.connect(open_timeout=5)
        assert refused.value.status == 403
        await intruder.close()


@pytest.mark.parametrize(
    "question",
    [
        "[CQ:at,qq=all] 团费怎么交？",
        "[CQ:at,qq=all] 大家快来看这个",
        "&#91;CQ:at,qq=all&#93; 怎么入团",
    ],
)
async def test_typed_cq_code_never_becomes_an_at_all(peer: OneBotPeer, question: str) -> None:
    before = len(peer.sent)
    _, user_id, _, _ = await _ask(peer, question)
    await asyncio.sleep(0.3)  # anything else the bot sends about this question (e.g. to a cadre)

    for sent in peer.sent[before:]:
        for seg in sent.segments:
            assert seg["type"] in {"text", "reply", "at"}, sent
            if seg["type"] == "at":
                assert str(seg["data"]["qq"]) == str(user_id), sent
        assert "all" not in sent.at_targets


async def test_same_event_delivered_twice_is_answered_once(peer: OneBotPeer) -> None:
    group_id, user_id = _fresh_ids()
    segments = [at(peer.self_id), text(" " + _known_entry().question)]
    message_id = await peer.send_group_message(group_id, user_id, segments)
    # A platform retry: the same message id again, at once and after the answer went out.
    await peer.send_group_message(group_id, user_id, segments, message_id=message_id)
    await peer.wait_reply(message_id, timeout=REPLY_TIMEOUT)
    await peer.send_group_message(group_id, user_id, segments, message_id=message_id)
    await asyncio.sleep(QUIET_PERIOD)

    assert len(peer.replies_to(message_id)) == 1
    assert [s for s in peer.sent if s.group_id == group_id] == peer.replies_to(message_id)


async def test_private_question_is_answered_in_private(peer: OneBotPeer) -> None:
    entry = _known_entry()
    _, user_id = _fresh_ids()
    await peer.send_private_message(user_id, [text(entry.question)])
    answer = await peer.wait_sent(
        lambda s: s.message_type == "private" and s.user_id == user_id, timeout=REPLY_TIMEOUT
    )

    assert answer.at_targets == []
    assert squash(entry.answer) in squash(answer.text)

"""Malformed frames and unstorable characters over the real reverse WebSocket.

Upstream's receive loop closed the connection on the first frame that was not JSON; a JSON
`\\u0000` or a lone surrogate in a message was lost in the database. Both are sent here the way a
misbehaving OneBot implementation would, to the real bot process.
"""

from __future__ import annotations

import itertools
import json

from bot.bench.onebot_peer import OneBotPeer, at, text
from tests.onebot import squash
from tests.onebot.test_qa_ws import REPLY_TIMEOUT, _known_entry

_ids = itertools.count(1)

MALFORMED = [
    "{not json",
    '{"post_type": "message", "message": [',
    b"\xff\xfe\x00binary",
    "[" * 50_000,
    "",
]


def _fresh_ids() -> tuple[int, int]:
    n = next(_ids)
    return 820_000_000 + n, 1_620_000_000 + n


async def _ask_raw(peer: OneBotPeer, question: str, **sender: str) -> int:
    """Post a group question as escaped JSON (`\\u0000`, `\\ud800` as an implementation sends
    them); returns its message id."""
    group_id, user_id = _fresh_ids()
    event = peer.group_message_event(
        group_id, user_id, [at(peer.self_id), text(" " + question)], **sender
    )
    await peer.send_raw(json.dumps(event, ensure_ascii=True))
    return int(event["message_id"])


async def test_malformed_frames_are_skipped_and_the_connection_kept(peer: OneBotPeer) -> None:
    for frame in MALFORMED:
        await peer.send_raw(frame)
    entry = _known_entry()

    message_id = await _ask_raw(peer, entry.question)
    answer = await peer.wait_reply(message_id, timeout=REPLY_TIMEOUT)

    assert squash(entry.answer) in squash(answer.text)
    assert not peer.closed.is_set()


async def test_nul_and_lone_surrogates_on_the_wire_are_answered(peer: OneBotPeer) -> None:
    entry = _known_entry()
    # NUL inside the question, a lone surrogate in the nickname and the group card.
    question = entry.question[:2] + "\u0000" + entry.question[2:]
    message_id = await _ask_raw(peer, question, nickname="小\ud800青", card="\udfff")
    answer = await peer.wait_reply(message_id, timeout=REPLY_TIMEOUT)
    assert squash(entry.answer) in squash(answer.text)

    lone = await _ask_raw(peer, "\ud800")
    prompt = await peer.wait_reply(lone, timeout=REPLY_TIMEOUT)
    assert "文字" in prompt.text

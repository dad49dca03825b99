"""Event factories for OneBot v11 messages, shared by the plugin tests."""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timedelta, timezone

from nonebot.adapters.onebot.v11 import (
    GroupMessageEvent,
    Message,
    MessageSegment,
    PrivateMessageEvent,
)
from nonebot.adapters.onebot.v11.event import Reply, Sender

SELF_ID = "2000"


class Clock:
    """A clock the test moves by hand (timezone-aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


_ids = itertools.count(1_000_000 + int(time.time()) % 1_000_000 * 10)


def next_message_id() -> int:
    """A message id no other test event uses."""
    return next(_ids)


def group_message(
    text: str | Message,
    *,
    user_id: int = 30001,
    group_id: int = 40001,
    to_me: bool = True,
    message_id: int | None = None,
    reply: Reply | None = None,
    role: str = "member",
) -> GroupMessageEvent:
    """A group message as the adapter hands it over (the @ of the bot already stripped)."""
    message = text if isinstance(text, Message) else Message(MessageSegment.text(text))
    return GroupMessageEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="message",
        sub_type="normal",
        user_id=user_id,
        message_type="group",
        group_id=group_id,
        message_id=message_id or next_message_id(),
        message=message,
        original_message=message,
        raw_message=str(message),
        font=0,
        sender=Sender(user_id=user_id, nickname="小青", card="", role=role),
        to_me=to_me,
        reply=reply,
    )


def private_message(
    text: str, *, user_id: int = 30001, message_id: int | None = None, reply: Reply | None = None
) -> PrivateMessageEvent:
    """A private message to the bot."""
    message = Message(MessageSegment.text(text))
    return PrivateMessageEvent(
        time=int(time.time()),
        self_id=int(SELF_ID),
        post_type="message",
        sub_type="friend",
        user_id=user_id,
        message_type="private",
        message_id=message_id or next_message_id(),
        message=message,
        original_message=message,
        raw_message=str(message),
        font=0,
        sender=Sender(user_id=user_id, nickname="小青"),
        to_me=True,
        reply=reply,
    )


def bot_reply(message_id: int, text: str = "") -> Reply:
    """The `reply` the adapter attaches when a youth quotes one of the bot's messages."""
    return Reply(
        time=int(time.time()),
        message_type="group",
        message_id=message_id,
        real_id=message_id,
        sender=Sender(user_id=int(SELF_ID), nickname="青声"),
        message=Message(MessageSegment.text(text)),
    )


class TextWith:
    """Equals a OneBot message made of exactly one text segment that contains every part.

    For messages whose exact wording is tested elsewhere (e.g. a cadre's notification): it still
    proves the message is pure text (no CQ codes, no @) and carries what matters.
    """

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and len(other) == 1
            and other[0].type == "text"
            and all(part in other[0].data["text"] for part in self.parts)
        )

    def __repr__(self) -> str:
        return f"TextWith{self.parts!r}"

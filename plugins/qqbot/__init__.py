"""The official QQ bot API (QQ 开放平台) as a surface of the one conversation (bot.chat).

A group @ message or a C2C message becomes a `Message` (platform "qqbot", openids); the
conversation's bubbles go out as passive replies to it: within the 5 minutes after it, with
msg_seq 1, 2, … and at most 5 replies (what comes after the fifth is joined into it). The bot
cannot message anyone unprompted, so answers from people wait (platform "qqbot" is a
`PullOnlyChannel`) and go out with the reply when that group, or that user in C2C, next
messages the bot. Nothing here decides what to say."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from nonebot import on_message
from nonebot.adapters.qq import (
    ActionFailed,
    Bot,
    C2CMessageCreateEvent,
    GroupAtMessageCreateEvent,
    NetworkError,
)
from nonebot.plugin import PluginMetadata

from bot.chat.conversation import Bubble
from bot.chat.conversation import Message as ChatMessage
from bot.chat.features import conversation
from bot.delivery.channel import SendError
from bot.qqbot.adapter import PLATFORM
from bot.qqbot.settings import QQBotSettings
from bot.runtime import get_runtime

__plugin_meta__ = PluginMetadata(
    name="青声（QQ 官方机器人）",
    description="在群里 @ 青声或私聊青声提问；团干部的回复会在下次有人 @ 青声时一并送达。",
    usage="@青声 怎么交团费\n我的问题\n帮助",
    type="application",
    config=QQBotSettings,
    supported_adapters={"~qq"},
)

log = logging.getLogger(__name__)

MAX_REPLIES = 5
"""Passive replies the platform accepts per message."""
REPLY_WINDOW_SECONDS = 300
"""How long after a message the platform accepts passive replies to it."""

chat = on_message(priority=50, block=False)


def to_message(bot: Bot, event: GroupAtMessageCreateEvent | C2CMessageCreateEvent) -> ChatMessage:
    """The platform-neutral form of a group @ or C2C message to `bot`."""
    text = event.get_message().extract_plain_text().strip()
    if isinstance(event, GroupAtMessageCreateEvent):
        return ChatMessage(
            platform=PLATFORM,
            sender=event.author.member_openid,
            text=text,
            message_id=event.id,
            account=bot.self_id,
            chat=event.group_openid,
            to_me=True,
            group_manager=event.author.member_role in ("admin", "owner"),
            can_quote=False,
            reaches_privately=False,
        )
    return ChatMessage(
        platform=PLATFORM,
        sender=event.author.user_openid,
        text=text,
        message_id=event.id,
        account=bot.self_id,
        to_me=True,
        can_quote=False,
    )


def render(bubble: Bubble) -> str:
    """A bubble as the text of a passive reply (the platform quotes nothing and @s by itself;
    numbered choices are already in the text; links are shown as their text; an image is left
    out, since sending one needs the media upload API: the text says it all)."""
    return bubble.text


def sent_at(event: GroupAtMessageCreateEvent | C2CMessageCreateEvent) -> datetime | None:
    """When the youth sent it, as the platform says (ISO 8601), if it says."""
    try:
        moment = datetime.fromisoformat(event.timestamp)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class PassiveReplies:
    """The replies to one message: msg_seq 1…5 within its window; a bubble past the fourth
    waits, and all that wait go out joined as the fifth when the conversation is done."""

    def __init__(self, bot: Bot, event: GroupAtMessageCreateEvent | C2CMessageCreateEvent) -> None:
        self.bot = bot
        self.event = event
        self.seq = 0
        self.waiting: list[str] = []
        self.at = sent_at(event)

    def open(self) -> bool:
        if self.at is None:
            return True
        age = (datetime.now(timezone.utc) - self.at).total_seconds()
        return age <= REPLY_WINDOW_SECONDS

    async def send(self, bubble: Bubble) -> str | None:
        if bubble.private and isinstance(self.event, GroupAtMessageCreateEvent):
            # No way to message a group member privately without their own message to reply to.
            raise SendError("qqbot cannot message a group member privately")
        if self.seq >= MAX_REPLIES - 1:
            self.waiting.append(render(bubble))
            return None
        return await self._post(render(bubble))

    async def flush(self) -> None:
        if self.waiting:
            text, self.waiting = "\n\n".join(self.waiting), []
            await self._post(text)

    async def _post(self, text: str) -> str | None:
        if self.seq >= MAX_REPLIES or not self.open():
            log.warning("qqbot: reply to %s dropped: window or reply limit passed", self.event.id)
            raise SendError("passive reply window closed")
        self.seq += 1
        try:
            if isinstance(self.event, GroupAtMessageCreateEvent):
                result = await self.bot.send_to_group(
                    self.event.group_openid, text, msg_id=self.event.id, msg_seq=self.seq
                )
            else:
                result = await self.bot.send_to_c2c(
                    self.event.author.user_openid, text, msg_id=self.event.id, msg_seq=self.seq
                )
        except (ActionFailed, NetworkError) as exc:
            raise SendError(str(exc)) from exc
        message_id = getattr(result, "id", None)
        return str(message_id) if message_id else None


@chat.handle()
async def handle_message(
    bot: Bot, event: GroupAtMessageCreateEvent | C2CMessageCreateEvent
) -> None:
    """Hand the message to the conversation and send what it says as passive replies."""
    runtime = get_runtime()
    replies = PassiveReplies(bot, event)
    try:
        await conversation(runtime).handle(to_message(bot, event), replies.send)
    finally:
        await replies.flush()

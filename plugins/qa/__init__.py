"""QQ (OneBot v11) as a surface of the one conversation (bot.chat): a group or private message
becomes a `Message`, the conversation's bubbles become OneBot segments. Questions, choices,
likes, 我的问题, the privacy, activity and cadre commands and /发布活动 are all in bot.chat and the
features' registered commands; nothing here decides what to say."""

from __future__ import annotations

import logging

import nonebot
from nonebot import on_message, require
from nonebot.adapters import Message as BaseMessage
from nonebot.adapters.onebot.v11 import (
    ActionFailed,
    Bot,
    GroupMessageEvent,
    Message,
    MessageEvent,
    MessageSegment,
    NetworkError,
)
from nonebot.plugin import PluginMetadata, inherit_supported_adapters

from bot.chat.conversation import Bubble, Quote
from bot.chat.conversation import Message as ChatMessage
from bot.chat.features import conversation
from bot.chat.settings import ChatSettings
from bot.delivery.channel import SendError
from bot.faq.service import ReloadReport
from bot.qa import admin_texts as texts
from bot.qa.model import Reply
from bot.runtime import get_runtime

require("plugins.delivery")
from plugins.delivery import tell_superusers  # noqa: E402 - after require(), as NoneBot asks

__plugin_meta__ = PluginMetadata(
    name="青声",
    description=(
        "在群里 @ 我或私聊我提问；回复序号选择“您是不是想问”；回复“赞”点赞；报名活动；"
        "团干部引用问题通知即可作答。发送“帮助”查看你能用的命令。"
    ),
    usage=(
        "@青声 怎么交团费\n我的问题\n活动 / 报名 编号 / 我的报名 / 取消报名 编号 / 签到 签到码\n"
        "我的数据 / 删除我的数据\n团干部：/待办 /答 编号 答案 /发布活动 …（发送“帮助”查看全部）"
    ),
    type="application",
    config=ChatSettings,
    supported_adapters=inherit_supported_adapters("plugins.delivery"),
)

log = logging.getLogger(__name__)
PLATFORM = "qq"
MANAGER_ROLES = frozenset({"admin", "owner"})

# One matcher, no rule: the cheapest NoneBot can dispatch; the conversation reads the message.
chat = on_message(priority=50, block=False)


def say(text: str) -> Message:
    """Plain text as a message that can never turn into CQ codes."""
    return Message(MessageSegment.text(text))


def plain_text(message: BaseMessage) -> str:
    """The text of a message; images, faces and @s of others are left out."""
    return "".join(seg.data.get("text", "") for seg in message if seg.type == "text").strip()


def to_message(bot: Bot, event: MessageEvent) -> ChatMessage:
    """The platform-neutral form of a OneBot message event received by `bot`'s account."""
    group_id = str(event.group_id) if isinstance(event, GroupMessageEvent) else None
    quote = None
    if event.reply is not None:
        quote = Quote(
            str(event.reply.message_id),
            event.reply.message.extract_plain_text(),
            from_bot=str(event.reply.sender.user_id) == str(event.self_id),
        )
    return ChatMessage(
        platform=PLATFORM,
        sender=str(event.user_id),
        text=plain_text(event.message),
        message_id=str(event.message_id),
        account=bot.self_id,
        chat=group_id,
        to_me=event.to_me,
        quote=quote,
        nickname=event.sender.card or event.sender.nickname or "",
        group_manager=group_id is not None and event.sender.role in MANAGER_ROLES,
    )


def render_bubble(bubble: Bubble) -> Message:
    """A bubble as OneBot segments: the quote and the @ first, then its image (sent as base64,
    with its caption in place of the text), then the text as one text segment, so nothing in
    it can ever become a CQ code or an @."""
    segments = []
    if bubble.quote is not None:
        segments.append(MessageSegment.reply(int(bubble.quote)))
    if bubble.at is not None:
        segments.append(MessageSegment.at(bubble.at))
    if bubble.image is not None:
        image = bubble.image
        return Message(
            [*segments, MessageSegment.image(image.data), MessageSegment.text(image.caption)]
        )
    text = " " + bubble.text if segments else bubble.text
    return Message([*segments, MessageSegment.text(text)])


def render(event: MessageEvent, reply: Reply) -> Message:
    """A Q&A reply to `event` as OneBot segments (quoted with an @ in a group)."""
    if isinstance(event, GroupMessageEvent):
        bubble = Bubble(reply.text, quote=str(event.message_id), at=str(event.user_id))
        return render_bubble(bubble)
    return say(reply.text)


@chat.handle()
async def handle_message(bot: Bot, event: MessageEvent) -> None:
    """Hand the message to the conversation and send what it says."""
    runtime = get_runtime()
    if str(event.user_id) in (bot.self_id, *runtime.settings.ignored_users):
        return

    async def send(bubble: Bubble) -> str | None:
        if bubble.private:
            try:
                await bot.send_private_msg(user_id=event.user_id, message=say(bubble.text))
            except (ActionFailed, NetworkError) as exc:
                raise SendError(str(exc)) from exc
            return None
        result = await bot.send(event, render_bubble(bubble))
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return str(message_id) if message_id is not None else None

    await conversation(runtime).handle(to_message(bot, event), send)


async def notify_admins(report: ReloadReport, bot: Bot | None = None) -> None:
    """Tell superusers in private chat when a (re)load found broken files, each through a QQ
    account they are a friend of (through `bot`'s if it is connected)."""
    if report.ok:
        return
    await tell_superusers(texts.reload_report(report), bot.self_id if bot is not None else None)


driver = nonebot.get_driver()


@driver.on_startup
async def _listen_for_reloads() -> None:
    get_runtime().faq.add_listener(notify_admins)


@driver.on_bot_connect
async def _report_broken_files_at_start(bot: Bot) -> None:
    # The first load ran before any QQ account was connected to hear about it.
    report = get_runtime().faq.last_report
    if report is not None:
        await notify_admins(report, bot)

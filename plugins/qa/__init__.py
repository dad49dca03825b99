"""Q&A in QQ groups and private chat: questions, numbered choices, likes, FAQ reload."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import nonebot
from nonebot import on_message
from nonebot.adapters import Message as BaseMessage
from nonebot.adapters.onebot.v11 import (
    Bot,
    GroupMessageEvent,
    Message,
    MessageEvent,
    MessageSegment,
)
from nonebot.adapters.onebot.v11.permission import GROUP_ADMIN, GROUP_OWNER
from nonebot.permission import SUPERUSER
from nonebot.plugin import PluginMetadata

from bot.delivery.channel import tell_each
from bot.faq.service import ReloadReport
from bot.privacy.commands import PrivacyCommands
from bot.qa.mine import MY_QUESTIONS_WORDS
from bot.qa.mine import my_questions as shared_my_questions
from bot.qa.model import Incoming, Reply
from bot.runtime import get_runtime
from bot.storage.inbound import claim
from plugins.qa import texts

__plugin_meta__ = PluginMetadata(
    name="青声答疑",
    description="在群里 @ 我或私聊我提问；回复序号选择“您是不是想问”；回复“赞”点赞。",
    usage=(
        "@青声 怎么交团费\n我的问题\n我的数据 / 删除我的数据\n/重载（管理员）\n"
        "/自动答疑 开|关（群管理员）"
    ),
)

log = logging.getLogger(__name__)
PLATFORM = "qq"

MY_QUESTIONS = MY_QUESTIONS_WORDS
GROUP_MANAGER = SUPERUSER | GROUP_ADMIN | GROUP_OWNER


class Commands:
    """Slash commands read from a message's text: a COMMAND_START, then the longest name.

    Plugins use this in one cheap rule each instead of NoneBot's `on_command`: NoneBot checks
    every matcher for every message, and each `on_command` check costs more than answering from
    the FAQ (about 1.5 ms against 0.3 ms for a rule on the event alone).
    """

    def __init__(self, *names: str) -> None:
        self.names = tuple(sorted(names, key=len, reverse=True))

    def parse(self, message: BaseMessage) -> tuple[str, str] | None:
        """`(name, arguments)` when the message is one of these commands, else None."""
        text = plain_text(message)
        starts = sorted(nonebot.get_driver().config.command_start, key=len, reverse=True)
        for start in starts:
            if not text.startswith(start):
                continue
            rest = text[len(start) :]
            for name in self.names:
                if rest.startswith(name):
                    return name, rest[len(name) :].strip()
        return None


COMMANDS = Commands("重载", "自动答疑", *MY_QUESTIONS)
# One matcher, no rule: the cheapest NoneBot can dispatch. It is last (priority 50), so the
# other plugins' commands and quotes have been taken before a message reads as a question.
question = on_message(priority=50, block=False)


def say(text: str) -> Message:
    """Plain text as a message that can never turn into CQ codes."""
    return Message(MessageSegment.text(text))


def plain_text(message: BaseMessage) -> str:
    """The text of a message; images, faces and @s of others are left out."""
    return "".join(seg.data.get("text", "") for seg in message if seg.type == "text").strip()


def to_incoming(bot: Bot, event: MessageEvent) -> Incoming:
    """The platform-neutral form of a OneBot message event received by `bot`'s account."""
    group_id = str(event.group_id) if isinstance(event, GroupMessageEvent) else None
    return Incoming(
        platform=PLATFORM,
        message_id=str(event.message_id),
        user_id=str(event.user_id),
        text=plain_text(event.message),
        group_id=group_id,
        to_me=event.to_me,
        reply_to=str(event.reply.message_id) if event.reply else None,
        nickname=event.sender.card or event.sender.nickname or "",
        account=bot.self_id,
    )


async def first_delivery(bot: Bot, event: MessageEvent) -> bool:
    """Whether this is the first delivery of `event` to any process: every command the bot acts
    on asks first, so a re-delivered or twice-delivered event acts once (questions are claimed
    by the Q&A service, with the question they record)."""
    return await claim(get_runtime().db, to_incoming(bot, event).inbound_key)


def render_text(event: MessageEvent, text: str) -> Message:
    """A reply as OneBot segments: in a group it quotes the message and @s the sender.

    The text is one text segment, so nothing in it can ever become a CQ code or an @.
    """
    if isinstance(event, GroupMessageEvent):
        return Message(
            [
                MessageSegment.reply(event.message_id),
                MessageSegment.at(event.user_id),
                MessageSegment.text(" " + text),
            ]
        )
    return say(text)


def render(event: MessageEvent, reply: Reply) -> Message:
    """The Q&A reply as OneBot segments (see `render_text`)."""
    return render_text(event, reply.text)


@question.handle()
async def handle_question(bot: Bot, event: MessageEvent) -> None:
    """Run a Q&A command; or answer, offer choices, take feedback, or record the question for a
    person; then hand over answers from people that waited for this chat."""
    runtime = get_runtime()
    if str(event.user_id) in (bot.self_id, *runtime.settings.ignored_users):
        return
    incoming = to_incoming(bot, event)
    command = COMMANDS.parse(event.message)
    if command is not None:
        if await first_delivery(bot, event):
            if command[0] in MY_QUESTIONS:
                await _send_command(bot, event, incoming, lambda: my_questions(event))
            else:
                await bot.send(event, await run_command(bot, event, *command))
        return
    if event.to_me and PrivacyCommands.wants(incoming.text):
        # 我的数据 / 删除我的数据 / 确认删除: about the youth's data, never a question.
        if await first_delivery(bot, event):
            privacy = PrivacyCommands(runtime.privacy)
            in_group = incoming.group_id is not None
            await _send_command(
                bot,
                event,
                incoming,
                lambda: privacy.run(PLATFORM, incoming.user_id, incoming.text, in_group=in_group),
            )
        return
    if incoming.text in MY_QUESTIONS:
        if await first_delivery(bot, event):
            await _send_command(bot, event, incoming, lambda: my_questions(event))
    else:
        reply = await runtime.qa.handle(incoming)
        if reply is not None:
            message_id = None
            try:
                result = await bot.send(event, render(event, reply))
                message_id = result.get("message_id") if isinstance(result, dict) else None
            finally:
                # Cadres hear of a new case after the youth has their reply, even if it failed.
                await runtime.qa.sent(
                    PLATFORM,
                    str(message_id) if message_id is not None else None,
                    reply,
                    account=bot.self_id,
                )
    if event.to_me:
        await runtime.cases.release_held(PLATFORM, incoming.user_id, incoming.group_id)


async def _send_command(
    bot: Bot, event: MessageEvent, incoming: Incoming, run: Callable[[], Awaitable[str | None]]
) -> None:
    text = await get_runtime().qa.command(incoming, run)
    if text:
        await bot.send(event, render_text(event, text))


async def my_questions(event: MessageEvent) -> str:
    """The youth's latest questions and their status; in a group, only that group's."""
    group_id = str(event.group_id) if isinstance(event, GroupMessageEvent) else None
    return await shared_my_questions(get_runtime(), PLATFORM, str(event.user_id), group_id)


async def run_command(bot: Bot, event: MessageEvent, name: str, args: str) -> Message:
    """/重载 (superusers), /自动答疑 开|关 (group admins)."""
    if name == "重载":
        return say(await _reload(bot, event))
    return say(await _auto_ask(bot, event, args))


async def _reload(bot: Bot, event: MessageEvent) -> str:
    """Reload faq_data now and say how it went."""
    if not await SUPERUSER(bot, event):
        return texts.NOT_ADMIN
    return texts.reload_report(await get_runtime().faq.reload(reason="/重载"))


async def _auto_ask(bot: Bot, event: MessageEvent, choice: str) -> str:
    """Switch auto-ask (every message is a question) for this group."""
    if not isinstance(event, GroupMessageEvent):
        return texts.GROUP_ONLY
    if not await GROUP_MANAGER(bot, event):
        return texts.NOT_GROUP_ADMIN
    if choice not in ("开", "关", "on", "off"):
        return texts.AUTO_ASK_USAGE
    enabled = choice in ("开", "on")
    await get_runtime().qa.set_auto_ask(PLATFORM, str(event.group_id), enabled)
    return texts.AUTO_ASK_ON if enabled else texts.AUTO_ASK_OFF


async def notify_admins(report: ReloadReport, bot: Bot | None = None) -> None:
    """Tell superusers in private chat when a (re)load found broken files, each through a QQ
    account they are a friend of (through `bot`'s if it is connected)."""
    if report.ok:
        return
    channel = get_runtime().cases.channels.get(PLATFORM)
    if channel is not None:
        admins = sorted(nonebot.get_driver().config.superusers)
        account = bot.self_id if bot is not None else None
        await tell_each(channel, admins, texts.reload_report(report), account=account)


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

"""Activities in chat: organisers publish with a guided /发布活动 and manage with /活动状态 /修改活动
/取消活动 /导出; youths 报名, 取消报名, 我的报名, 签到, 活动, 本周活动."""

from __future__ import annotations

import logging
import re

import nonebot
from nonebot import on_message
from nonebot.adapters.onebot.v11 import (
    ActionFailed,
    Bot,
    GroupMessageEvent,
    Message,
    MessageEvent,
    NetworkError,
    PrivateMessageEvent,
)
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule

from bot.activities import texts
from bot.activities.commands import ActivityCommands, activity_in_quote
from bot.activities.publish import KIND as PUBLISH_KIND
from bot.activities.service import ActivityService
from bot.chat.dialogue import ChatKey
from bot.chat.speaker import Speaker, identify
from bot.runtime import get_runtime
from plugins.qa import (
    PLATFORM,
    Commands,
    first_delivery,
    plain_text,
    render_text,
    say,
    to_incoming,
)

__plugin_meta__ = PluginMetadata(
    name="青声活动",
    description="团干部发布活动、查看进度、导出报名表；青年报名、候补、签到。",
    usage=(
        "/发布活动（按提示填写）\n/活动状态 编号\n/修改活动 编号 字段 新内容\n/取消活动 编号 [原因]\n"
        "/导出 编号\n报名 编号（或引用活动通知回复“报名”）\n取消报名 编号\n我的报名\n签到 签到码\n"
        "活动 / 本周活动"
    ),
)

log = logging.getLogger(__name__)
YOUTH = re.compile(r"^/?(取消报名|我的报名|本周活动|近期活动|活动|报名|签到)\s*(.*)$", re.DOTALL)
ALWAYS = ("取消报名", "我的报名")
"""Words answered in a group even without an @ (they say what they want unambiguously)."""
WITH_ARGS = ("报名", "签到")
BARE = ("我的报名", "本周活动", "近期活动", "活动")
"""Answered without an @ when followed by a number."""


def service() -> ActivityService:
    """The activity service of this process."""
    return get_runtime().activities


def organiser_of(event: MessageEvent) -> Speaker:
    """Who is speaking, as an organiser: a grid person (by QQ number) and/or a superuser."""
    superusers = nonebot.get_driver().config.superusers
    return identify(get_runtime().grid.grid, PLATFORM, str(event.user_id), superusers)


def _group_of(event: MessageEvent) -> str | None:
    return str(event.group_id) if isinstance(event, GroupMessageEvent) else None


def _quoted_activity(event: MessageEvent) -> int | None:
    if event.reply is None or str(event.reply.sender.user_id) != str(event.self_id):
        return None
    return activity_in_quote(event.reply.message.extract_plain_text())


def _youth_command(event: MessageEvent) -> tuple[str, str] | None:
    match = YOUTH.match(plain_text(event.message))
    if match is None:
        return None
    word, args = match.group(1), match.group(2).strip()
    if args and (word in BARE or (not args[:1].isdigit() and args[:1] != "#")):
        return None  # 活动状态…, 报名表…: other words that start the same way
    if isinstance(event, PrivateMessageEvent) or event.to_me:
        return word, args
    if word in ALWAYS or (word in WITH_ARGS and args):
        return word, args
    if word == "报名" and not args and _quoted_activity(event) is not None:
        return word, args
    return None


async def _for_activities(event: MessageEvent) -> bool:
    return (
        _youth_command(event) is not None
        or MANAGE.parse(event.message) is not None
        or PUBLISH.parse(event.message) is not None
        or await _answers_a_field(event)
        or await _in_dialogue(event)
    )


async def _answers_a_field(event: MessageEvent) -> bool:
    if not isinstance(event, PrivateMessageEvent) or plain_text(event.message).startswith("/"):
        return False
    return await service().pending_field(PLATFORM, str(event.user_id)) is not None


MANAGE = Commands("活动状态", "修改活动", "取消活动", "导出")
PUBLISH = Commands("发布活动", "新建活动")
# One matcher with one cheap rule (see `plugins.qa.Commands`).
activities = on_message(rule=Rule(_for_activities), priority=4, block=True)


async def _tell_privately(bot: Bot, user_id: int, text: str) -> bool:
    try:
        await bot.send_private_msg(user_id=user_id, message=say(text))
    except (ActionFailed, NetworkError):
        log.warning("could not message user %s privately", str(user_id)[:2] + "***")
        return False
    return True


@activities.handle()
async def handle_activities(bot: Bot, event: MessageEvent) -> None:
    """报名 取消报名 我的报名 签到 活动 本周活动; /活动状态 /修改活动 /取消活动 /导出; or a private
    answer to a sign-up field. A youth command wins over the answer to a pending field. A
    re-delivered event does nothing (nor starts the dialogue again)."""
    if not await first_delivery(bot, event):
        await activities.finish()
    if PUBLISH.parse(event.message) is not None:
        await _start_publish(bot, event)
    if await _continue_dialogue(bot, event):
        return
    found = _youth_command(event)
    if found is None:
        managed = MANAGE.parse(event.message)
        if managed is not None:
            await activities.finish(render_text(event, await _manage(bot, event, *managed)))
        await activities.finish(await _field_reply(event))
    word, args = found
    # Counted like a question: a flood of 报名 or 活动 is told once, then met with silence.
    text = await get_runtime().qa.command(
        to_incoming(bot, event), lambda: _youth_reply(bot, event, word, args)
    )
    if text is None:
        await activities.finish()
    await activities.finish(render_text(event, text))


async def _youth_reply(bot: Bot, event: MessageEvent, word: str, args: str) -> str:
    """The reply to 报名 取消报名 我的报名 签到 活动 本周活动."""
    commands = ActivityCommands(service())
    user = str(event.user_id)
    group_id = _group_of(event)
    if word == "报名":
        reply = await commands.sign_up(
            PLATFORM,
            user,
            args,
            group_id,
            event.sender.card or event.sender.nickname or "",
            _quoted_activity(event),
        )
        text = reply.text
        if reply.private and not await _tell_privately(bot, event.user_id, reply.private):
            text = text.replace(texts.FIELDS_BY_PRIVATE, texts.FIELDS_PRIVATE_FAILED)
        return text
    if word == "取消报名":
        return await commands.cancel_signup(PLATFORM, user, args)
    if word == "我的报名":
        return await commands.my_signups(PLATFORM, user, private=group_id is None)
    if word == "签到":
        return await commands.check_in(PLATFORM, user, args)
    return await commands.upcoming(PLATFORM, group_id, week=word == "本周活动")


async def _field_reply(event: MessageEvent) -> Message | None:
    """Take a private answer to a field the organiser asked for (name, phone, school); the
    reply, if any."""
    text = await service().answer_field(PLATFORM, str(event.user_id), plain_text(event.message))
    return say(text) if text is not None else None


async def _manage(bot: Bot, event: MessageEvent, name: str, args: str) -> str:
    """/活动状态 /修改活动 /取消活动 /导出."""
    commands = ActivityCommands(service())
    organiser = organiser_of(event)
    if name == "活动状态":
        return await commands.status(organiser, args)
    if name == "修改活动":
        return await commands.edit(organiser, args)
    if name == "取消活动":
        return await commands.cancel(organiser, args)
    reply = await commands.export(organiser, args, in_group=isinstance(event, GroupMessageEvent))
    if reply.private:
        await _tell_privately(bot, event.user_id, reply.private)
    return reply.text


# ---- /发布活动: a guided dialogue, its state in the database (bot.activities.publish) ---------


def _dialogue_key(event: MessageEvent) -> ChatKey:
    return ChatKey(PLATFORM, _group_of(event) or "", str(event.user_id))


async def _in_dialogue(event: MessageEvent) -> bool:
    """Whether a dialogue waits for this person's next message here. Only grid people and
    superusers hold dialogues, so a youth's message costs no database look-up."""
    if not organiser_of(event).is_staff:
        return False
    return await get_runtime().dialogues.active(_dialogue_key(event))


async def _start_publish(bot: Bot, event: MessageEvent) -> None:
    organiser = organiser_of(event)
    if not organiser.is_staff:
        await activities.finish(render_text(event, texts.NOT_CADRE))
    replies = await get_runtime().dialogues.start(_dialogue_key(event), PUBLISH_KIND, organiser)
    await _say_all(bot, event, replies)


async def _continue_dialogue(bot: Bot, event: MessageEvent) -> bool:
    """Feed the message to the dialogue under way; False if there is none (a youth's
    message, which can have none, costs no look-up)."""
    organiser = organiser_of(event)
    if not organiser.is_staff:
        return False
    replies = await get_runtime().dialogues.answer(
        _dialogue_key(event), organiser, plain_text(event.message)
    )
    if replies is None:
        return False
    await _say_all(bot, event, replies)
    return True


async def _say_all(bot: Bot, event: MessageEvent, replies: list[str]) -> None:
    for text in replies:
        await bot.send(event, say(text))
    await activities.finish()

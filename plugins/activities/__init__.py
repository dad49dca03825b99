"""Activities in chat: organisers publish with a guided /发布活动 and manage with /活动状态 /修改活动
/取消活动 /导出; youths 报名, 取消报名, 我的报名, 签到, 活动, 本周活动."""

from __future__ import annotations

import logging
import re
from typing import cast

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
from nonebot.matcher import Matcher, current_bot, current_event
from nonebot.params import ArgPlainText
from nonebot.plugin import PluginMetadata
from nonebot.rule import Rule
from nonebot.typing import T_State

from bot.activities import texts
from bot.activities.commands import ActivityCommands, activity_in_quote
from bot.activities.service import (
    ActivityDraft,
    ActivityError,
    ActivityService,
    Organiser,
    parse_quota,
)
from bot.activities.when import parse_local
from bot.grid.model import Role
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
QUIT = ("退出", "算了", "/退出")
YOUTH = re.compile(r"^/?(取消报名|我的报名|本周活动|近期活动|活动|报名|签到)\s*(.*)$", re.DOTALL)
ALWAYS = ("取消报名", "我的报名")
"""Words answered in a group even without an @ (they say what they want unambiguously)."""
WITH_ARGS = ("报名", "签到")
BARE = ("我的报名", "本周活动", "近期活动", "活动")
"""Answered without an @ when followed by a number."""


def service() -> ActivityService:
    """The activity service of this process."""
    return get_runtime().activities


def organiser_of(event: MessageEvent) -> Organiser:
    """Who is speaking, as an organiser: a grid person (by QQ number) and/or a superuser."""
    account = str(event.user_id)
    person = get_runtime().grid.grid.person_by_account(PLATFORM, account)
    is_admin = account in nonebot.get_driver().config.superusers or (
        person is not None and person.role is Role.ADMIN
    )
    return Organiser(
        PLATFORM, account, person.id if person else None, person.orgs if person else (), is_admin
    )


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
    )


async def _answers_a_field(event: MessageEvent) -> bool:
    if not isinstance(event, PrivateMessageEvent) or plain_text(event.message).startswith("/"):
        return False
    return await service().pending_field(PLATFORM, str(event.user_id)) is not None


MANAGE = Commands("活动状态", "修改活动", "取消活动", "导出")
PUBLISH = Commands("发布活动", "新建活动")
# One matcher with one cheap rule (see `plugins.qa.Commands`). Its first handler answers
# everything but /发布活动, which goes on to the guided dialogue's handlers further down.
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
        return  # on to the guided dialogue
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


# ---- /发布活动: a guided dialogue --------------------------------------------------------------


async def _step(matcher: Matcher, value: str, limit: int = 500) -> str:
    """The answer to one step; quits on 退出, re-asks when empty or too long. A re-delivered
    answer is passed over in silence: the step waits for the next message."""
    await _once(matcher)
    value = value.strip()
    if value in QUIT:
        await matcher.finish(say(texts.DIALOGUE_QUIT))
    if not value:
        await matcher.reject(say(texts.EMPTY))
    if len(value) > limit:
        await matcher.reject(say(texts.TOO_LONG.format(limit=limit)))
    return value


async def _once(matcher: Matcher) -> None:
    bot, event = cast(Bot, current_bot.get()), cast(MessageEvent, current_event.get())
    if not await first_delivery(bot, event):
        await matcher.reject()


@activities.handle()
async def start_publish(matcher: Matcher, event: MessageEvent) -> None:
    """Only cadres and admins publish."""
    if not organiser_of(event).is_staff:
        await matcher.finish(render_text(event, texts.NOT_CADRE))


@activities.got("title", prompt=say(texts.ASK_TITLE))
async def got_title(matcher: Matcher, state: T_State, title: str = ArgPlainText()) -> None:
    state["draft_title"] = await _step(matcher, title, 60)


@activities.got("time", prompt=say(texts.ASK_TIME))
async def got_time(matcher: Matcher, state: T_State, text: str = ArgPlainText("time")) -> None:
    text = await _step(matcher, text)
    svc = service()
    moment = parse_local(text, svc.clock(), svc.zone)
    if moment is None:
        await matcher.reject(say(texts.BAD_TIME))
    if moment <= svc.clock():
        await matcher.reject(say(texts.TIME_PASSED))
    state["draft_time"] = moment


@activities.got("place", prompt=say(texts.ASK_PLACE))
async def got_place(matcher: Matcher, state: T_State, place: str = ArgPlainText()) -> None:
    state["draft_place"] = await _step(matcher, place, 100)


@activities.got("details", prompt=say(texts.ASK_DETAILS))
async def got_details(matcher: Matcher, state: T_State, details: str = ArgPlainText()) -> None:
    details = await _step(matcher, details, 800)
    state["draft_details"] = "" if details in ("无", "没有") else details


@activities.got("quota", prompt=say(texts.ASK_QUOTA))
async def got_quota(matcher: Matcher, state: T_State, quota: str = ArgPlainText()) -> None:
    quota = await _step(matcher, quota)
    try:
        state["draft_quota"] = parse_quota(quota)
    except ActivityError as exc:
        await matcher.reject(say(str(exc)))


@activities.got("deadline", prompt=say(texts.ASK_DEADLINE))
async def got_deadline(
    matcher: Matcher, state: T_State, text: str = ArgPlainText("deadline")
) -> None:
    text = await _step(matcher, text)
    if text in ("无", "不限", "没有"):
        state["draft_deadline"] = None
        await ask_targets(matcher)
        return
    svc = service()
    moment = parse_local(text, svc.clock(), svc.zone)
    if moment is None:
        await matcher.reject(say(texts.BAD_TIME))
    if moment <= svc.clock():
        await matcher.reject(say(texts.TIME_PASSED))
    if moment >= state["draft_time"]:
        await matcher.reject(say(texts.DEADLINE_AFTER_START))
    state["draft_deadline"] = moment
    await ask_targets(matcher)


async def ask_targets(matcher: Matcher) -> None:
    """The targets prompt names this grid's orgs and tags, so it is sent, not a fixed prompt."""
    svc = service()
    prompt = texts.ASK_TARGETS.format(tags="、".join(svc.tags()) or "无", orgs=svc.org_choices())
    await matcher.send(say(prompt))


@activities.got("targets")
async def got_targets(
    matcher: Matcher, state: T_State, text: str = ArgPlainText("targets")
) -> None:
    text = await _step(matcher, text)
    svc = service()
    try:
        targets = svc.parse_targets(text)
        if not svc.resolve(targets):
            raise ActivityError(texts.NO_GROUPS)
    except ActivityError as exc:
        await matcher.reject(say(str(exc)))
    state["draft_targets"] = targets


@activities.got("fields", prompt=say(texts.ASK_FIELDS))
async def got_fields(
    matcher: Matcher, event: MessageEvent, state: T_State, text: str = ArgPlainText("fields")
) -> None:
    text = await _step(matcher, text)
    fields: list[str] = []
    if text not in ("无", "不需要", "没有"):
        for word in re.split(r"[\s,，、]+", text):
            name = texts.FIELD_ALIASES.get(word)
            if name is None:
                await matcher.reject(say(texts.BAD_FIELDS.format(word=word)))
            if name not in fields:
                fields.append(name)
    draft = ActivityDraft(
        title=state["draft_title"],
        starts_at=state["draft_time"],
        place=state["draft_place"],
        details=state["draft_details"],
        quota=state["draft_quota"],
        signup_deadline=state["draft_deadline"],
        targets=state["draft_targets"],
        fields=fields,
    )
    try:
        activity = await service().create(organiser_of(event), draft)
    except ActivityError as exc:
        await matcher.finish(say(str(exc)))
    state["activity_id"] = activity.id
    await matcher.send(say(service().preview(activity)))


@activities.got("confirm", prompt=say(texts.ASK_CONFIRM))
async def got_confirm(
    matcher: Matcher, event: MessageEvent, state: T_State, text: str = ArgPlainText("confirm")
) -> None:
    await _once(matcher)
    svc = service()
    organiser = organiser_of(event)
    activity_id = state["activity_id"]
    text = text.strip()
    if text in ("取消", *QUIT):
        await svc.cancel(organiser, activity_id)
        await matcher.finish(say(texts.DIALOGUE_QUIT))
    when = None
    if text.startswith("定时"):
        when = parse_local(text.removeprefix("定时").strip(), svc.clock(), svc.zone)
        if when is None:
            await matcher.reject(say(texts.BAD_TIME))
        if when <= svc.clock():
            await matcher.reject(say(texts.TIME_PASSED))
    elif text not in ("确认", "确定", "发布"):
        await matcher.reject(say(texts.BAD_CONFIRM))
    activity, queued = await svc.schedule(organiser, activity_id, when)
    if when is None:
        reply = texts.ANNOUNCED.format(id=activity.id, count=queued, code=activity.checkin_code)
    else:
        reply = texts.SCHEDULED.format(
            id=activity.id, time=svc.show(when), count=len(activity.target_groups)
        )
    await matcher.finish(say(reply))

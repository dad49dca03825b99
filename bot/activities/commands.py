"""The activity commands as text in, text out, shared by every chat surface."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.activities import texts
from bot.activities.fields import ask_fields
from bot.activities.models import SignupStatus
from bot.activities.service import ActivityError, ActivityService
from bot.activities.when import week_end
from bot.chat.dialogue import ChatKey
from bot.chat.registry import Args, Command, InGroup, Who
from bot.chat.speaker import Speaker

if TYPE_CHECKING:
    from bot.chat.conversation import Bubble, Message, Turn

_NUMBER_AND_REST = re.compile(r"#?(\d+)(?:\s+(.*))?$", re.DOTALL)
_QUOTED_ACTIVITY = re.compile(r"【活动 #(\d+)】")


@dataclass(frozen=True, slots=True)
class Reply:
    """What to say where: `text` in the chat; `private` (if any) to the speaker in private chat."""

    text: str
    private: str | None = None
    fields: bool = False
    """Fields of the sign-up are missing: they are asked in private chat next."""


def activity_in_quote(text: str) -> int | None:
    """The activity number of a quoted announcement (【活动 #12】…), if it is one."""
    match = _QUOTED_ACTIVITY.search(text)
    return int(match.group(1)) if match else None


def _number(args: str, usage: str) -> tuple[int, str]:
    match = _NUMBER_AND_REST.match(args.strip())
    if match is None:
        raise ActivityError(usage)
    return int(match.group(1)), (match.group(2) or "").strip()


class ActivityCommands:
    """Youths: 报名 取消报名 我的报名 签到 活动 本周活动. Organisers: /活动状态 /修改活动 /取消活动 /导出."""

    def __init__(self, service: ActivityService) -> None:
        self.service = service

    async def sign_up(
        self,
        platform: str,
        user_id: str,
        args: str,
        group_id: str | None,
        nickname: str = "",
        quoted: int | None = None,
        reaches_privately: bool = True,
    ) -> Reply:
        """`报名 <编号>` or 报名 quoting an announcement; extra fields are asked in private.
        `reaches_privately`: False where the bot cannot message a group's sender privately
        (the official QQ bot): there a sign-up with fields is made in private chat only."""
        try:
            activity_id = quoted if quoted is not None and not args.strip() else None
            if activity_id is None:
                activity_id, _ = _number(args, texts.SIGNUP_USAGE)
            if group_id is not None and not reaches_privately:
                wanted = await self.service.get(activity_id)
                if wanted.fields:
                    return Reply(
                        texts.FIELDS_SIGN_UP_PRIVATELY.format(id=wanted.id, title=wanted.title)
                    )
            result = await self.service.sign_up(activity_id, platform, user_id, group_id, nickname)
        except ActivityError as exc:
            return Reply(str(exc))
        activity = result.activity
        show = self.service.show
        if result.already:
            status = texts.SIGNUP_STATUS[result.status]
            if result.rank:
                status += texts.WAITLIST_RANK.format(rank=result.rank)
            text = texts.ALREADY_SIGNED.format(id=activity.id, title=activity.title, status=status)
        elif result.status == SignupStatus.SIGNED.value:
            text = texts.SIGNED.format(
                id=activity.id,
                title=activity.title,
                time=show(activity.starts_at),
                place=activity.place or "另行通知",
            )
        else:
            text = texts.WAITLISTED.format(rank=result.rank, id=activity.id, title=activity.title)
        if not result.missing:
            return Reply(text)
        if group_id is None:
            return Reply(text, fields=True)
        return Reply(f"{text}{texts.FIELDS_BY_PRIVATE}", fields=True)

    async def cancel_signup(self, platform: str, user_id: str, args: str) -> str:
        """`取消报名 <编号>`."""
        try:
            activity_id, _ = _number(args, texts.CANCEL_SIGNUP_USAGE)
            activity = await self.service.cancel_signup(activity_id, platform, user_id)
        except ActivityError as exc:
            return str(exc)
        return texts.SIGNUP_CANCELLED.format(id=activity.id, title=activity.title)

    async def my_signups(self, platform: str, user_id: str) -> str:
        """`我的报名` (in private chat a field still missing is asked next: `ask_fields`)."""
        found = await self.service.my_signups(platform, user_id)
        if not found:
            return texts.MY_SIGNUPS_EMPTY
        lines = [texts.MY_SIGNUPS_HEADER]
        for activity, signup, rank in found:
            status = texts.SIGNUP_STATUS[signup.status]
            if rank:
                status += texts.WAITLIST_RANK.format(rank=rank)
            lines.append(
                texts.MY_SIGNUP_ITEM.format(
                    id=activity.id,
                    title=activity.title,
                    time=self.service.show(activity.starts_at),
                    status=status,
                    checked=texts.CHECKED if signup.checked_in_at else "",
                )
            )
        return "\n".join(lines)

    async def check_in(self, platform: str, user_id: str, args: str) -> str:
        """`签到 <码>`."""
        return await self.service.check_in(platform, user_id, args)

    async def upcoming(self, platform: str, group_id: str | None, week: bool) -> str:
        """`活动` / `本周活动`."""
        service = self.service
        until = week_end(service.clock(), service.zone) if week else None
        found = await service.upcoming(platform, group_id, until)
        if not found:
            return texts.WEEK_EMPTY if week else texts.UPCOMING_EMPTY
        lines = [texts.WEEK_HEADER if week else texts.UPCOMING_HEADER]
        for activity, signed in found[:10]:
            if activity.quota is None:
                left = texts.LEFT_ANY
            elif signed >= activity.quota:
                left = texts.LEFT_FULL
            else:
                left = texts.LEFT.format(left=activity.quota - signed)
            lines.append(
                texts.UPCOMING_ITEM.format(
                    id=activity.id,
                    title=activity.title,
                    time=service.show(activity.starts_at),
                    place=activity.place or "另行通知",
                    left=left,
                )
            )
        lines.append(texts.UPCOMING_FOOTER)
        return "\n".join(lines)

    async def status(self, organiser: Speaker, args: str) -> str:
        """`/活动状态 <编号>`."""
        try:
            activity_id, _ = _number(args, texts.STATUS_USAGE)
            return await self.service.status_text(organiser, activity_id)
        except ActivityError as exc:
            return str(exc)

    async def edit(self, organiser: Speaker, args: str) -> str:
        """`/修改活动 <编号> <字段> <新内容>`."""
        try:
            activity_id, rest = _number(args, texts.EDIT_USAGE)
            name, _, value = rest.partition(" ")
            if not name:
                raise ActivityError(texts.EDIT_USAGE)
            return await self.service.edit(organiser, activity_id, name, value.strip())
        except ActivityError as exc:
            return str(exc)

    async def cancel(self, organiser: Speaker, args: str) -> str:
        """`/取消活动 <编号> [原因]`."""
        try:
            activity_id, reason = _number(args, texts.CANCEL_USAGE)
            count = await self.service.cancel(organiser, activity_id, reason)
        except ActivityError as exc:
            return str(exc)
        return texts.CANCELLED.format(id=activity_id, count=count)

    async def export(self, organiser: Speaker, args: str, in_group: bool) -> Reply:
        """`/导出 <编号>`: the links go privately (a group only hears that they were sent)."""
        try:
            activity_id, _ = _number(args, texts.EXPORT_USAGE)
            token, count = await self.service.export(organiser, activity_id)
        except ActivityError as exc:
            return Reply(str(exc))
        hours = self.service.settings.export_ttl_hours
        links = texts.EXPORTED.format(
            id=activity_id,
            count=count,
            xlsx=self.service.export_url(token, "xlsx"),
            csv=self.service.export_url(token, "csv"),
            expiry=texts.EXPORT_EXPIRY.format(hours=hours) if hours > 0 else "",
        )
        if in_group:
            return Reply(texts.EXPORT_SENT_PRIVATELY, private=links)
        return Reply(links)


# ---- in the command registry: every surface runs these through bot.chat ----------------------

YOUTH_HELP = {
    "活动": "活动：近期可以报名的活动",
    "本周活动": "本周活动：本周的活动",
    "报名": "报名 编号：报名参加活动",
    "取消报名": "取消报名 编号：取消报名",
    "我的报名": "我的报名：查看报名和候补",
    "签到": "签到 签到码：活动现场签到",
}
MANAGE_HELP = {
    "发布活动": "发布活动：按提示发布一个活动",
    "活动状态": "活动状态 编号：报名和通知进度",
    "修改活动": "修改活动 编号 字段 新内容：修改活动",
    "取消活动": "取消活动 编号 [原因]：取消活动并通知报名者",
    "导出": "导出 编号：导出报名表（私聊发送）",
}


def quotes_an_activity(message: Message) -> bool:
    """Whether the message quotes one of the bot's activity announcements."""
    return _quoted(message) is not None


def _quoted(message: Message) -> int | None:
    quote = message.quote
    if quote is None or not quote.from_bot:
        return None
    return activity_in_quote(quote.text)


def commands() -> list[Command]:
    """The activity commands, for the command registry."""
    staff, refusal = Who.STAFF, texts.NOT_CADRE
    return [
        Command(
            "活动",
            _upcoming,
            YOUTH_HELP["活动"],
            aliases=("近期活动",),
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
        ),
        Command(
            "本周活动",
            _upcoming,
            YOUTH_HELP["本周活动"],
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
        ),
        Command(
            "报名",
            _sign_up,
            YOUTH_HELP["报名"],
            word=True,
            args=Args.NUMBER,
            in_group=InGroup.WITH_ARGS,
            quoted=quotes_an_activity,
            counted=True,
        ),
        Command(
            "取消报名",
            _cancel_signup,
            YOUTH_HELP["取消报名"],
            word=True,
            args=Args.NUMBER,
            in_group=InGroup.ALWAYS,
            counted=True,
        ),
        Command(
            "我的报名",
            _my_signups,
            YOUTH_HELP["我的报名"],
            word=True,
            args=Args.NONE,
            in_group=InGroup.ALWAYS,
            counted=True,
        ),
        Command(
            "签到",
            _check_in,
            YOUTH_HELP["签到"],
            word=True,
            args=Args.NUMBER,
            in_group=InGroup.WITH_ARGS,
            counted=True,
        ),
        Command(
            "发布活动",
            _publish,
            MANAGE_HELP["发布活动"],
            aliases=("新建活动",),
            who=staff,
            refusal=refusal,
        ),
        *(
            Command(name, _manage, MANAGE_HELP[name], who=staff, refusal=refusal)
            for name in ("活动状态", "修改活动", "取消活动", "导出")
        ),
    ]


async def _upcoming(turn: Turn) -> str:
    message = turn.message
    return await ActivityCommands(turn.runtime.activities).upcoming(
        message.platform, message.chat, week=turn.name == "本周活动"
    )


async def _sign_up(turn: Turn) -> str:
    message = turn.message
    reply = await ActivityCommands(turn.runtime.activities).sign_up(
        message.platform,
        message.sender,
        turn.args,
        message.chat,
        message.nickname,
        _quoted(message),
        message.reaches_privately,
    )
    if not reply.fields:
        return reply.text
    prompt = await _ask_fields(turn)
    if prompt is None:
        return reply.text
    if not turn.in_group:
        return f"{reply.text}\n{prompt}"
    if await turn.tell_privately(prompt):
        return reply.text
    await turn.runtime.dialogues.end(ChatKey(message.platform, "", message.sender))
    return reply.text.replace(texts.FIELDS_BY_PRIVATE, texts.FIELDS_PRIVATE_FAILED)


async def _ask_fields(turn: Turn) -> str | None:
    """Ask, in private chat, the first field a sign-up of the sender lacks (see bot.activities.fields)."""
    message = turn.message
    return await ask_fields(
        turn.runtime.dialogues, turn.runtime.activities, message.platform, message.sender
    )


async def _cancel_signup(turn: Turn) -> str:
    message = turn.message
    return await ActivityCommands(turn.runtime.activities).cancel_signup(
        message.platform, message.sender, turn.args
    )


async def _my_signups(turn: Turn) -> str:
    message = turn.message
    text = await ActivityCommands(turn.runtime.activities).my_signups(
        message.platform, message.sender
    )
    prompt = await _ask_fields(turn) if not turn.in_group else None
    return f"{text}\n{prompt}" if prompt else text


async def _check_in(turn: Turn) -> str:
    message = turn.message
    return await ActivityCommands(turn.runtime.activities).check_in(
        message.platform, message.sender, turn.args
    )


async def _publish(turn: Turn) -> list[Bubble]:
    from bot.activities.publish import KIND
    from bot.chat.conversation import Bubble

    replies = await turn.runtime.dialogues.start(turn.message.dialogue_key, KIND, turn.speaker)
    return [Bubble(text) for text in replies]


async def _manage(turn: Turn) -> str:
    commands = ActivityCommands(turn.runtime.activities)
    speaker, args = turn.speaker, turn.args
    if turn.name == "活动状态":
        return await commands.status(speaker, args)
    if turn.name == "修改活动":
        return await commands.edit(speaker, args)
    if turn.name == "取消活动":
        return await commands.cancel(speaker, args)
    reply = await commands.export(speaker, args, in_group=turn.in_group)
    if reply.private:
        await turn.tell_privately(reply.private)
    return reply.text

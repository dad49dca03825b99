"""我的数据, 删除我的数据 and 确认删除 as text in, text out, shared by every chat surface."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.activities.texts import FIELD_NAMES
from bot.chat.registry import Args, Command, InGroup
from bot.privacy import texts
from bot.privacy.service import CONFIRM_WINDOW, PrivacyService

if TYPE_CHECKING:
    from bot.chat.conversation import Turn


class PrivacyCommands:
    """A youth's requests about their own data: 我的数据, 删除我的数据 then 确认删除."""

    def __init__(self, service: PrivacyService) -> None:
        self.service = service

    @staticmethod
    def wants(text: str) -> bool:
        """True if `text` is one of these requests (with or without a leading /)."""
        word = text.strip().removeprefix("/")
        return word in (*texts.MY_DATA_WORDS, *texts.FORGET_WORDS, *texts.CONFIRM_WORDS)

    async def run(self, platform: str, user_id: str, text: str, *, in_group: bool) -> str | None:
        """The reply to `text` from `user_id`, or None if it is not one of these requests.

        `in_group`: others read the reply, so no question text is shown.
        """
        word = text.strip().removeprefix("/")
        if word in texts.MY_DATA_WORDS:
            return await self._summary(platform, user_id, in_group)
        if word in texts.FORGET_WORDS:
            await self.service.request_forget(platform, user_id)
            return texts.CONFIRM.format(minutes=int(CONFIRM_WINDOW.total_seconds() // 60))
        if word in texts.CONFIRM_WORDS:
            erased = await self.service.confirm_forget(platform, user_id)
            if erased is None:
                return texts.NOTHING_TO_CONFIRM
            return texts.FORGOTTEN.format(count=erased.total)
        return None

    async def _summary(self, platform: str, user_id: str, in_group: bool) -> str:
        data = await self.service.summary(platform, user_id)
        lines = []
        if data.questions:
            lines.append(texts.QUESTIONS.format(count=data.questions))
            if not in_group:
                shown = [texts.short(text) for text in data.latest if text]
                if shown:
                    lines.append(texts.LATEST.format(items=texts.listing(shown)))
        if data.likes or data.not_helpful:
            lines.append(texts.FEEDBACK.format(likes=data.likes, not_helpful=data.not_helpful))
        if data.cases:
            lines.append(texts.CASES.format(count=data.cases))
        if data.signups:
            items = []
            for title, fields in data.signups[:5]:
                filled = "、".join(FIELD_NAMES.get(name, name) for name in fields)
                items.append(title + (texts.FILLED.format(fields=filled) if filled else ""))
            lines.append(texts.SIGNUPS.format(count=len(data.signups), items=texts.listing(items)))
        if data.groups or data.votes:
            names = "" if in_group or not data.groups else "：" + "、".join(data.groups)
            lines.append(texts.GROUPS.format(count=len(data.groups), items=names, votes=data.votes))
        if data.wechat:
            lines.append(texts.WECHAT.format(count=data.wechat))
        if not lines:
            return texts.NOTHING
        days = self.service.settings.retention_days
        kept = texts.KEPT_DAYS.format(days=days) if days > 0 else texts.KEPT_FOREVER
        head = texts.HEADER + (texts.IN_GROUP if in_group and data.questions else "")
        return "\n".join([head, *(f"· {line}" for line in lines), kept, texts.HOW_TO_FORGET])


def commands() -> list[Command]:
    """我的数据, 删除我的数据, 确认删除, for the command registry (addressed to the bot only)."""
    first, *others = texts.MY_DATA_WORDS
    forget, *forget_others = texts.FORGET_WORDS
    return [
        Command(
            first,
            _run,
            "我的数据：查看青声记下的你的数据",
            aliases=tuple(others),
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
            kind="privacy",
        ),
        Command(
            forget,
            _run,
            "删除我的数据：删除你的提问和报名记录",
            aliases=(*forget_others, *texts.CONFIRM_WORDS),
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
            kind="privacy",
        ),
    ]


async def _run(turn: Turn) -> str | None:
    message = turn.message
    return await PrivacyCommands(turn.runtime.privacy).run(
        message.platform, message.sender, turn.name, in_group=message.chat is not None
    )

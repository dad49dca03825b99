"""The Q&A service's commands in the command registry: 我的问题, /重载, /自动答疑."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.chat.registry import Args, Command, InGroup, Who
from bot.qa import admin_texts as texts
from bot.qa.mine import MY_QUESTIONS_WORDS, my_questions

if TYPE_CHECKING:
    from bot.chat.conversation import Turn

AUTO_ASK_CHOICES = {"开": True, "on": True, "关": False, "off": False}


def commands() -> list[Command]:
    """The Q&A commands, for the command registry."""
    first, *others = MY_QUESTIONS_WORDS
    return [
        Command(
            first,
            _my_questions,
            "我的问题：查看提问和回复进度",
            aliases=tuple(others),
            word=True,
            args=Args.NONE,
            in_group=InGroup.ALWAYS,
            counted=True,
            kind="my_questions",
        ),
        Command(
            "重载",
            _reload,
            "重载：立即重新加载问答库",
            who=Who.ADMIN,
            refusal=texts.NOT_ADMIN,
            plain=True,
        ),
        Command(
            "自动答疑",
            _auto_ask,
            "自动答疑 开|关：本群消息无需 @ 即当作提问（群管理员）",
            plain=True,
            group_only=True,
        ),
    ]


async def _my_questions(turn: Turn) -> str:
    message = turn.message
    return await my_questions(turn.runtime, message.platform, message.sender, message.chat)


async def _reload(turn: Turn) -> str:
    return texts.reload_report(await turn.runtime.faq.reload(reason="/重载"))


async def _auto_ask(turn: Turn) -> str:
    """Switch auto-ask (every message is a question) for this group."""
    message = turn.message
    if message.chat is None:
        return texts.GROUP_ONLY
    if not (message.group_manager or turn.speaker.is_admin):
        return texts.NOT_GROUP_ADMIN
    enabled = AUTO_ASK_CHOICES.get(turn.args)
    if enabled is None:
        return texts.AUTO_ASK_USAGE
    await turn.runtime.qa.set_auto_ask(message.platform, message.chat, enabled)
    return texts.AUTO_ASK_ON if enabled else texts.AUTO_ASK_OFF

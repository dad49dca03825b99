"""Every feature's commands in one registry, and the conversation of the running process."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from bot.chat.conversation import Conversation
from bot.chat.registry import Args, Command, InGroup, Registry

if TYPE_CHECKING:
    from bot.chat.conversation import Turn
    from bot.runtime import Runtime


def build_registry() -> Registry:
    """The registry of every feature: Q&A, privacy, activities, cases, 微心愿, 团情日记,
    兴趣小组, account linking, the monthly report, and the help text."""
    from bot.accounts.commands import commands as account_commands
    from bot.activities.commands import commands as activity_commands
    from bot.cases.commands import commands as case_commands
    from bot.diary.commands import commands as diary_commands
    from bot.groups.commands import commands as group_commands
    from bot.privacy.commands import commands as privacy_commands
    from bot.qa.commands import commands as qa_commands
    from bot.reports.commands import commands as report_commands
    from bot.wishes.commands import commands as wish_commands

    registry = Registry([*qa_commands(), *privacy_commands(), *activity_commands()])
    for command in (
        *case_commands(),
        *wish_commands(),
        *diary_commands(),
        *group_commands(),
        *account_commands(),
        *report_commands(),
    ):
        registry.add(command)
    registry.add(
        Command(
            "帮助",
            _help,
            "",
            aliases=("菜单", "help"),
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            listed=False,  # the help text itself
        )
    )
    return registry


async def _help(turn: Turn) -> str:
    return turn.conversation.help(turn.message, turn.speaker)


_current: tuple[Runtime, Conversation] | None = None


def conversation(runtime: Runtime | None = None) -> Conversation:
    """The conversation of `runtime` (the process runtime by default), with NoneBot's
    SUPERUSERS and COMMAND_START."""
    global _current
    if runtime is None:
        from bot.runtime import get_runtime

        runtime = get_runtime()
    if _current is None or _current[0] is not runtime:
        superusers: set[str] = set()
        starts: set[str] = {"/"}
        # Outside a NoneBot process (a script) there is no driver: no superusers, "/" only.
        with contextlib.suppress(ValueError):
            import nonebot

            config = nonebot.get_driver().config
            superusers, starts = set(config.superusers), set(config.command_start) or starts
        _current = (runtime, Conversation(runtime, build_registry(), superusers, starts))
    return _current[1]

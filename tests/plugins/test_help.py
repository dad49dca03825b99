"""QQ through the one conversation: the help text comes from the command registry, per role."""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot, Message
from nonebug import App

from bot.chat.conversation import Message as ChatMessage
from bot.chat.features import build_registry
from bot.chat.registry import HELP_HEADER
from bot.chat.speaker import Role, Speaker
from bot.runtime import Runtime
from tests.conftest import SUPERUSER
from tests.utils import SELF_ID, private_message


class HelpFor:
    """Equals a plain reply that starts with `role`'s header and lists exactly `present`."""

    def __init__(self, role: Role, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
        self.role, self.present, self.absent = role, present, absent

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message) or [s.type for s in other] != ["text"]:
            return False
        text = other[0].data["text"]
        return (
            text.startswith(HELP_HEADER[self.role])
            and all(p in text for p in self.present)
            and not any(a in text for a in self.absent)
        )

    def __repr__(self) -> str:
        return f"HelpFor({self.role}, {self.present}, not {self.absent})"


async def test_help_lists_what_each_role_may_use(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        for user, text, expected in (
            (30001, "帮助", HelpFor(Role.YOUTH, ("报名 编号", "我的问题"), ("/待办", "/重载"))),
            (10001, "/帮助", HelpFor(Role.CADRE, ("/待办", "/发布活动"), ("/待审核",))),
            (int(SUPERUSER), "菜单", HelpFor(Role.ADMIN, ("/待审核", "/重载"), ())),
        ):
            event = private_message(text, user_id=user)
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, expected, result=None)


def test_every_command_is_registered_once_with_help() -> None:
    registry = build_registry()
    names = [name for command in registry.commands for name in command.names]
    assert len(names) == len(set(names))
    assert all(c.help for c in registry.commands if c.name != "帮助")


def test_the_help_text_has_no_empty_line() -> None:
    registry = build_registry()
    youth = Speaker("qq", "30001", None)
    text = registry.help(youth, ChatMessage("qq", "30001", "帮助", "m1"))
    assert "" not in text.split("\n"), text

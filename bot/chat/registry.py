"""The command registry: each feature registers its commands once — name, aliases, who may use
them, help text, handler — and every surface reads messages through it.

Two forms: a slash command (`/待办`, after one of NoneBot's COMMAND_START) and, for commands
marked `word`, the bare word too (`报名 3`, `我的问题`). In a group, a message not addressed to the
bot is a command only if the command says so (`in_group`); slash commands always are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

from bot.chat.speaker import Role, Speaker

if TYPE_CHECKING:
    from bot.chat.conversation import Message, Result, Turn

NOT_STAFF = "这个命令只有团干部可以使用。"
NOT_ADMIN = "只有管理员可以使用这个命令。"
HELP_HEADER = {
    Role.YOUTH: "可以直接发文字提问。还可以发送：",
    Role.CADRE: "团干部可以使用：",
    Role.EXPERT: "专家可以使用：",
    Role.ADMIN: "管理员可以使用：",
}
HELP_QUOTE = "引用（或在企业微信、QQ 官方机器人里直接回复）问题通知即可作答。"


class Who(str, Enum):
    """Who may use a command."""

    ANYONE = "anyone"
    STAFF = "staff"
    """Cadres, experts and admins."""
    ADMIN = "admin"


class Args(str, Enum):
    """What may follow a command word (a slash command takes anything)."""

    NONE = "none"
    NUMBER = "number"
    """Nothing, or something that starts with a number (`报名 3`, `签到 1234`)."""
    ANY = "any"


class InGroup(str, Enum):
    """When a word is a command in a group message not addressed to the bot."""

    TO_ME = "to_me"
    """Only when addressed to the bot (@, or a quote of it)."""
    ALWAYS = "always"
    WITH_ARGS = "with_args"
    """When something follows it (`报名 3`), or when `quoted` says so."""


Handler = Callable[["Turn"], Awaitable["Result"]]


@dataclass(frozen=True, slots=True)
class Command:
    """One command of one feature."""

    name: str
    handler: Handler
    help: str
    """One line for the help text, e.g. "报名 编号：报名参加活动"."""
    aliases: tuple[str, ...] = ()
    who: Who = Who.ANYONE
    refusal: str | None = None
    """Said to someone who may not use it (default: NOT_STAFF or NOT_ADMIN)."""
    word: bool = False
    """May be said without the slash."""
    args: Args = Args.ANY
    in_group: InGroup = InGroup.ALWAYS
    quoted: Callable[[Message], bool] | None = None
    """With InGroup.WITH_ARGS: a bare word is a command too when this says so of the message
    (报名 quoting an activity announcement)."""
    counted: bool = False
    """Counted against a youth's limits like a question."""
    plain: bool = False
    """The reply neither quotes nor @s the sender in a group."""
    group_only: bool = False
    """Only meaningful in a group (left out of the help text elsewhere)."""
    listed: bool = True
    """Shown in 帮助 (False: a step someone is told about where it applies, e.g. /绑定)."""
    kind: str = "command"
    """What a surface is told the reply is."""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Found(NamedTuple):
    """A message read as a command."""

    command: Command
    name: str
    """The name or alias used."""
    args: str
    slash: bool
    """Said with the command start (`/我的问题`), not as a bare word."""


class Registry:
    """Every feature's commands, and the reading of a message against them."""

    def __init__(self, commands: Iterable[Command] = ()) -> None:
        self._commands: list[Command] = []
        self._by_name: dict[str, Command] = {}
        for command in commands:
            self.add(command)

    def add(self, command: Command) -> None:
        """Register `command` (its names must be new)."""
        for name in command.names:
            if name in self._by_name:
                raise ValueError(f"command {name} registered twice")
            self._by_name[name] = command
        self._commands.append(command)
        self._names = sorted(self._by_name, key=len, reverse=True)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Command | None:
        return self._by_name.get(name)

    @property
    def commands(self) -> tuple[Command, ...]:
        return tuple(self._commands)

    def match(self, message: Message, command_start: tuple[str, ...] = ("/",)) -> Found | None:
        """The command `message` is, with the name used and its arguments; else None."""
        text = message.text.strip()
        for start in command_start:
            if start and text.startswith(start):
                found = self._read(text[len(start) :], message, slash=True)
                if found is not None:
                    return found
        return self._read(text, message, slash=False)

    def _read(self, rest: str, message: Message, slash: bool) -> Found | None:
        for name in self._names:
            if not rest.startswith(name):
                continue
            command = self._by_name[name]
            if not slash and not command.word:
                continue
            args = rest[len(name) :].strip()
            if command.word and not _args_fit(command.args, args):
                continue  # 活动状态…, 报名表…: other words that start the same way
            if not _heard(command, message, args):
                continue
            return Found(command, name, args, slash)
        return None

    def refusal(self, command: Command, speaker: Speaker, message: Message) -> str | None:
        """Why `speaker` may not use `command`, or None."""
        if command.who is Who.STAFF and not speaker.is_staff:
            return command.refusal or NOT_STAFF
        if command.who is Who.ADMIN and not speaker.is_admin:
            return command.refusal or NOT_ADMIN
        return None

    def help(self, speaker: Speaker, message: Message, start: str = "/") -> str:
        """The commands `speaker` may use here, one a line, generated from the registry."""
        lines = [HELP_HEADER[speaker.role]]
        for command in self._commands:
            if self.refusal(command, speaker, message) is not None:
                continue
            if speaker.is_staff and command.who is Who.ANYONE:
                continue  # what youths can do is their help text, not the cadres'
            if command.group_only and message.chat is None:
                continue
            if not command.listed:
                continue
            prefix = "" if command.word else start
            lines.append(f"{prefix}{command.help}")
        if speaker.is_staff:
            lines.append(HELP_QUOTE)
        return "\n".join(lines)


def _args_fit(kind: Args, args: str) -> bool:
    if kind is Args.NONE:
        return not args
    if kind is Args.NUMBER:
        return not args or args[:1].isdigit() or args[:1] == "#"
    return True


def _heard(command: Command, message: Message, args: str) -> bool:
    """Whether the bot takes it as a command where it was said."""
    if message.chat is None or message.to_me:
        return True
    if command.in_group is InGroup.ALWAYS:
        return True
    if command.in_group is InGroup.WITH_ARGS:
        return bool(args) or (command.quoted is not None and command.quoted(message))
    return False

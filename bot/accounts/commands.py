"""/绑定码, /绑定 and /解绑: linking a grid person's official-QQ account, on every surface."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.accounts import texts
from bot.accounts.service import CODE_MINUTES, ISSUING, LINKABLE, LinkError
from bot.chat.registry import Command, Who

if TYPE_CHECKING:
    from bot.chat.conversation import Turn

ISSUE = "绑定码"
LINK = "绑定"
UNLINK = "解绑"


def commands() -> list[Command]:
    """The account-linking commands, for the command registry."""
    return [
        Command(
            ISSUE,
            _issue,
            "绑定码：获取绑定码，在 QQ 官方机器人上绑定你的账号",
            who=Who.STAFF,
        ),
        # Anyone: on the official bot a cadre is nobody until the code links them. Not listed
        # in 帮助 (youths would see it); the code's message says how to use it.
        Command(LINK, _link, "绑定 绑定码：在 QQ 官方机器人上绑定你的团干部账号", listed=False),
        Command(
            UNLINK,
            _unlink,
            "解绑 [人员]：解除 QQ 官方机器人的绑定（管理员可解绑他人）",
            who=Who.STAFF,
        ),
    ]


async def _issue(turn: Turn) -> str | None:
    person = turn.speaker.person
    if person is None:
        return texts.NOT_IN_GRID
    if turn.message.platform not in ISSUING:
        return texts.CODE_NOT_HERE
    code = await turn.runtime.links.issue(person, via=turn.message.platform)
    text = texts.CODE_ISSUED.format(code=code, minutes=CODE_MINUTES)
    if not turn.in_group:
        return text
    # Never shown to a group: the code goes privately, or is voided.
    if await turn.tell_privately(text):
        return texts.CODE_SENT_PRIVATELY
    await turn.runtime.links.burn("qqbot", code)
    return texts.CODE_ASK_PRIVATELY


async def _link(turn: Turn) -> str:
    links = turn.runtime.links
    platform = turn.message.platform
    if platform not in LINKABLE:
        return texts.LINK_ONLY_QQBOT
    code = turn.args.strip()
    if turn.in_group:
        # Never read here: voiding or testing what anyone sends in a group would let them void
        # or guess codes uncounted. A code sent counts as a failed attempt of its sender.
        if code:
            await links.refuse_in_group(platform, turn.message.sender)
        return texts.LINK_IN_GROUP
    if not code:
        return texts.LINK_USAGE
    if turn.speaker.person is not None:
        return texts.ALREADY_LINKED.format(name=turn.speaker.person.name)
    try:
        person = await links.redeem(platform, turn.message.sender, code)
    except LinkError as exc:
        return str(exc)
    return texts.LINKED.format(name=person.name)


async def _unlink(turn: Turn) -> str:
    speaker, runtime = turn.speaker, turn.runtime
    who = turn.args.strip()
    if who and not speaker.is_admin:
        return texts.UNLINK_OTHERS
    person = runtime.cases.find_person(who) if who else speaker.person
    if person is None:
        return texts.UNLINK_USAGE if who else texts.NOT_IN_GRID
    if await runtime.links.unlink(person, "qqbot"):
        return texts.UNLINKED.format(name=person.name)
    return texts.NOT_LINKED.format(name=person.name)

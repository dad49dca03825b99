"""The 微心愿 commands and the private dialogue that asks a wish's fields.

Youths: /心愿 内容 (the fields — for whom, contact, org — are asked in private chat, never in the
group), 我的心愿, 撤回心愿 N. Cadres: /心愿列表, /认领心愿 N, /点亮 N 备注.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.chat.dialogue import ChatKey
from bot.chat.dialogue import Turn as Step
from bot.chat.registry import Args, Command, InGroup, Who
from bot.chat.speaker import Speaker
from bot.wishes import texts
from bot.wishes.service import Actor, WishError, WishService

if TYPE_CHECKING:
    from bot.chat.conversation import Turn

KIND = "wish"
UNKNOWN_WORDS = ("不知道", "不清楚", "无", "没有")
LIST_LIMIT = 20
_NUMBER_AND_REST = re.compile(r"#?(\d+)(?:\s+(.*))?$", re.DOTALL)


def _number(args: str, usage: str) -> tuple[int, str]:
    match = _NUMBER_AND_REST.match(args.strip())
    if match is None:
        raise WishError(usage)
    return int(match.group(1)), (match.group(2) or "").strip()


def actor_of(speaker: Speaker) -> Actor:
    """A chat speaker as a wish actor: admins see every org."""
    return Actor(speaker.id, None if speaker.is_admin else speaker.orgs)


class WishFlow:
    """The private dialogue after /心愿: for whom, contact, and (outside a known group) the org."""

    kind = KIND
    ttl: timedelta | None = None

    def __init__(self, service: WishService) -> None:
        self.service = service

    async def begin(self, speaker: Speaker) -> Step:  # started through `start_for`
        return Step([texts.USAGE], None)

    async def quit(self, speaker: Speaker, state: dict[str, Any]) -> str:
        await self.service.discard(int(state["wish_id"]))
        return texts.QUIT

    async def answer(self, speaker: Speaker, step: str, text: str, state: dict[str, Any]) -> Step:
        if not text:
            return Step([texts.EMPTY], step, state)
        wish_id = int(state["wish_id"])
        if step == "for_whom":
            await self.service.fill(wish_id, for_whom=text)
            return Step([texts.ASK_CONTACT], "contact", state)
        if step == "contact":
            await self.service.fill(wish_id, contact=text)
            if state.get("org_known"):
                return await self._post(wish_id, None)
            return Step([texts.ASK_ORG], "org", state)
        org_id = None
        if text not in UNKNOWN_WORDS:
            org_id = self.service.find_org(text)
            if org_id is None:
                return Step([texts.ORG_UNKNOWN.format(name=text[:30])], step, state)
        return await self._post(wish_id, org_id)

    async def _post(self, wish_id: int, org_id: str | None) -> Step:
        try:
            wish = await self.service.post(wish_id, org_id)
        except WishError as exc:
            return Step([str(exc)], None)
        return Step([texts.POSTED.format(id=wish.id, text=wish.text)], None)


async def _post_wish(turn: Turn) -> str | None:
    runtime, message = turn.runtime, turn.message
    service = runtime.wishes
    try:
        wish = await service.draft(
            message.platform,
            message.sender,
            turn.args,
            group_id=message.chat,
            nickname=message.nickname,
            account=message.account,
        )
    except WishError as exc:
        return str(exc)
    state = {"wish_id": wish.id, "org_known": wish.org_id is not None}
    key = ChatKey(message.platform, "", message.sender)  # always the private chat
    ask = texts.ASK_FOR_WHOM.format(text=wish.text)
    await runtime.dialogues.begin_at(key, KIND, "for_whom", state, asked=ask)
    if not turn.in_group:
        return ask
    if await turn.tell_privately(ask):
        return texts.IN_GROUP.format(id=wish.id)
    await runtime.dialogues.end(key)
    await service.discard(wish.id)
    return texts.IN_GROUP_NO_PRIVATE.format(text=wish.text)


async def _mine(turn: Turn) -> str:
    wishes = await turn.runtime.wishes.mine(turn.message.platform, turn.message.sender)
    if not wishes:
        return texts.MINE_EMPTY
    lines = [texts.MINE_HEADER]
    for wish in wishes:
        lines.append(
            texts.MINE_ITEM.format(id=wish.id, text=wish.text, status=texts.STATUS[wish.status])
        )
    return "\n".join(lines)


async def _withdraw(turn: Turn) -> str:
    try:
        wish_id, _ = _number(turn.args, texts.WITHDRAW_USAGE)
        wish = await turn.runtime.wishes.withdraw(
            turn.message.platform, turn.message.sender, wish_id
        )
    except WishError as exc:
        return str(exc)
    return texts.WITHDRAWN.format(id=wish.id)


async def _list(turn: Turn) -> str:
    service = turn.runtime.wishes
    actor = actor_of(turn.speaker)
    wishes = await service.listing(actor.orgs)
    if not wishes:
        return texts.LIST_EMPTY
    progress = await service.progress_text(actor.id)
    lines = [texts.LIST_HEADER.format(progress=progress)]
    campaigns = await service.campaign_names(wishes[:LIST_LIMIT])
    lines += [service.masked(w, campaigns.get(w.campaign_id or 0, "")) for w in wishes[:LIST_LIMIT]]
    if len(wishes) > LIST_LIMIT:
        lines.append(texts.LIST_MORE.format(count=len(wishes) - LIST_LIMIT))
    lines.append(texts.LIST_FOOTER)
    return "\n".join(lines)


async def _claim(turn: Turn) -> str | None:
    service = turn.runtime.wishes
    actor = actor_of(turn.speaker)
    try:
        wish_id, _ = _number(turn.args, texts.CLAIM_USAGE)
        wish = await service.claim(actor, wish_id)
    except WishError as exc:
        return str(exc)
    text = texts.CLAIMED.format(
        id=wish.id,
        text=wish.text,
        for_whom=wish.for_whom or "未填写",
        contact=wish.contact or "未填写",
        progress=await service.progress_text(actor.id),
    )
    if not turn.in_group:
        return text
    # The youth's contact never goes to a group: the details go privately.
    if await turn.tell_privately(text):
        return f"已认领微心愿 #{wish.id}，详情已私聊发给你。"
    return f"已认领微心愿 #{wish.id}，请私聊发送 /认领心愿 {wish.id} 查看详情。"


async def _light(turn: Turn) -> str:
    service = turn.runtime.wishes
    actor = actor_of(turn.speaker)
    try:
        wish_id, note = _number(turn.args, texts.LIGHT_USAGE)
        wish = await service.light(actor, wish_id, note, admin=turn.speaker.is_admin)
    except WishError as exc:
        return str(exc)
    return texts.LIT.format(id=wish.id, progress=await service.progress_text(actor.id))


def commands() -> list[Command]:
    """The 微心愿 commands of the registry."""
    return [
        Command(
            "心愿",
            _post_wish,
            "心愿 内容：许一个微心愿",
            counted=True,
        ),
        Command(
            "我的心愿",
            _mine,
            "我的心愿：查看你的微心愿",
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
        ),
        Command(
            "撤回心愿",
            _withdraw,
            "撤回心愿 编号：撤回你的微心愿",
            word=True,
            args=Args.NUMBER,
            in_group=InGroup.WITH_ARGS,
        ),
        Command("心愿列表", _list, "心愿列表：待认领的微心愿", who=Who.STAFF),
        Command(
            "认领心愿", _claim, "认领心愿 编号：认领一个微心愿", who=Who.STAFF, args=Args.NUMBER
        ),
        Command("点亮", _light, "点亮 编号 备注：微心愿已完成", who=Who.STAFF),
    ]

"""The 兴趣小组 commands and /发起投票, the organiser's dialogue, as text in, text out.

Youths: 小组 (groups with member counts), 加入小组 名称, 退出小组 名称, 我的小组 (and the open
votes), 投票 编号. Organisers: /发起投票 小组 (deadline, then one proposal a message, then 确认),
/投票情况 [小组].
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.chat.dialogue import Turn as Step
from bot.chat.registry import Args, Command, InGroup, Who
from bot.chat.speaker import Speaker
from bot.groups import texts
from bot.groups.service import PROPOSALS_MAX, GroupError, GroupService, ProposalDraft

if TYPE_CHECKING:
    from bot.chat.conversation import Turn

KIND = "group_poll"
DONE_WORDS = ("完成", "好了", "结束", "没有了")


class PollFlow:
    """The steps of /发起投票 over a `GroupService`; the state is in the database."""

    kind = KIND

    def __init__(self, service: GroupService) -> None:
        self.service = service

    async def begin(self, speaker: Speaker) -> Step:  # started through `_start_poll`
        return Step([texts.START_USAGE], None)

    async def quit(self, speaker: Speaker, state: dict[str, Any]) -> str:
        return texts.CANCELLED_DRAFT

    async def answer(self, speaker: Speaker, step: str, text: str, state: dict[str, Any]) -> Step:
        service = self.service
        try:
            if step == "deadline":
                deadline = service.parse_deadline(text)
                state = {**state, "deadline": deadline.isoformat(), "proposals": []}
                return Step([self._ask(state)], "proposal", state)
            if step == "proposal":
                return self._proposal(text, state)
            return await self._confirm(speaker, text, state)
        except GroupError as exc:
            return Step([str(exc)], step, state)

    def _proposal(self, text: str, state: dict[str, Any]) -> Step:
        proposals = list(state.get("proposals", []))
        if text in DONE_WORDS:
            if not proposals:
                return Step([f"{texts.NEED_PROPOSAL}\n{self._ask(state)}"], "proposal", state)
            return self._preview(state)
        draft = self.service.parse_proposal(text, _moment(state["deadline"]))
        proposals.append(
            {
                "title": draft.title,
                "starts_at": draft.starts_at.isoformat(),
                "place": draft.place,
                "quota": draft.quota,
            }
        )
        state = {**state, "proposals": proposals}
        added = texts.PROPOSAL_ADDED.format(n=len(proposals), title=draft.title)
        if len(proposals) >= PROPOSALS_MAX:
            return self._preview(state, texts.TOO_MANY.format(limit=PROPOSALS_MAX))
        return Step([f"{added}\n{self._ask(state)}"], "proposal", state)

    def _ask(self, state: dict[str, Any]) -> str:
        count = len(state.get("proposals", []))
        return texts.ASK_PROPOSAL.format(n=count + 1, done=texts.ASK_PROPOSAL_DONE if count else "")

    def _preview(self, state: dict[str, Any], before: str = "") -> Step:
        show = self.service.show
        lines = [
            texts.POLL_HEADER.format(
                group=state["group"], deadline=show(_moment(state["deadline"]))
            )
        ]
        for n, p in enumerate(_drafts(state), start=1):
            lines.append(
                texts.POLL_ITEM.format(
                    id=f"提议{n}",
                    title=p.title,
                    time=show(p.starts_at),
                    place=p.place or "另行通知",
                    quota=texts.POLL_ITEM_QUOTA.format(quota=p.quota) if p.quota else "",
                )
            )
        lines.append(texts.TIE_RULE)
        text = texts.PREVIEW.format(poll="\n".join(lines), members=state.get("members", 0))
        return Step([f"{before}\n{text}" if before else text], "confirm", state)

    async def _confirm(self, speaker: Speaker, text: str, state: dict[str, Any]) -> Step:
        if text in texts.CANCEL_WORDS:
            return Step([texts.CANCELLED_DRAFT], None)
        if text not in texts.CONFIRM_WORDS:
            return Step([texts.CONFIRM_OR_CANCEL], "confirm", state)
        try:
            poll = await self.service.open_poll(
                speaker, int(state["group_id"]), _moment(state["deadline"]), _drafts(state)
            )
        except GroupError as exc:
            return Step([str(exc)], None)
        view = await self.service.view(poll.id)
        return Step(
            [
                texts.OPENED.format(members=view.members, tie=texts.TIE_RULE.rstrip("。")),
                self.service.poll_text(view),
            ],
            None,
        )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _drafts(state: dict[str, Any]) -> list[ProposalDraft]:
    return [
        ProposalDraft(p["title"], _moment(p["starts_at"]), p.get("place", ""), p.get("quota"))
        for p in state.get("proposals", [])
    ]


# ---- youths ----------------------------------------------------------------------------------


async def _list(turn: Turn) -> str:
    message = turn.message
    rows = await turn.runtime.groups.listing(message.platform, message.sender)
    if not rows:
        return texts.LIST_EMPTY
    lines = [texts.LIST_HEADER]
    for row in rows:
        lines.append(
            texts.LIST_ITEM.format(
                name=row.group.name,
                members=row.members,
                mine=texts.LIST_MINE if row.mine else "",
                description=f" — {row.group.description}" if row.group.description else "",
            )
        )
    lines.append(texts.LIST_FOOTER)
    return "\n".join(lines)


async def _join(turn: Turn) -> str:
    message, service = turn.message, turn.runtime.groups
    if turn.in_group and not message.reaches_privately:
        # The official QQ bot cannot reach a group member privately: votes would never arrive.
        return texts.JOIN_PRIVATELY.format(args=turn.args.strip()[:20] or "名称")
    try:
        group, already, members = await service.join(
            message.platform,
            message.sender,
            turn.args,
            account=message.account,
            nickname=message.nickname,
        )
    except GroupError as exc:
        return str(exc)
    if already:
        return texts.ALREADY_MEMBER.format(name=group.name)
    lines = [texts.JOINED.format(name=group.name, members=members)]
    if turn.in_group and message.platform == "qq":
        lines.append(texts.JOINED_PRIVATE_HINT)
    for view in await service.open_views(message.platform, message.sender):
        if view.group.id == group.id:
            lines.append(texts.JOINED_OPEN_POLL.format(poll=service.poll_text(view, with_how=True)))
    return "\n".join(lines)


async def _leave(turn: Turn) -> str:
    message = turn.message
    try:
        group, voided = await turn.runtime.groups.leave(message.platform, message.sender, turn.args)
    except GroupError as exc:
        return str(exc)
    text = texts.LEFT.format(name=group.name)
    return f"{text}{texts.LEFT_VOTES}" if voided else text


async def _mine(turn: Turn) -> str:
    message, service = turn.message, turn.runtime.groups
    groups = await service.mine(message.platform, message.sender)
    if not groups:
        return texts.MINE_EMPTY
    lines = [texts.MINE_HEADER.format(names="、".join(g.name for g in groups))]
    views = await service.open_views(message.platform, message.sender)
    lines += [service.poll_text(view, with_how=True) for view in views]
    if not views:
        lines.append(texts.MINE_NO_POLLS)
    return "\n".join(lines)


async def _vote(turn: Turn) -> str:
    message, service = turn.message, turn.runtime.groups
    args = turn.args.strip().lstrip("#")
    if not args:
        views = await service.open_views(message.platform, message.sender)
        if not views:
            return texts.VOTE_NONE_OPEN
        return "\n".join(service.poll_text(view, with_how=True) for view in views)
    number = args.split()[0]
    if not number.isdigit():
        return texts.VOTE_USAGE
    try:
        result = await service.vote(message.platform, message.sender, int(number))
    except GroupError as exc:
        return str(exc)
    proposal, deadline = result.proposal, service.show(result.poll.deadline)
    if result.previous == proposal.id:
        return texts.VOTE_SAME.format(id=proposal.id, title=proposal.title)
    if result.previous is not None:
        return texts.VOTE_CHANGED.format(
            id=proposal.id, title=proposal.title, old=result.previous, deadline=deadline
        )
    return texts.VOTED.format(id=proposal.id, title=proposal.title, deadline=deadline)


# ---- organisers ------------------------------------------------------------------------------


async def _start_poll(turn: Turn) -> str:
    service = turn.runtime.groups
    try:
        group = await service.organisable(turn.speaker, turn.args)
    except GroupError as exc:
        return str(exc)
    members = (await service.member_counts([group.id])).get(group.id, 0)
    state = {"group_id": group.id, "group": group.name, "members": members}
    ask = texts.ASK_DEADLINE.format(name=group.name)
    await turn.runtime.dialogues.begin_at(
        turn.message.dialogue_key, KIND, "deadline", state, asked=ask
    )
    return ask


async def _poll_status(turn: Turn) -> str:
    service = turn.runtime.groups
    speaker = turn.speaker
    try:
        if turn.args.strip():
            groups = [await service.organising(speaker, turn.args)]
        else:
            groups = await service.organised(speaker)
    except GroupError as exc:
        return str(exc)
    found = []
    for group in groups:
        polls = await service.polls(group.id)
        if polls:
            found.append(service.status_text(polls[0]))
    return "\n\n".join(found) if found else texts.STATUS_NONE


async def _cancel_poll(turn: Turn) -> str:
    service = turn.runtime.groups
    if not turn.args.strip():
        return texts.CANCEL_USAGE
    try:
        group = await service.organising(turn.speaker, turn.args)
        poll = await service.open_poll_of(group.id)
        if poll is None or poll.status != "open":
            return texts.NO_OPEN_POLL.format(name=group.name)
        await service.cancel_poll(turn.speaker, poll.id)
    except GroupError as exc:
        return str(exc)
    return texts.CANCELLED_POLL.format(name=group.name)


def commands() -> list[Command]:
    """The 兴趣小组 commands of the registry."""
    return [
        Command(
            "小组",
            _list,
            "小组：兴趣小组和人数",
            aliases=("兴趣小组",),
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
        ),
        Command(
            "加入小组",
            _join,
            "加入小组 名称：加入兴趣小组（如 加入小组 烘焙）",
            aliases=("加入兴趣小组",),
            word=True,
            in_group=InGroup.WITH_ARGS,
            counted=True,
        ),
        Command(
            "退出小组",
            _leave,
            "退出小组 名称：退出兴趣小组",
            aliases=("退出兴趣小组",),
            word=True,
            in_group=InGroup.WITH_ARGS,
            counted=True,
        ),
        Command(
            "我的小组",
            _mine,
            "我的小组：已加入的兴趣小组和进行中的投票",
            word=True,
            args=Args.NONE,
            in_group=InGroup.TO_ME,
            counted=True,
        ),
        Command(
            "投票",
            _vote,
            "投票 编号：为兴趣小组的活动提议投票",
            word=True,
            args=Args.NUMBER,
            in_group=InGroup.WITH_ARGS,
            counted=True,
        ),
        Command(
            "发起投票",
            _start_poll,
            "发起投票 小组名称：为兴趣小组发起活动投票",
            who=Who.STAFF,
        ),
        Command(
            "取消投票",
            _cancel_poll,
            "取消投票 小组名称：取消兴趣小组进行中的投票",
            who=Who.STAFF,
        ),
        Command(
            "投票情况",
            _poll_status,
            "投票情况 [小组名称]：兴趣小组投票的票数和参与率",
            who=Who.STAFF,
        ),
    ]

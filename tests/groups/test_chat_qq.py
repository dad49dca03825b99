"""兴趣小组 through QQ (nonebug) and, for the official QQ bot and the 服务号, through the one
conversation: joining in a group without @, voting by a bare word, the member list never shown,
and the official QQ bot's group sending members to private chat (it cannot reach them there)."""

from __future__ import annotations

from datetime import timedelta

from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent, Message, MessageSegment
from nonebug import App

from bot.chat.conversation import Bubble
from bot.chat.conversation import Message as ChatMessage
from bot.chat.features import conversation
from bot.groups import texts
from bot.groups.service import GroupService, ProposalDraft
from bot.runtime import Runtime
from tests.activities.helpers import STREET_A
from tests.utils import SELF_ID, Clock, group_message, private_message


def quoted(event: GroupMessageEvent, text: str) -> Message:
    return Message(
        [
            MessageSegment.reply(event.message_id),
            MessageSegment.at(event.user_id),
            MessageSegment.text(" " + text),
        ]
    )


class QuotedWith:
    """The bot's quoted group reply to `event` whose text contains `part`."""

    def __init__(self, event: GroupMessageEvent, part: str) -> None:
        self.event, self.part = event, part

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and other[:2] == quoted(self.event, "")[:2]
            and self.part in other[2].data["text"]
        )

    def __repr__(self) -> str:
        return f"QuotedWith({self.part!r})"


async def test_join_and_vote_in_a_qq_group(
    app: App, runtime: Runtime, groups: GroupService, clock: Clock
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        joined = group_message("加入小组 烘焙", user_id=30001, to_me=False)
        ctx.receive_event(bot, joined)
        reply = "\n".join([texts.JOINED.format(name="烘焙", members=1), texts.JOINED_PRIVATE_HINT])
        ctx.should_call_send(joined, quoted(joined, reply), result=None)
        # 小组 in a group is a command only when addressed to the bot.
        ctx.receive_event(bot, group_message("小组", user_id=30002, to_me=False))
        listed = group_message("小组", user_id=30002)
        ctx.receive_event(bot, listed)
        ctx.should_call_send(listed, QuotedWith(listed, "· 烘焙：1 人"), result=None)
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A,
        baking.id,
        clock() + timedelta(days=1),
        [ProposalDraft("烤曲奇", clock() + timedelta(days=3), "青年之家")],
    )
    (proposal,) = (await groups.view(poll.id)).proposals
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        voted = group_message(f"投票 {proposal.id}", user_id=30001, to_me=False)
        ctx.receive_event(bot, voted)
        ctx.should_call_send(voted, QuotedWith(voted, f"已投给 {proposal.id}. 烤曲奇"), result=None)
        status = private_message("/投票情况", user_id=10001)
        ctx.receive_event(bot, status)
        # Figures only: no member's name or number.
        ctx.should_call_send(status, NoneOf("30001", "小青"), result=None)
    assert (await groups.view(poll.id)).votes == {proposal.id: 1}


class NoneOf:
    """A pure-text message with the poll's figures and none of `parts`."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        text = str(other)
        return "投票 1/1 人（100%）" in text and not any(p in text for p in self.parts)


async def test_official_qq_group_and_wechat(runtime: Runtime, groups: GroupService) -> None:
    said: list[Bubble] = []

    async def send(bubble: Bubble) -> str | None:
        said.append(bubble)
        return None

    chat = conversation(runtime)
    await chat.handle(
        ChatMessage(
            "qqbot",
            "openid-in-group",
            "加入小组 烘焙",
            "q1",
            chat="group-openid",
            to_me=True,
            reaches_privately=False,
            deduped=True,
        ),
        send,
    )
    assert said[-1].text == texts.JOIN_PRIVATELY.format(args="烘焙")
    assert await groups.mine("qqbot", "openid-in-group") == []
    for platform in ("qqbot", "wechat"):
        await chat.handle(
            ChatMessage(platform, "user-1", "加入小组 瑜伽", f"{platform}-2", deduped=True), send
        )
        assert said[-1].text.startswith(texts.JOINED.format(name="瑜伽", members=len(said) - 1))
    assert [r.members for r in await groups.listing() if r.group.name == "瑜伽"] == [2]

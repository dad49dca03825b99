"""A campaign's imported wish through QQ (nonebug): a cadre lists it in a group (masked, with
the campaign's name) and claims it there; the contact goes privately, never to the group."""

from __future__ import annotations

from datetime import date

from nonebot.adapters.onebot.v11 import Bot, Message
from nonebug import App

from bot.runtime import Runtime
from bot.wishes.campaigns import CampaignService
from tests.utils import SELF_ID, Clock, TextWith, group_message
from tests.wishes.sheets import xlsx

STREET_A = 10001
ROW = ("想要一套绘画工具", "张小明", 9, "王老师", "13812345678", "测试街道团工委")


class GroupReply:
    """A reply in the group (quote, @, text) whose text has every one of `having` and none of
    `without`."""

    def __init__(self, having: tuple[str, ...], without: tuple[str, ...]) -> None:
        self.having, self.without = having, without

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message):
            return False
        text = "".join(seg.data.get("text", "") for seg in other if seg.type == "text")
        return all(p in text for p in self.having) and not any(p in text for p in self.without)

    def __repr__(self) -> str:
        return f"GroupReply({self.having!r}, without={self.without!r})"


PRIVATE = ("张小明", "13812345678", "王老师")


async def test_imported_wish_in_a_group(app: App, runtime: Runtime, clock: Clock) -> None:
    runtime.wishes.clock = clock
    campaigns = CampaignService(runtime.wishes)
    campaign = await campaigns.create(
        "六一微心愿", date(2026, 11, 12), ["street"], orgs=None, by="a"
    )
    await campaigns.import_sheet(campaign, xlsx([ROW]), orgs=None)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        listed = group_message("/心愿列表", user_id=STREET_A, group_id=40001)
        ctx.receive_event(bot, listed)
        ctx.should_call_send(
            listed,
            GroupReply(("#1 想要一套绘画工具 · 张** · 测试街道团工委 · 六一微心愿",), PRIVATE),
            result=None,
        )
        claimed = group_message("/认领心愿 1", user_id=STREET_A, group_id=40001)
        ctx.receive_event(bot, claimed)
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": STREET_A,
                "message": TextWith("已认领微心愿 #1", "张小明，9岁", "王老师 13812345678"),
            },
            result={"message_id": 8101},
        )
        ctx.should_call_send(claimed, GroupReply(("已认领微心愿 #1", "私聊"), PRIVATE), result=None)

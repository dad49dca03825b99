"""微心愿 through QQ (nonebug): /心愿 in a group asks the fields privately (never in the group),
the cadre lists (masked), claims and lights it, the youth withdraws another.

Test grid: group 40001 belongs to 测试街道团工委 (street), cadre 街道甲 (10001).
"""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent, Message, MessageSegment
from nonebug import App
from sqlalchemy import select

from bot.delivery.models import OutboxMessage
from bot.runtime import Runtime
from bot.wishes import texts
from tests.utils import SELF_ID, Clock, TextWith, group_message, private_message

STREET_A = 10001
YOUTH = 30001


def say(text: str) -> Message:
    return Message(MessageSegment.text(text))


def quoted(event: GroupMessageEvent, text: str) -> Message:
    return Message(
        [
            MessageSegment.reply(event.message_id),
            MessageSegment.at(event.user_id),
            MessageSegment.text(" " + text),
        ]
    )


def step(ctx, bot: Bot, user: int, text: str, reply: str | TextWith) -> None:
    event = private_message(text, user_id=user)
    ctx.receive_event(bot, event)
    ctx.should_call_send(event, reply if isinstance(reply, TextWith) else say(reply), result=None)


async def test_wish_from_a_group_to_lit(app: App, runtime: Runtime, clock: Clock) -> None:
    runtime.wishes.clock = clock
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        posted = group_message("/心愿 想要一套绘画工具", user_id=YOUTH, group_id=40001)
        ctx.receive_event(bot, posted)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": YOUTH, "message": say(texts.ASK_FOR_WHOM.format(text="想要一套绘画工具"))},
            result={"message_id": 8001},
        )
        # In the group: only that the fields are asked privately.
        ctx.should_call_send(posted, quoted(posted, texts.IN_GROUP.format(id=1)), result=None)
        step(ctx, bot, YOUTH, "我妹妹 小学三年级", texts.ASK_CONTACT)
        # The group's org is known: no org question.
        step(ctx, bot, YOUTH, "13812345678", TextWith("微心愿 #1 已登记：想要一套绘画工具"))
        step(ctx, bot, YOUTH, "我的心愿", TextWith("#1 想要一套绘画工具 · 待认领"))

        step(
            ctx,
            bot,
            STREET_A,
            "/心愿列表",
            TextWith("已认领 0/5", "#1 想要一套绘画工具", "测试街道团工委"),
        )
        step(
            ctx,
            bot,
            STREET_A,
            "/认领心愿 1",
            TextWith("已认领微心愿 #1", "我妹妹 小学三年级", "13812345678", "已认领 1/5"),
        )
        step(ctx, bot, STREET_A, "/心愿列表", texts.LIST_EMPTY)
        step(ctx, bot, YOUTH, "我的心愿", TextWith("#1 想要一套绘画工具 · 进行中"))
        step(
            ctx,
            bot,
            STREET_A,
            "/点亮 1 已送到家 https://example.org/1.jpg",
            TextWith("微心愿 #1 已点亮"),
        )
        step(ctx, bot, YOUTH, "撤回心愿 1", texts.CANNOT_WITHDRAW.format(id=1, status="已点亮"))
        # A youth cannot claim.
        step(ctx, bot, YOUTH, "/认领心愿 1", TextWith("只有团干部"))

    async with runtime.db.session() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(r.key, r.chat_type, r.chat_id) for r in rows] == [
        ("wish:1:claimed", "private", str(YOUTH)),
        ("wish:1:lit", "private", str(YOUTH)),
    ]
    assert "https://example.org/1.jpg" in rows[1].text


async def test_masked_list_and_withdraw_in_private(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        step(ctx, bot, YOUTH, "/心愿 想要一个篮球", texts.ASK_FOR_WHOM.format(text="想要一个篮球"))
        step(ctx, bot, YOUTH, "我自己", texts.ASK_CONTACT)
        step(ctx, bot, YOUTH, "微信 qingnian01", texts.ASK_ORG)
        step(ctx, bot, YOUTH, "火星团委", texts.ORG_UNKNOWN.format(name="火星团委"))
        step(ctx, bot, YOUTH, "测试街道团工委", TextWith("微心愿 #1 已登记"))
        event = private_message("/心愿列表", user_id=STREET_A)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, NotHaving("qingnian01", "我自己"), result=None)
        step(ctx, bot, YOUTH, "撤回心愿 1", texts.WITHDRAWN.format(id=1))
        step(ctx, bot, STREET_A, "/心愿列表", texts.LIST_EMPTY)


class NotHaving:
    """A pure-text message listing wish #1 without any of `parts`."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        text = str(other)
        return "#1 想要一个篮球" in text and not any(p in text for p in self.parts)

    def __repr__(self) -> str:
        return f"NotHaving{self.parts!r}"

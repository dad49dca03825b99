"""Activities through the chat surface (nonebug): publish → preview → confirm → broadcast through
the outbox → sign up (fields in private) → 我的报名 → cancel → promotion told; refusals.

Every test runs on SQLite and on PostgreSQL (the `runtime` fixture) with a clock moved by hand; the
outbox's waits move that clock. The test grid: 测试区团委 (district, group 40002) above
测试街道团工委 (street, group 40001, cadre 街道甲 10001).
"""

from __future__ import annotations

import pytest
from nonebot.adapters.onebot.v11 import (
    ActionFailed,
    Bot,
    GroupMessageEvent,
    Message,
    MessageSegment,
)
from nonebug import App

from bot.activities import texts
from bot.activities.service import ActivityService
from bot.delivery.onebot import OneBotChannel
from bot.runtime import Runtime
from tests.activities.helpers import make_outbox
from tests.conftest import SUPERUSER
from tests.utils import SELF_ID, Clock, TextWith, bot_reply, group_message, private_message

ADMIN = int(SUPERUSER)
STREET_A = 10001


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


class QuotedWith:
    """Equals the bot's quoted group reply to `event` whose text contains `part`."""

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


@pytest.fixture
def activities(runtime: Runtime, clock: Clock) -> ActivityService:
    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, OneBotChannel())
    return service


def step(ctx, bot: Bot, user: int, text: str, reply: str | TextWith) -> None:
    """One private message of the dialogue and the bot's answer."""
    event = private_message(text, user_id=user)
    ctx.receive_event(bot, event)
    ctx.should_call_send(event, reply if isinstance(reply, TextWith) else say(reply), result=None)


async def test_publish_broadcast_signup_and_promotion(
    app: App, runtime: Runtime, activities: ActivityService, clock: Clock
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        step(ctx, bot, ADMIN, "/发布活动", texts.ASK_TITLE)
        step(ctx, bot, ADMIN, "冬季志愿服务", texts.ASK_TIME)
        step(ctx, bot, ADMIN, "下个月", texts.BAD_TIME)
        step(ctx, bot, ADMIN, "11月10日 下午2点", texts.ASK_PLACE)
        step(ctx, bot, ADMIN, "街道活动中心", texts.ASK_DETAILS)
        step(ctx, bot, ADMIN, "无", texts.ASK_QUOTA)
        step(ctx, bot, ADMIN, "1", texts.ASK_DEADLINE)
        step(ctx, bot, ADMIN, "无", TextWith("发送对象？", "企业青年", "测试区团委（district）"))
        step(ctx, bot, ADMIN, "火星团委", TextWith("没找到「火星团委」"))
        step(ctx, bot, ADMIN, "测试区团委 qq:40003", texts.ASK_FIELDS)
        event = private_message("姓名", user_id=ADMIN)
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event,
            TextWith(
                "【预览】以下是将发到 3 个群的通知",
                "【活动 #1】冬季志愿服务",
                "11月10日（周二）14:00",
            ),
            result=None,
        )
        ctx.should_call_send(event, say(texts.ASK_CONFIRM), result=None)
        step(ctx, bot, ADMIN, "确认", TextWith("活动 #1 已开始发送到 3 个群"))

    announcement = TextWith("【活动 #1】冬季志愿服务", "街道活动中心", "报名 1")
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        # The account connects: its chats are listed before anything goes out through it.
        groups = [{"group_id": group} for group in (40001, 40002, 40003)]
        ctx.should_call_api("get_group_list", {}, result=groups)
        ctx.should_call_api("get_friend_list", {}, result=[{"user_id": 30002}])
        await activities.outbox.account_connected("qq", str(SELF_ID))
        for message_id, group in enumerate((40002, 40001, 40003), 7001):
            ctx.should_call_api(
                "send_group_msg",
                {"group_id": group, "message": announcement},
                result={"message_id": message_id},
            )
        assert await activities.outbox.send_due() == 3

    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        # 报名 <编号> in the group, without an @: the fields are asked in private.
        first = group_message("报名 1", user_id=30001, group_id=40001, to_me=False)
        ctx.receive_event(bot, first)
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": 30001,
                "message": TextWith("活动 #1「冬季志愿服务」报名还需要补充信息", "姓名"),
            },
            result={"message_id": 8001},
        )
        ctx.should_call_send(first, quoted(first, _signed_private()), result=None)
        step(ctx, bot, 30001, "王小青", texts.FIELDS_DONE.format(id=1, title="冬季志愿服务"))
        # Replying 报名 to the announcement: the quota is full, so the waitlist.
        second = group_message(
            "报名", user_id=30002, group_id=40002, reply=bot_reply(7001, "【活动 #1】冬季志愿服务")
        )
        ctx.receive_event(bot, second)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 30002, "message": TextWith("报名还需要补充信息")},
            result={"message_id": 8002},
        )
        ctx.should_call_send(
            second,
            quoted(
                second,
                texts.WAITLISTED.format(rank=1, id=1, title="冬季志愿服务")
                + texts.FIELDS_BY_PRIVATE,
            ),
            result=None,
        )
        mine = group_message("我的报名", user_id=30002, group_id=40002, to_me=False)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine,
            quoted(
                mine, "你的报名：\n#1「冬季志愿服务」11月10日（周二）14:00 · 候补（候补第 1 位）"
            ),
            result=None,
        )
        cancel = private_message("取消报名 1", user_id=30001)
        ctx.receive_event(bot, cancel)
        ctx.should_call_send(
            cancel, say(texts.SIGNUP_CANCELLED.format(id=1, title="冬季志愿服务")), result=None
        )

    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 30002, "message": TextWith("【候补成功】", "冬季志愿服务")},
            result={"message_id": 8003},
        )
        assert await activities.outbox.send_due() == 1
        status = private_message("/活动状态 1", user_id=ADMIN)
        ctx.receive_event(bot, status)
        ctx.should_call_send(
            status,
            TextWith("报名 1/1，候补 0", "群发进度：已发 3/3", "测试区团委（40002）：已发送"),
            result=None,
        )


def _signed_private() -> str:
    return (
        texts.SIGNED.format(
            id=1, title="冬季志愿服务", time="11月10日（周二）14:00", place="街道活动中心"
        )
        + texts.FIELDS_BY_PRIVATE
    )


async def test_youths_are_refused_organiser_commands(
    app: App, runtime: Runtime, activities: ActivityService
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        publish = group_message("/发布活动", user_id=30001)
        ctx.receive_event(bot, publish)
        ctx.should_call_send(publish, quoted(publish, texts.NOT_CADRE), result=None)
        for command in ("/导出 1", "/取消活动 1", "/活动状态 1", "/修改活动 1 地点 家里"):
            step(ctx, bot, 30001, command, texts.NOT_CADRE)


async def test_cadre_exports_privately_from_a_group(
    app: App, runtime: Runtime, activities: ActivityService, clock: Clock
) -> None:
    from tests.activities.helpers import STREET_A as STREET_A_ORGANISER
    from tests.activities.helpers import draft

    activity = await activities.create(STREET_A_ORGANISER, draft(clock))
    await activities.schedule(STREET_A_ORGANISER, activity.id)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        export = group_message("/导出 1", user_id=STREET_A, group_id=40001)
        ctx.receive_event(bot, export)
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": STREET_A,
                "message": TextWith(
                    "报名表（0 人）", "/exports/", ".xlsx", ".csv", "24 小时后失效"
                ),
            },
            result={"message_id": 8101},
        )
        ctx.should_call_send(export, quoted(export, texts.EXPORT_SENT_PRIVATELY), result=None)
        listing = group_message("活动", user_id=30009, group_id=40001)
        ctx.receive_event(bot, listing)
        ctx.should_call_send(
            listing,
            quoted(
                listing,
                "近期活动：\n#1「社区志愿服务」11月4日（周三）09:00 · 街道活动中心 · 名额不限\n"
                + texts.UPCOMING_FOOTER,
            ),
            result=None,
        )
        elsewhere = group_message("本周活动", user_id=30009, group_id=40002)
        ctx.receive_event(bot, elsewhere)
        ctx.should_call_send(elsewhere, quoted(elsewhere, texts.WEEK_EMPTY), result=None)


async def test_fields_asked_after_a_failed_private_message(
    app: App, runtime: Runtime, activities: ActivityService, clock: Clock
) -> None:
    from tests.activities.helpers import announced

    await announced(activities, clock, fields=["school"])
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        signup = group_message("报名 1", user_id=30005, group_id=40001, to_me=False)
        ctx.receive_event(bot, signup)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 30005, "message": TextWith("学校")},
            exception=ActionFailed(retcode=100, msg="not a friend"),
        )
        ctx.should_call_send(signup, QuotedWith(signup, texts.FIELDS_PRIVATE_FAILED), result=None)
        step(
            ctx,
            bot,
            30005,
            "我的报名",
            TextWith("#1「社区志愿服务」", texts.FIELD_PROMPTS["school"]),
        )
        step(ctx, bot, 30005, "青城一中", texts.FIELDS_DONE.format(id=1, title="社区志愿服务"))


def dialogue_until_confirm(ctx, bot: Bot, user: int, targets: str) -> None:
    """/发布活动 answered up to the preview, with no quota, deadline or fields."""
    step(ctx, bot, user, "/发布活动", texts.ASK_TITLE)
    step(ctx, bot, user, "团课", texts.ASK_TIME)
    step(ctx, bot, user, "周五 19:00", texts.ASK_PLACE)
    step(ctx, bot, user, "线上", texts.ASK_DETAILS)
    step(ctx, bot, user, "腾讯会议，会议号见群公告", texts.ASK_QUOTA)
    step(ctx, bot, user, "不限", texts.ASK_DEADLINE)
    step(ctx, bot, user, "周五 12:00", TextWith("发送对象？"))
    step(ctx, bot, user, targets, texts.ASK_FIELDS)
    event = private_message("无", user_id=user)
    ctx.receive_event(bot, event)
    ctx.should_call_send(event, TextWith("【预览】以下是将发到 1 个群的通知"), result=None)
    ctx.should_call_send(event, say(texts.ASK_CONFIRM), result=None)


async def test_cadre_schedules_for_later_and_cannot_reach_above(
    app: App, runtime: Runtime, activities: ActivityService, clock: Clock
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        step(ctx, bot, STREET_A, "/发布活动", texts.ASK_TITLE)
        step(ctx, bot, STREET_A, "退出", texts.DIALOGUE_QUIT)
        dialogue_until_confirm(ctx, bot, STREET_A, "农村青年")
        step(ctx, bot, STREET_A, "好的", texts.BAD_CONFIRM)
        step(ctx, bot, STREET_A, "定时 昨天", texts.BAD_TIME)
        step(
            ctx,
            bot,
            STREET_A,
            "定时 明天 9:00",
            "活动 #1 将于 11月3日（周二）09:00 发到 1 个群。/活动状态 1 查看进度。",
        )
        # A street cadre cannot announce to the district above.
        step(ctx, bot, STREET_A, "/发布活动", texts.ASK_TITLE)
        for text, reply in (
            ("团课", texts.ASK_TIME),
            ("周五 19:00", texts.ASK_PLACE),
            ("线上", texts.ASK_DETAILS),
            ("无", texts.ASK_QUOTA),
            ("不限", texts.ASK_DEADLINE),
            ("无", TextWith("发送对象？")),
            ("district", texts.ASK_FIELDS),
        ):
            step(ctx, bot, STREET_A, text, reply)
        step(
            ctx,
            bot,
            STREET_A,
            "无",
            TextWith("你只能向自己负责的组织及其下级发布活动", "测试区团委"),
        )
    assert (await activities.get(1)).status == "scheduled"
    clock.advance(days=1)
    assert await activities.tick() == (1, 0)
    assert (await activities.get(1)).status == "announced"


async def test_redelivered_messages_act_once_in_the_publish_dialogue(
    app: App, runtime: Runtime, activities: ActivityService
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        start = private_message("/发布活动", user_id=STREET_A)
        ctx.receive_event(bot, start)
        ctx.should_call_send(start, say(texts.ASK_TITLE), result=None)
        # Each event delivered again: not a title, not a second dialogue, not a second step.
        ctx.receive_event(
            bot, private_message("/发布活动", user_id=STREET_A, message_id=start.message_id)
        )
        title = private_message("团课", user_id=STREET_A)
        ctx.receive_event(bot, title)
        ctx.should_call_send(title, say(texts.ASK_TIME), result=None)
        ctx.receive_event(
            bot, private_message("团课", user_id=STREET_A, message_id=title.message_id)
        )
        step(ctx, bot, STREET_A, "周五 19:00", texts.ASK_PLACE)
        step(ctx, bot, STREET_A, "退出", texts.DIALOGUE_QUIT)
        mine = private_message("我的报名", user_id=30001)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(mine, say(texts.MY_SIGNUPS_EMPTY), result=None)
        ctx.receive_event(
            bot, private_message("我的报名", user_id=30001, message_id=mine.message_id)
        )

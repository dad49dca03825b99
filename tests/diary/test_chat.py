"""团情日记 through QQ (nonebug): a cadre records a visit step by step in private chat (bad
answers asked again), sees the month's "四个一", lists and opens diaries; in a group the dialogue
moves to private chat; a youth is refused.

Test grid: group 40001 belongs to 测试街道团工委 (street), cadre 街道甲 (10001). The clock stands at
2026-11-02 09:00 local time.
"""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot, Message, MessageSegment
from nonebug import App

from bot.diary import texts
from bot.runtime import Runtime
from tests.utils import SELF_ID, Clock, TextWith, group_message, private_message

STREET_A = 10001
YOUTH = 30001


def say(text: str) -> Message:
    return Message(MessageSegment.text(text))


def step(ctx, bot: Bot, user: int, text: str, reply: str | TextWith) -> None:
    event = private_message(text, user_id=user)
    ctx.receive_event(bot, event)
    ctx.should_call_send(event, reply if isinstance(reply, TextWith) else say(reply), result=None)


async def test_a_visit_recorded_in_private_chat(app: App, runtime: Runtime, clock: Clock) -> None:
    runtime.diaries.clock = clock
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        step(ctx, bot, STREET_A, "/日记", texts.ASK_DATE)
        step(ctx, bot, STREET_A, "明年", texts.BAD_DATE)
        step(ctx, bot, STREET_A, "11-05", texts.FUTURE_DATE)
        step(ctx, bot, STREET_A, "昨天", texts.ASK_ORG)
        step(ctx, bot, STREET_A, "测试街道团工委", texts.ASK_YOUTHS)
        step(ctx, bot, STREET_A, "好多", texts.BAD_YOUTHS)
        step(ctx, bot, STREET_A, "8 高二学生和班主任", texts.ASK_HEARD)
        step(ctx, bot, STREET_A, "盼着多开职业规划讲座", texts.ASK_PROBLEMS)
        step(ctx, bot, STREET_A, "找实习没有渠道；晚上回家的路没有路灯", texts.ASK_FOLLOWUPS)
        step(ctx, bot, STREET_A, "联系人社局进校讲座\n反映路灯问题", texts.ASK_MARKS)
        step(ctx, bot, STREET_A, "5", texts.BAD_MARKS)
        items = "1 联系人社局进校讲座\n2 反映路灯问题"
        step(ctx, bot, STREET_A, "1", texts.ASK_CASES.format(items=items))
        step(ctx, bot, STREET_A, "7", texts.BAD_CASES)
        step(
            ctx,
            bot,
            STREET_A,
            "否",
            TextWith(
                "团情日记 #1 已保存：2026-11-01 测试街道团工委，见青年 8 人。",
                "跟进#1 联系人社局进校讲座 · 待跟进",
                "跟进#2 反映路灯问题 · 待跟进",
                "2026年11月“四个一”",
                "✅ 基层工作日：1/1天",
                "✅ 一件实事：1/1件",
                "⬜ 一篇调研报告：0/1篇",
                "⬜ 结交一批青年：8/10人",
            ),
        )
        step(ctx, bot, STREET_A, "/日记 本月", TextWith("⬜ 结交一批青年：8/10人"))
        step(ctx, bot, STREET_A, "/日记 上月", TextWith("2026年10月", "⬜ 基层工作日：0/1天"))
        step(
            ctx,
            bot,
            STREET_A,
            "/日记 列表",
            TextWith("#1 2026-11-01 测试街道团工委", "待跟进 2 件"),
        )
        step(
            ctx,
            bot,
            STREET_A,
            "/日记 1",
            TextWith(
                "团情日记 #1 · 街道甲", "找实习没有渠道；晚上回家的路没有路灯", "算作：办实事"
            ),
        )
        step(ctx, bot, STREET_A, "/日记 办结 2", texts.MARKED_DONE.format(id=2))
        step(ctx, bot, STREET_A, "/日记 办结 2", texts.ALREADY_DONE.format(id=2))
        step(ctx, bot, STREET_A, "/日记 列表", TextWith("待跟进 1 件"))
        step(ctx, bot, STREET_A, "/日记 9", texts.NOT_FOUND.format(id=9))
        step(ctx, bot, STREET_A, "/日记 随便", texts.USAGE)
        # A youth gets the refusal, and no dialogue.
        step(ctx, bot, YOUTH, "/日记", texts.NOT_CADRE)
        step(ctx, bot, YOUTH, "/日记 本月", texts.NOT_CADRE)


async def test_in_a_group_the_dialogue_goes_private(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("/日记", user_id=STREET_A, group_id=40001)
        ctx.receive_event(bot, event)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": say(texts.ASK_DATE)},
            result={"message_id": 8001},
        )
        ctx.should_call_send(
            event,
            Message(
                [
                    MessageSegment.reply(event.message_id),
                    MessageSegment.at(STREET_A),
                    MessageSegment.text(" " + texts.IN_GROUP),
                ]
            ),
            result=None,
        )
        step(ctx, bot, STREET_A, "今天", texts.ASK_ORG)
        # Quitting writes nothing.
        step(ctx, bot, STREET_A, "退出", texts.QUIT)
    assert await runtime.diaries.mine("street-a") == []


async def test_where_no_private_chat_reaches_the_cadre(runtime: Runtime) -> None:
    """On the official QQ bot a group member cannot be messaged privately: the cadre is told to
    write privately, and no dialogue waits for them anywhere."""
    from bot.chat.conversation import Bubble
    from bot.chat.conversation import Message as ChatMessage
    from bot.chat.features import conversation
    from bot.chat.speaker import speaker_of
    from bot.delivery.channel import SendError

    said: list[str] = []

    async def send(bubble: Bubble) -> str | None:
        if bubble.private:
            raise SendError("no private chat from a group here")
        said.append(bubble.text)
        return None

    message = ChatMessage(
        "qqbot", "OPENID-A", "/日记", "m1", chat="GROUP-1", reaches_privately=False
    )
    cadre = speaker_of(runtime.grid.grid.people["street-a"], "qqbot")
    await conversation(runtime).handle(message, send, speaker=cadre)
    assert said == [texts.IN_GROUP_NO_PRIVATE]
    assert not await runtime.dialogues.active(message.dialogue_key)
    private = ChatMessage("qqbot", "OPENID-A", "x", "m2")
    assert not await runtime.dialogues.active(private.dialogue_key)

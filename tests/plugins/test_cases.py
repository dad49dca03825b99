"""The case loop through the chat surface (nonebug): youth → case → cadre DM → answer → youth.

Every test runs on SQLite and on PostgreSQL (the `runtime` fixture) with a clock moved by hand.
The test grid (tests/fixtures/faq_data/grid): group 40001 belongs to 测试街道团工委 (street),
whose on-duty cadres are 街道甲 (10001) and 街道乙 (10002, at most one open case); above it
测试区团委 (district, 区里甲 10004) and 测试团市委 (city, 市里甲 10006); 就业专家 10008.
"""

from __future__ import annotations

from datetime import timedelta

from nonebot.adapters.onebot.v11 import (
    ActionFailed,
    Bot,
    GroupMessageEvent,
    Message,
    MessageSegment,
)
from nonebug import App
from sqlalchemy import select

from bot.cases import texts
from bot.cases.models import Case, CaseAsker, CaseEventKind
from bot.delivery.onebot import OneBotChannel
from bot.qa import texts as qa_texts
from bot.qa.model import Incoming
from bot.runtime import Runtime, set_runtime
from tests.conftest import SUPERUSER
from tests.utils import SELF_ID, Clock, TextWith, bot_reply, group_message, private_message

GROUP = 40001
STREET_A = 10001
STREET_B = 10002
DISTRICT_A = 10004
JOB_EXPERT = 10008
PLACE = "测试街道团工委 · 群 40001"
QUESTION = "学校团课什么时候开始报名"
"""A question the test FAQ can't answer."""


def say(text: str) -> Message:
    return Message(MessageSegment.text(text))


def quoted(event: GroupMessageEvent, text: str) -> Message:
    """What the bot says back in a group: a quote of the message, an @ of its sender, the text."""
    return Message(
        [
            MessageSegment.reply(event.message_id),
            MessageSegment.at(event.user_id),
            MessageSegment.text(" " + text),
        ]
    )


def to_group(asked: GroupMessageEvent, text: str) -> dict[str, object]:
    """The send_group_msg call that brings `text` to the youth who asked `asked`."""
    return {
        "group_id": asked.group_id,
        "message": Message(
            [
                MessageSegment.reply(asked.message_id),
                MessageSegment.at(asked.user_id),
                MessageSegment.text(" " + text),
            ]
        ),
    }


def answer_text(asked: GroupMessageEvent, answer: str) -> str:
    question = asked.message.extract_plain_text()
    return texts.ANSWER_TO_YOUTH.format(question=question, answer=answer)


def dm(user_id: int, *parts: str) -> dict[str, object]:
    """A send_private_msg call to `user_id` made of one text segment containing `parts`."""
    return {"user_id": user_id, "message": TextWith(*parts)}


class TextWithout(TextWith):
    """`TextWith` whose text also contains none of `absent` (e.g. the youth's QQ number)."""

    def __init__(self, *parts: str, absent: tuple[str, ...] = ()) -> None:
        super().__init__(*parts)
        self.absent = absent

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and not any(
            word in other[0].data["text"]  # type: ignore[index]
            for word in self.absent
        )


def notification(
    case: int, question: str = QUESTION, place: str = PLACE, youth: int | None = None
) -> TextWith:
    """A cadre's 新问题 notification: number, question, place, masked asker, how to answer; never
    the asker's QQ number."""
    return TextWithout(
        f"【新问题 #{case}】",
        f"问题：{question}",
        place,
        "提问人：小*",
        f"/答 {case}",
        absent=(str(youth),) if youth else (),
    )


def no_faq(runtime: Runtime) -> None:
    """Nothing is suggested, so every question the FAQ can't answer outright opens a case."""
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})


def sent(case: int, count: int, held: int = 0) -> str:
    held_text = texts.ANSWER_HELD.format(held=held) if held else ""
    return texts.ANSWER_SENT.format(case=case, sent=count, held=held_text)


def ask(ctx, bot: Bot, question: str, *, user_id: int, dm_to: int, dm_id: int, case: int = 1):
    """A youth @s the bot in group 40001; the youth is told; then the cadre `dm_to` is notified."""
    event = group_message(question, user_id=user_id, group_id=GROUP)
    ctx.receive_event(bot, event)
    ctx.should_call_send(
        event, quoted(event, texts.OPENED.format(case=case)), result={"message_id": dm_id + 1}
    )
    ctx.should_call_api(
        "send_private_msg",
        {"user_id": dm_to, "message": notification(case, question, youth=user_id)},
        result={"message_id": dm_id},
    )
    return event


async def kinds(runtime: Runtime, case: int) -> list[str]:
    return [event.kind for event in await runtime.cases.events(case)]


def in_order(wanted: list[str], log: list[str]) -> bool:
    """`wanted` is a subsequence of `log`."""
    it = iter(log)
    return all(kind in it for kind in wanted)


# ---- the whole loop ---------------------------------------------------------------------------


async def test_youth_question_reaches_cadre_and_quoted_answer_comes_back(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    answer = "团课报名一般在每学期开学第二周，请留意团支部通知。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30101, dm_to=STREET_A, dm_id=5001)
        reply = private_message(answer, user_id=STREET_A, reply=bot_reply(5001))
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, answer)),
            result={"message_id": 5003},
        )
        ctx.should_call_send(reply, say("已回复 #1，答案已送达 1 人。"), result=None)
    assert sent(1, 1) == "已回复 #1，答案已送达 1 人。"
    assert in_order(
        ["opened", "assigned", "notified", "answered", "delivered"], await kinds(runtime, 1)
    )
    # The youth's status, and a like on the person's answer lands in the case log.
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        mine = group_message("/我的问题", user_id=30101)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine, quoted(mine, f"你最近的问题：\n1. {QUESTION}（问题编号 #1，已回复）"), result=None
        )
        like = group_message("赞", user_id=30101, reply=bot_reply(5003))
        ctx.receive_event(bot, like)
        ctx.should_call_send(like, quoted(like, qa_texts.THANKS), result=None)
    assert (await kinds(runtime, 1))[-1] == CaseEventKind.LIKED.value


async def test_answer_command_todo_and_learn(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    answer = "团课在线上青年大学习平台报名，截止到本月底。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30111, dm_to=STREET_A, dm_id=5011)
        todo = private_message("/待办", user_id=STREET_A)
        ctx.receive_event(bot, todo)
        due = runtime.cases.local_time(runtime.cases.clock() + timedelta(hours=24))
        ctx.should_call_send(
            todo,
            say(
                texts.TASKS_HEADER.format(count=1)
                + "\n"
                + texts.TASKS_ITEM.format(
                    mark="",
                    case=1,
                    question=QUESTION,
                    status="处理中",
                    due=texts.TASKS_DUE.format(due=due),
                    reason="",
                )
            ),
            result=None,
        )
        command = private_message(f"/答 1 {answer}", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, answer)),
            result={"message_id": 5013},
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
        empty = private_message("/待办", user_id=STREET_A)
        ctx.receive_event(bot, empty)
        ctx.should_call_send(empty, say(texts.TASKS_EMPTY), result=None)
        learn = private_message("/入库 1", user_id=STREET_A)
        ctx.receive_event(bot, learn)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 10009, "message": TextWith("【待审核问答 #1】", answer)},
            result={"message_id": 5014},
        )
        ctx.should_call_send(
            learn, say(texts.LEARNED.format(case=1, entry="learned-1")), result=None
        )
        again = private_message("/入库 1", user_id=STREET_A)
        ctx.receive_event(bot, again)
        ctx.should_call_send(
            again, say(texts.ALREADY_LEARNED.format(case=1, entry="learned-1")), result=None
        )
    learned = runtime.settings.faq_dir / "faq" / "learned.yaml"
    assert learned.exists()
    assert "learned-1" in learned.read_text(encoding="utf-8")
    # Waiting for an admin's review: loaded, not served (see tests/plugins/test_review.py).
    assert runtime.faq.last_report is not None and runtime.faq.last_report.pending == 1
    assert runtime.faq.get("learned-1") is None
    assert all(m.entry.id != "learned-1" for m in runtime.faq.search(QUESTION))


async def test_claim_reassign_and_close(app: App, runtime: Runtime, clock: Clock) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30121, dm_to=STREET_A, dm_id=5021)
        clock.advance(hours=3)
        claim = private_message("/认领 1", user_id=STREET_B)
        ctx.receive_event(bot, claim)
        # Whoever had it hears it is taken; the claimant gets the whole time limit from now.
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": say(texts.CLAIMED_FROM.format(case=1, name="街道乙"))},
            result={"message_id": 5020},
        )
        due = runtime.cases.local_time(clock() + timedelta(hours=24))
        ctx.should_call_send(claim, say(texts.CLAIMED.format(case=1, due=due)), result=None)
        todo_b = private_message("/待办", user_id=STREET_B)
        ctx.receive_event(bot, todo_b)
        ctx.should_call_send(
            todo_b,
            TextWith(texts.TASKS_HEADER.format(count=1), f"#1 {QUESTION}（处理中"),
            result=None,
        )
        todo_a = private_message("/待办", user_id=STREET_A)
        ctx.receive_event(bot, todo_a)
        ctx.should_call_send(todo_a, say(texts.TASKS_EMPTY), result=None)
        move = private_message("/转 1 区里甲", user_id=STREET_B)
        ctx.receive_event(bot, move)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": DISTRICT_A, "message": notification(1)},
            result={"message_id": 5023},
        )
        ctx.should_call_send(move, say(texts.REASSIGNED.format(case=1, name="区里甲")), result=None)
        nobody = private_message("/转 1 张三", user_id=DISTRICT_A)
        ctx.receive_event(bot, nobody)
        ctx.should_call_send(nobody, say(texts.UNKNOWN_PERSON.format(who="张三")), result=None)
        close = private_message("/关闭 1 已在群公告说明", user_id=DISTRICT_A)
        ctx.receive_event(bot, close)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, texts.CLOSED_TO_YOUTH.format(case=1, reason="已在群公告说明")),
            result={"message_id": 5024},
        )
        ctx.should_call_send(close, say(texts.CLOSED.format(case=1)), result=None)
        late = private_message("/答 1 迟到的答案", user_id=DISTRICT_A)
        ctx.receive_event(bot, late)
        ctx.should_call_send(late, say(texts.CASE_CLOSED.format(case=1)), result=None)
    assert in_order(
        ["opened", "assigned", "notified", "claimed", "reassigned", "notified", "closed"],
        await kinds(runtime, 1),
    )
    # The new assignee's notification answers the case too (it is closed now).
    assert await runtime.cases.case_for_message("qq", "5023") == 1


async def test_same_question_from_two_youths_is_one_case_answered_to_both(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    answer = "本月 20 日前在团支部报名。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        first = ask(ctx, bot, QUESTION, user_id=30131, dm_to=STREET_A, dm_id=5031)
        second = group_message("学校的团课什么时候开始报名？", user_id=30132)
        ctx.receive_event(bot, second)
        # No second notification: the next call must be the reply to the second youth.
        ctx.should_call_send(
            second, quoted(second, texts.MERGED.format(case=1)), result={"message_id": 5033}
        )
        reply = private_message(answer, user_id=STREET_A, reply=bot_reply(5031))
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_group_msg",
            to_group(first, answer_text(first, answer)),
            result={"message_id": 5034},
        )
        ctx.should_call_api(
            "send_group_msg",
            to_group(second, answer_text(second, answer)),
            result={"message_id": 5035},
        )
        ctx.should_call_send(reply, say(sent(1, 2)), result=None)
    log = await kinds(runtime, 1)
    assert log.count("merged") == 1
    assert log.count("notified") == 1
    assert log.count("delivered") == 2


async def test_the_same_youth_asking_again_stays_one_asker_of_one_case(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ask(ctx, bot, QUESTION, user_id=30133, dm_to=STREET_A, dm_id=5036)
        again = group_message("学校的团课什么时候开始报名？", user_id=30133)
        ctx.receive_event(bot, again)
        # Neither "someone asked it too" nor a second notification.
        ctx.should_call_send(
            again, quoted(again, texts.OPENED.format(case=1)), result={"message_id": 5038}
        )
    assert "merged" not in await kinds(runtime, 1)
    async with runtime.db.session() as session:
        askers = (await session.scalars(select(CaseAsker.user_id))).all()
    assert askers == ["30133"]


async def test_topic_question_goes_to_the_expert(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ask(ctx, bot, "怎么找实习工作", user_id=30141, dm_to=JOB_EXPERT, dm_id=5041)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        todo = private_message("/待办", user_id=JOB_EXPERT)
        ctx.receive_event(bot, todo)
        ctx.should_call_send(todo, TextWith("#1 怎么找实习工作（处理中"), result=None)


async def test_handover_after_an_faq_answer_opens_a_case(app: App, runtime: Runtime) -> None:
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = group_message("怎么交团费？", user_id=30151)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(
            asked, quoted(asked, qa_texts.answer(entry)), result={"message_id": 5051}
        )
        human = group_message("转人工", user_id=30151)
        ctx.receive_event(bot, human)
        ctx.should_call_send(
            human, quoted(human, texts.OPENED.format(case=1)), result={"message_id": 5053}
        )
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": notification(1, "怎么交团费？")},
            result={"message_id": 5052},
        )
        answer = private_message("/答 1 这学期统一线上缴纳。", user_id=STREET_A)
        ctx.receive_event(bot, answer)
        ctx.should_call_api(
            "send_group_msg",
            to_group(asked, answer_text(asked, "这学期统一线上缴纳。")),
            result={"message_id": 5054},
        )
        ctx.should_call_send(answer, say(sent(1, 1)), result=None)


# ---- permissions and bad input -------------------------------------------------------------


async def _add_another_street(runtime: Runtime) -> None:
    """A second street under the district, with its own cadre 10003."""
    grid = runtime.settings.faq_dir / "grid"
    with (grid / "orgs.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: street2\n    name: 另一街道团工委\n    level: 街道团工委\n"
            '    parent: district\n    groups: ["qq:40003"]\n'
        )
    with (grid / "people.yaml").open("a", encoding="utf-8") as f:
        f.write(
            "  - id: street2-a\n    name: 另街甲\n    role: 团干部\n    orgs: [street2]\n"
            '    qq: "10003"\n'
        )
    report = await runtime.grid.reload(reason="test")
    assert report.ok, report
    assert runtime.grid.grid.person_by_account("qq", "10003") is not None


async def test_refusals_and_bad_input(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    await _add_another_street(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30161, dm_to=STREET_A, dm_id=5061)
        checks = [
            (private_message("/答 1 我来答", user_id=30161), texts.NOT_CADRE),
            (private_message("/关闭 1 无聊", user_id=30999), texts.NOT_CADRE),
            (private_message("/待办", user_id=30999), texts.NOT_CADRE),
            (private_message("/答 1 我来答", user_id=10003), texts.NOT_ALLOWED.format(case=1)),
            (
                private_message("另一个街道的答案", user_id=10003, reply=bot_reply(5061)),
                texts.NOT_ALLOWED.format(case=1),
            ),
            (private_message("/转 1 区里甲", user_id=JOB_EXPERT), texts.NOT_ALLOWED.format(case=1)),
            (private_message("/答 99 答案", user_id=STREET_A), texts.UNKNOWN_CASE.format(case=99)),
            (private_message("/答 abc", user_id=STREET_A), texts.USAGE["答"]),
            (private_message("/答 1", user_id=STREET_A), texts.USAGE["答"]),
            (private_message("/关闭 1", user_id=STREET_A), texts.USAGE["关闭"]),
            (private_message("/认领 x", user_id=STREET_A), texts.USAGE["认领"]),
            (private_message("/入库 1", user_id=STREET_A), texts.NOT_ANSWERED_YET.format(case=1)),
        ]
        for event, refusal in checks:
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, say(refusal), result=None)
        in_group = group_message("/答 1 我来答", user_id=30162)
        ctx.receive_event(bot, in_group)
        ctx.should_call_send(in_group, quoted(in_group, texts.NOT_CADRE), result=None)
        close = private_message("/关闭 1 重复问题", user_id=STREET_A)
        ctx.receive_event(bot, close)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, texts.CLOSED_TO_YOUTH.format(case=1, reason="重复问题")),
            result={"message_id": 5062},
        )
        ctx.should_call_send(close, say(texts.CLOSED.format(case=1)), result=None)
        for late in (
            private_message("/答 1 还是答一下", user_id=STREET_A),
            private_message("还是答一下", user_id=STREET_A, reply=bot_reply(5061)),
            private_message("/关闭 1 再关一次", user_id=STREET_A),
        ):
            ctx.receive_event(bot, late)
            ctx.should_call_send(late, say(texts.CASE_CLOSED.format(case=1)), result=None)
    log = await kinds(runtime, 1)
    assert "answered" not in log
    assert log.count("closed") == 1


async def test_an_admin_may_answer_any_case(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30171, dm_to=STREET_A, dm_id=5071)
        command = private_message("/答 1 管理员的答案", user_id=int(SUPERUSER))
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, "管理员的答案")),
            result={"message_id": 5072},
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)


async def test_cadre_answer_with_cq_codes_reaches_the_youth_as_text(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    typed = "[CQ:at,qq=all] @全体成员 明天开会"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        first = ask(ctx, bot, QUESTION, user_id=30181, dm_to=STREET_A, dm_id=5081)
        reply = private_message(typed, user_id=STREET_A, reply=bot_reply(5081))
        ctx.receive_event(bot, reply)
        expected = to_group(first, answer_text(first, typed))
        ctx.should_call_api("send_group_msg", expected, result={"message_id": 5082})
        ctx.should_call_send(reply, say(sent(1, 1)), result=None)
        second = ask(
            ctx, bot, "团员证的照片怎么更换", user_id=30182, dm_to=STREET_A, dm_id=5083, case=2
        )
        command = private_message(f"/答 2 {typed}", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(second, answer_text(second, typed)),
            result={"message_id": 5085},
        )
        ctx.should_call_send(command, say(sent(2, 1)), result=None)
    message = expected["message"]
    assert isinstance(message, Message)
    assert [seg.type for seg in message] == ["reply", "at", "text"]
    assert message[1].data["qq"] == str(first.user_id)


# ---- held delivery ---------------------------------------------------------------------------


async def test_failed_group_send_is_held_and_released_on_the_next_message(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    answer = "下周一开始报名。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30191, dm_to=STREET_A, dm_id=5091)
        reply = private_message(answer, user_id=STREET_A, reply=bot_reply(5091))
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, answer)),
            exception=ActionFailed(retcode=1200, status="failed", message="risk control"),
        )
        ctx.should_call_send(
            reply,
            say("已回复 #1，答案已送达 0 人，1 人待送达（对方下次发消息时送达）。"),
            result=None,
        )
        mine = group_message("/我的问题", user_id=30191)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine, quoted(mine, f"你最近的问题：\n1. {QUESTION}（问题编号 #1，待送达）"), result=None
        )
        # Chatter without an @ is not for the bot: nothing is released.
        ctx.receive_event(bot, group_message("哈哈", user_id=30191, to_me=False))
        again = group_message("怎么交团费？", user_id=30191)
        ctx.receive_event(bot, again)
        ctx.should_call_send(
            again, quoted(again, qa_texts.answer(entry)), result={"message_id": 5093}
        )
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, answer)),
            result={"message_id": 5094},
        )
        later = group_message("/我的问题", user_id=30191)
        ctx.receive_event(bot, later)
        ctx.should_call_send(
            later,
            quoted(
                later,
                f"你最近的问题：\n1. 怎么交团费？（已解答）\n2. {QUESTION}（问题编号 #1，已回复）",
            ),
            result=None,
        )
    log = await kinds(runtime, 1)
    assert in_order(["answered", "held", "delivered"], log)
    assert log.count("delivered") == 1


# ---- time limits ---------------------------------------------------------------------------


async def _remind_then_escalate(app: App, runtime: Runtime, clock: Clock) -> None:
    """Past half the 24 h limit: a reminder; past the limit: the district cadre takes it."""
    clock.advance(hours=11, minutes=59)
    assert await runtime.cases.tick() == (0, 0)
    clock.advance(minutes=2)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            dm(STREET_A, "【提醒】问题 #1 还没有回复", QUESTION),
            result={"message_id": 5102},
        )
        assert await runtime.cases.tick() == (1, 0)
    assert await runtime.cases.tick() == (0, 0), "a reminder is sent once"
    clock.advance(hours=12)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            dm(
                DISTRICT_A,
                "【升级 #1】测试街道团工委 超时未回复",
                f"问题：{QUESTION}",
                PLACE,
                "/答 1",
            ),
            result={"message_id": 5103},
        )
        assert await runtime.cases.tick() == (0, 1)
    assert await runtime.cases.tick() == (0, 0), "an escalation happens once"


async def test_reminder_then_escalation_then_answer_by_the_district(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30201, dm_to=STREET_A, dm_id=5101)
    await _remind_then_escalate(app, runtime, clock)
    log = await kinds(runtime, 1)
    assert in_order(["opened", "assigned", "notified", "reminded", "escalated", "notified"], log)
    assert log.index("reminded") < log.index("escalated")
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        reply = private_message(
            "区团委统一安排，下周通知。", user_id=DISTRICT_A, reply=bot_reply(5103)
        )
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, "区团委统一安排，下周通知。")),
            result={"message_id": 5104},
        )
        ctx.should_call_send(reply, say(sent(1, 1)), result=None)
    clock.advance(hours=48)
    assert await runtime.cases.tick() == (0, 0), "an answered case has no timers"


async def test_restart_in_the_middle_keeps_cases_and_timers(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30211, dm_to=STREET_A, dm_id=5111)
    # The process stops (its services, not the database) and a new one starts on the same data.
    await runtime.cases.stop()
    await runtime.faq.stop()
    await runtime.grid.stop()
    restarted = await Runtime.start(
        runtime.settings, db=runtime.db, channels={"qq": OneBotChannel()}, timers=False
    )
    try:
        restarted.qa.clock = restarted.cases.clock = clock
        no_faq(restarted)
        set_runtime(restarted)
        assert await restarted.cases.case_for_message("qq", "5111") == 1
        await _remind_then_escalate(app, restarted, clock)
        assert in_order(
            ["opened", "assigned", "notified", "reminded", "escalated"],
            await kinds(restarted, 1),
        )
        async with app.test_matcher() as ctx:
            bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
            command = private_message("/答 1 重启后的答案", user_id=DISTRICT_A)
            ctx.receive_event(bot, command)
            ctx.should_call_api(
                "send_group_msg",
                to_group(youth, answer_text(youth, "重启后的答案")),
                result={"message_id": 5114},
            )
            ctx.should_call_send(command, say(sent(1, 1)), result=None)
    finally:
        await restarted.cases.stop()
        await restarted.faq.stop()
        await restarted.grid.stop()


# ---- statistics ------------------------------------------------------------------------------


async def test_stats_for_an_admin(app: App, runtime: Runtime, clock: Clock) -> None:
    no_faq(runtime)
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        faq = group_message("怎么交团费？", user_id=30221)
        ctx.receive_event(bot, faq)
        ctx.should_call_send(faq, quoted(faq, qa_texts.answer(entry)), result={"message_id": 5121})
        like = group_message("赞", user_id=30221, reply=bot_reply(5121))
        ctx.receive_event(bot, like)
        ctx.should_call_send(like, quoted(like, qa_texts.THANKS), result=None)
        youth = ask(ctx, bot, QUESTION, user_id=30222, dm_to=STREET_A, dm_id=5123)
        # 街道甲 has #1 open now: the least-loaded on-duty cadre, 街道乙, takes #2.
        ask(ctx, bot, "团员证的照片怎么更换", user_id=30223, dm_to=STREET_B, dm_id=5125, case=2)
    clock.advance(hours=2, minutes=5)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        command = private_message("/答 1 答案", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, "答案")),
            result={"message_id": 5127},
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
    clock.advance(hours=22)  # case #2 is past its 24 h limit now (not escalated: no tick)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        stats = private_message("/统计", user_id=int(SUPERUSER))
        ctx.receive_event(bot, stats)
        ctx.should_call_send(
            stats,
            say(
                texts.stats(
                    "全部",
                    collected=3,
                    by_faq=1,
                    by_people=1,
                    rate=2 / 3,
                    median_first_response="2小时5分钟",
                    likes=1,
                    overdue=[("测试街道团工委", 1)],
                )
            ),
            result=None,
        )
        youth_stats = private_message("/统计", user_id=30221)
        ctx.receive_event(bot, youth_stats)
        ctx.should_call_send(youth_stats, say(texts.NOT_CADRE), result=None)
        district = private_message("/统计 street", user_id=DISTRICT_A)
        ctx.receive_event(bot, district)
        ctx.should_call_send(
            district, TextWith("【统计】测试街道团工委", "收集问题：3"), result=None
        )
        street = private_message("/统计 district", user_id=STREET_A)
        ctx.receive_event(bot, street)
        ctx.should_call_send(street, say(texts.NOT_ALLOWED_STATS), result=None)


# ---- more routes ------------------------------------------------------------------------------


async def test_private_question_is_answered_in_private(app: App, runtime: Runtime) -> None:
    """From private chat the org is unknown: the city level takes it; the answer goes back privately."""
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = private_message(QUESTION, user_id=30231)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, say(texts.OPENED.format(case=1)), result=None)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 10006, "message": notification(1, place="来自：私聊")},
            result={"message_id": 5131},
        )
        reply = private_message("私聊的答案", user_id=10006, reply=bot_reply(5131))
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": 30231,
                "message": say(
                    texts.ANSWER_TO_YOUTH.format(question=QUESTION, answer="私聊的答案")
                ),
            },
            result={"message_id": 5132},
        )
        ctx.should_call_send(reply, say(sent(1, 1)), result=None)


async def test_crisis_alerts_on_duty_cadres_at_once(app: App, runtime: Runtime) -> None:
    """Danger (level 2): the 12355 reply first, then the on-duty cadres of the group's org are
    told the message, the risk level and why; the city level is not woken for it."""
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = group_message("我不想活了", user_id=30241)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, quoted(asked, qa_texts.CRISIS_GROUP), result=None)
        for n, qq in enumerate((STREET_A, STREET_B)):
            ctx.should_call_api(
                "send_private_msg",
                dm(
                    qq,
                    "【紧急·危险】【新问题 #1】",
                    "风险：2 级（危险）；原因：说不想活了",
                    texts.URGENT,
                    "问题：我不想活了",
                    "期限：",
                ),
                result={"message_id": 5141 + n},
            )
    assert "alerted" in await kinds(runtime, 1)


async def test_imminent_danger_names_110_and_alerts_the_city_level(
    app: App, runtime: Runtime
) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = group_message("遗书我都写好了，今晚就走", user_id=30242)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, quoted(asked, qa_texts.CRISIS_GROUP_IMMINENT), result=None)
        for n, qq in enumerate((STREET_A, STREET_B, 10006)):
            ctx.should_call_api(
                "send_private_msg",
                dm(qq, "【紧急·高危】【新问题 #1】", "风险：3 级（高危）", "遗书", "110"),
                result={"message_id": 5145 + n},
            )
    assert "12355" in qa_texts.CRISIS_GROUP_IMMINENT and "110" in qa_texts.CRISIS_GROUP_IMMINENT


async def test_urgent_case_has_a_short_limit_and_is_marked_everywhere(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    """A crisis case (level 2: 30 minutes by default, clock time) comes first in /待办 with its
    mark and reason, is reminded at half its limit and climbs a level when it runs out, marked
    each time; the ordinary case opened before it keeps its 24 h."""
    no_faq(runtime)
    crisis = "我爸喝醉了就拿皮带抽我"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ask(ctx, bot, QUESTION, user_id=30243, dm_to=STREET_A, dm_id=5151)
        asked = group_message(crisis, user_id=30244)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, quoted(asked, qa_texts.CRISIS_GROUP), result=None)
        # 街道乙 has none open, so takes it; 街道甲 is alerted too.
        for n, qq in enumerate((STREET_B, STREET_A)):
            ctx.should_call_api(
                "send_private_msg",
                dm(qq, "【紧急·危险】【新问题 #2】", "原因：家人打人", f"问题：{crisis}"),
                result={"message_id": 5153 + n},
            )
    due = runtime.cases.local_time(clock() + timedelta(minutes=30))
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        todo = private_message("/待办", user_id=STREET_B)
        ctx.receive_event(bot, todo)
        ctx.should_call_send(
            todo,
            say(
                texts.TASKS_HEADER.format(count=1)
                + "\n"
                + texts.TASKS_ITEM.format(
                    mark="【紧急·危险】",
                    case=2,
                    question=crisis,
                    status="处理中",
                    due=texts.TASKS_DUE.format(due=due),
                    reason="：家人打人",
                )
            ),
            result=None,
        )
    clock.advance(minutes=15, seconds=1)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            dm(STREET_B, "【紧急·危险】【提醒】问题 #2 还没有回复", crisis),
            result={"message_id": 5160},
        )
        assert await runtime.cases.tick() == (1, 0)
    clock.advance(minutes=15)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            dm(DISTRICT_A, "【紧急·危险】【升级 #2】测试街道团工委 超时未回复", crisis),
            result={"message_id": 5161},
        )
        assert await runtime.cases.tick() == (0, 1)
    async with runtime.db.session() as session:
        urgent = await session.get(Case, 2)
        ordinary = await session.get(Case, 1)
        assert urgent is not None and ordinary is not None
        assert (urgent.risk_level, urgent.risk_reason) == (2, "家人打人")
        assert ordinary.risk_level == 0 and not ordinary.urgent
        assert urgent.due_at == clock() + timedelta(minutes=30), "the district has 30 minutes"
        assert ordinary.due_at is not None and ordinary.due_at > clock() + timedelta(hours=23)


async def test_todo_lists_urgent_cases_first_highest_risk_first(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        for n, text in enumerate((QUESTION, "他们天天骂我，还孤立我", "遗书我都写好了")):
            event = private_message(text, user_id=30250 + n)
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, TextWith(""), result=None)
            ctx.should_call_api(
                "send_private_msg", dm(10006, f"#{n + 1}"), result={"message_id": 5170 + n}
            )
        todo = private_message("/待办", user_id=10006)
        ctx.receive_event(bot, todo)
        ctx.should_call_send(
            todo,
            TextInOrder("【紧急·高危】#3", "：提到已写好遗书", "【紧急·困扰】#2", f"#1 {QUESTION}"),
            result=None,
        )


class TextInOrder:
    """A one-text-segment message whose text holds `parts` in this order."""

    def __init__(self, *parts: str) -> None:
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Message) or len(other) != 1:
            return False
        text, at = other[0].data.get("text", ""), 0
        for part in self.parts:
            found = text.find(part, at)
            if found < 0:
                return False
            at = found + len(part)
        return True

    def __repr__(self) -> str:
        return f"TextInOrder{self.parts!r}"


async def test_failed_private_message_falls_back_to_the_work_group(
    app: App, runtime: Runtime
) -> None:
    """街道甲 is not the bot's friend: the notification goes to the nearest 团干部工作群 (the
    district's, 49001) with an @ of them, and another cadre there answers by quoting it."""
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = group_message(QUESTION, user_id=30251)
        ctx.receive_event(bot, youth)
        ctx.should_call_send(youth, quoted(youth, texts.OPENED.format(case=1)), result=None)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": notification(1)},
            exception=ActionFailed(retcode=1200, status="failed", message="not a friend"),
        )
        ctx.should_call_api(
            "send_group_msg",
            {"group_id": 49001, "message": WorkGroupPost(STREET_A, "【新问题 #1】", QUESTION)},
            result={"message_id": 5151},
        )
        reply = group_message(
            "工作群里的答案", user_id=DISTRICT_A, group_id=49001, reply=bot_reply(5151)
        )
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, "工作群里的答案")),
            result={"message_id": 5152},
        )
        ctx.should_call_send(reply, quoted(reply, sent(1, 1)), result=None)


class QuotedWith:
    """A group reply quoting `event` and @-ing its sender, whose text contains every part."""

    def __init__(self, event: GroupMessageEvent, *parts: str) -> None:
        self.event, self.parts = event, parts

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and [seg.type for seg in other] == ["reply", "at", "text"]
            and other[0].data["id"] == str(self.event.message_id)
            and other[1].data["qq"] == str(self.event.user_id)
            and all(part in other[2].data["text"] for part in self.parts)
        )

    def __repr__(self) -> str:
        return f"QuotedWith({self.event.message_id}, {self.parts!r})"


class WorkGroupPost:
    """A work-group post: an @ of the assignee, then one text segment containing `parts`."""

    def __init__(self, qq: int, *parts: str) -> None:
        self.qq, self.parts = qq, parts

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and [seg.type for seg in other] == ["at", "text"]
            and other[0].data["qq"] == str(self.qq)
            and all(part in other[1].data["text"] for part in self.parts)
        )

    def __repr__(self) -> str:
        return f"WorkGroupPost({self.qq}, {self.parts!r})"


async def test_asking_for_a_person_twice_keeps_one_case(app: App, runtime: Runtime) -> None:
    """转人工 on a question that already has an open case points at that case, opens no second."""
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ask(ctx, bot, QUESTION, user_id=30261, dm_to=STREET_A, dm_id=5161)
        human = group_message("转人工", user_id=30261)
        ctx.receive_event(bot, human)
        ctx.should_call_send(human, QuotedWith(human, "#1"), result=None)
    log = await kinds(runtime, 1)
    assert log.count("opened") == 1
    assert log.count("notified") == 1


async def test_escalation_after_reassigning_upwards_climbs_above_the_new_assignee(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    """Reassigned to the district cadre, an overdue case climbs to the city, not to them again."""
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ask(ctx, bot, QUESTION, user_id=30271, dm_to=STREET_A, dm_id=5171)
        move = private_message("/转 1 区里甲", user_id=STREET_A)
        ctx.receive_event(bot, move)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": DISTRICT_A, "message": notification(1)},
            result={"message_id": 5172},
        )
        ctx.should_call_send(move, say(texts.REASSIGNED.format(case=1, name="区里甲")), result=None)
    clock.advance(hours=12, minutes=1)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg", dm(DISTRICT_A, "【提醒】问题 #1"), result={"message_id": 5173}
        )
        assert await runtime.cases.tick() == (1, 0)
    clock.advance(hours=12)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg", dm(10006, "【升级 #1】", QUESTION), result={"message_id": 5174}
        )
        assert await runtime.cases.tick() == (0, 1)


async def test_answer_command_accepts_a_line_break_after_the_number(
    app: App, runtime: Runtime
) -> None:
    """Cadres often write the number, then the answer on the next lines (or after a 全角 space)."""
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        first = ask(ctx, bot, QUESTION, user_id=30281, dm_to=STREET_A, dm_id=5181)
        command = private_message("/答 1\n第一行\n第二行", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(first, answer_text(first, "第一行\n第二行")),
            result={"message_id": 5182},
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
        second = ask(
            ctx, bot, "团员证的照片怎么更换", user_id=30282, dm_to=STREET_A, dm_id=5183, case=2
        )
        wide = private_message("/答 2\u3000带照片去团支部。", user_id=STREET_A)
        ctx.receive_event(bot, wide)
        ctx.should_call_api(
            "send_group_msg",
            to_group(second, answer_text(second, "带照片去团支部。")),
            result={"message_id": 5185},
        )
        ctx.should_call_send(wide, say(sent(2, 1)), result=None)


async def test_a_case_left_unrouted_by_a_stop_is_routed_by_the_timer(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    """A new case goes to a person just after the youth's reply; had the bot stopped in
    between, the timer gives it to one once the case is a minute old."""
    no_faq(runtime)
    reply = await runtime.qa.handle(
        Incoming(
            platform="qq",
            message_id="m-30261",
            user_id="30261",
            text=QUESTION,
            group_id=str(GROUP),
            nickname="小明",
        )
    )
    assert reply is not None
    # No QQ account is connected while the youth is answered: nobody can be told yet.
    assert reply.text == texts.OPENED_NOBODY.format(case=1)
    # No runtime.qa.sent(...): the bot stopped before the follow-up ran.
    assert await runtime.cases.tick() == (0, 0)
    assert await kinds(runtime, 1) == ["opened"], "too new for the timer"
    clock.advance(minutes=1)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": notification(1)},
            result={"message_id": 5161},
        )
        await runtime.cases.tick()
    assert await kinds(runtime, 1) == ["opened", "assigned", "notified"]


async def test_a_redelivered_answer_command_answers_once(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    answer = "团课报名在团支部书记处登记。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30191, dm_to=STREET_A, dm_id=5091)
        command = private_message(f"/答 1 {answer}", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, answer)),
            result={"message_id": 5093},
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
        # The OneBot side delivers the same event again: nothing is answered or sent twice.
        again = private_message(f"/答 1 {answer}", user_id=STREET_A, message_id=command.message_id)
        ctx.receive_event(bot, again)
        quote = private_message("再补充一句", user_id=STREET_A, reply=bot_reply(5091))
        ctx.receive_event(bot, quote)
        ctx.should_call_api(
            "send_group_msg",
            to_group(youth, answer_text(youth, "再补充一句")),
            result={"message_id": 5094},
        )
        ctx.should_call_send(quote, say(sent(1, 1)), result=None)
        ctx.receive_event(
            bot,
            private_message(
                "再补充一句", user_id=STREET_A, message_id=quote.message_id, reply=bot_reply(5091)
            ),
        )
    assert (await kinds(runtime, 1)).count(CaseEventKind.ANSWERED.value) == 2


async def test_an_answer_to_a_crisis_raised_in_a_group_goes_to_the_youth_privately(
    app: App, runtime: Runtime
) -> None:
    """The cadre quotes the alert and answers: the youth gets it in private (with their words,
    which only they read there), the group gets nothing, and the cadre is told it went
    privately."""
    answer = "我是街道团工委的老师，很担心你，我们私下聊聊好吗？"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = group_message("我不想活了", user_id=30261)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, quoted(asked, qa_texts.CRISIS_GROUP), result=None)
        for n, qq in enumerate((STREET_A, STREET_B)):
            ctx.should_call_api(
                "send_private_msg",
                dm(qq, "【紧急·危险】【新问题 #1】", texts.URGENT_PRIVATE.strip()),
                result={"message_id": 5181 + n},
            )
        reply = private_message(answer, user_id=STREET_A, reply=bot_reply(5181))
        ctx.receive_event(bot, reply)
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": 30261,
                "message": say(texts.ANSWER_TO_YOUTH.format(question="我不想活了", answer=answer)),
            },
            result={"message_id": 5183},
        )
        ctx.should_call_send(reply, say(texts.answer_sent(1, 1, 0, privately=1)), result=None)
    assert "私下送达" in texts.answer_sent(1, 1, 0, privately=1)

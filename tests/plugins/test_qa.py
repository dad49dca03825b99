"""The Q&A plugin through nonebug: what a youth and an admin see in QQ."""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import Bot, Message, MessageSegment
from nonebug import App
from sqlalchemy import select

from bot.qa import texts
from bot.qa.model import Incoming
from bot.qa.models import Feedback, Question
from bot.runtime import Runtime
from tests.conftest import SUPERUSER
from tests.utils import SELF_ID, TextWith, bot_reply, group_message, private_message


def say(text: str) -> Message:
    return Message(MessageSegment.text(text))


def quoted(event, text: str) -> Message:
    """What the bot sends in a group: a quote of the question, an @ of the asker, then text."""
    return Message(
        [
            MessageSegment.reply(event.message_id),
            MessageSegment.at(event.user_id),
            MessageSegment.text(" " + text),
        ]
    )


async def test_group_question_is_answered_with_quote_and_at(app: App, runtime: Runtime) -> None:
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("怎么交团费？")
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, quoted(event, texts.answer(entry)), result={"message_id": 9001})
    async with runtime.db.session() as session:
        question = (await session.scalars(select(Question))).one()
    assert (question.platform, question.group_id, question.user_id) == ("qq", "40001", "30001")
    assert question.outcome == "answered"


async def test_like_by_quoting_the_answer(app: App, runtime: Runtime) -> None:
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("怎么交团费？", user_id=30002)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, quoted(event, texts.answer(entry)), result={"message_id": 9002})
        like = group_message("赞", user_id=30003, reply=bot_reply(9002))
        ctx.receive_event(bot, like)
        ctx.should_call_send(like, quoted(like, texts.THANKS), result={"message_id": 9003})
    async with runtime.db.session() as session:
        feedback = (await session.scalars(select(Feedback))).one()
    assert (feedback.user_id, feedback.entry_id, feedback.helpful) == ("30003", "dues-pay", True)


async def test_private_chat_without_at_and_numbered_choice(app: App, runtime: Runtime) -> None:
    runtime.qa.settings = runtime.settings.model_copy(
        update={"faq_answer_threshold": 1.01, "faq_suggest_threshold": 0.0}
    )
    choices = [m.entry for m in runtime.faq.search("入团", k=3)]
    assert len(choices) >= 2
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = private_message("入团", user_id=30004)
        ctx.receive_event(bot, event)
        ctx.should_call_send(event, say(texts.suggest(choices)), result={"message_id": 9004})
        pick = private_message("2", user_id=30004)
        ctx.receive_event(bot, pick)
        ctx.should_call_send(pick, say(texts.answer(choices[1])), result={"message_id": 9005})


async def test_cq_codes_typed_by_a_youth_stay_text(app: App, runtime: Runtime) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = group_message("[CQ:at,qq=all] 大家快来")
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event,
            quoted(
                event,
                "这个问题我暂时答不上来，已转给团干部（问题编号 #1），有回复会第一时间告诉你。",
            ),
            result={"message_id": 9006},
        )
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": 10001,
                "message": TextWith(
                    "【新问题 #1】",
                    "[CQ:at,qq=all] 大家快来",
                    "测试街道团工委 · 群 40001",
                    "提问人：小*",
                ),
            },
            result={"message_id": 1},
        )
    async with runtime.db.session() as session:
        question = (await session.scalars(select(Question))).one()
    assert question.text == "[CQ:at,qq=all] 大家快来"
    assert question.outcome == "unanswered"


async def test_reply_text_is_a_single_text_segment() -> None:
    from bot.qa.model import Reply, ReplyKind
    from plugins.qa import render

    event = group_message("x")
    message = render(event, Reply(ReplyKind.ANSWER, "[CQ:at,qq=all] @全体成员"))
    assert [seg.type for seg in message] == ["reply", "at", "text"]
    assert message[1].data["qq"] == str(event.user_id)
    assert message[2].data["text"] == " [CQ:at,qq=all] @全体成员"


async def test_group_chatter_without_at_is_ignored(app: App, runtime: Runtime) -> None:
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.receive_event(bot, group_message("怎么交团费？", to_me=False))
        ctx.should_finished()


async def test_group_admin_turns_on_auto_ask(app: App, runtime: Runtime) -> None:
    from bot.qa import admin_texts as plugin_texts

    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        member = group_message("/自动答疑 开", user_id=30010, group_id=40010)
        ctx.receive_event(bot, member)
        ctx.should_call_send(member, say(plugin_texts.NOT_GROUP_ADMIN), result=None)
        admin = group_message("/自动答疑 开", user_id=30011, group_id=40010, role="admin")
        ctx.receive_event(bot, admin)
        ctx.should_call_send(admin, say(plugin_texts.AUTO_ASK_ON), result=None)
        chatter = group_message("怎么交团费？", user_id=30012, group_id=40010, to_me=False)
        ctx.receive_event(bot, chatter)
        ctx.should_call_send(
            chatter, quoted(chatter, texts.answer(entry)), result={"message_id": 9010}
        )


async def test_ignores_itself_and_listed_bots(app: App, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"ignore_users": frozenset({"30020"})})
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.receive_event(bot, group_message("怎么交团费？", user_id=30020))
        ctx.receive_event(bot, group_message("怎么交团费？", user_id=int(SELF_ID)))
        ctx.should_finished()


async def test_reload_command_is_for_admins(app: App, runtime: Runtime) -> None:
    from bot.qa import admin_texts as plugin_texts

    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        event = private_message("/重载", user_id=int(SUPERUSER))
        ctx.receive_event(bot, event)
        ctx.should_call_send(
            event, say(f"FAQ 已重新加载：{len(runtime.faq.index)} 条。"), result=None
        )
        youth = private_message("/重载", user_id=30030)
        ctx.receive_event(bot, youth)
        ctx.should_call_send(youth, say(plugin_texts.NOT_ADMIN), result=None)


async def test_my_questions_in_a_group_lists_only_that_group(app: App, runtime: Runtime) -> None:
    entry = runtime.faq.get("dues-pay")
    assert entry is not None
    crisis = await runtime.qa.handle(
        Incoming(platform="qq", message_id="p-30040", user_id="30040", text="我不想活了")
    )
    assert crisis is not None
    await runtime.qa.sent("qq", None, crisis)  # the case opens once the hotline is out
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = group_message("怎么交团费？", user_id=30040)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, quoted(asked, texts.answer(entry)), result={"message_id": 9040})
        mine = group_message("我的问题", user_id=30040, to_me=False)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine, quoted(mine, "你最近的问题：\n1. 怎么交团费？（已解答）"), result=None
        )
        private = private_message("/我的问题", user_id=30040)
        ctx.receive_event(bot, private)
        ctx.should_call_send(
            private,
            say("你最近的问题：\n1. 怎么交团费？（已解答）\n2. 我不想活了（问题编号 #1，处理中）"),
            result=None,
        )


async def test_admins_are_told_when_a_reload_fails(app: App, runtime: Runtime, tmp_path) -> None:
    import shutil

    from bot.faq.service import FaqService
    from plugins.qa import notify_admins

    faq_dir = tmp_path / "reloaded"
    shutil.copytree(runtime.settings.faq_dir, faq_dir)
    service = FaqService(faq_dir, watch=False)
    await service.start()
    service.add_listener(notify_admins)
    (faq_dir / "faq" / "broken.yaml").write_text(
        "entries:\n  - id: x\n    question: 问\n", encoding="utf-8"
    )
    expected = (
        "FAQ 重新加载失败，仍在使用旧版本（6 条）。请修正以下问题：\n"
        "❌ faq/broken.yaml 第2行 answer：缺少答案（answer）"
    )
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg", {"user_id": int(SUPERUSER), "message": say(expected)}, result=None
        )
        report = await service.reload(reason="test")
    assert not report.ok
    assert service.get("dues-pay") is not None, "the old index keeps serving"
    await service.stop()

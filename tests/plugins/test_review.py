"""Learned answers through the chat surface: /入库 waits for an admin; /待审核, /通过, /驳回.

Every test runs on SQLite and on PostgreSQL (the `runtime` fixture). Grid of the test FAQ:
街道甲 (10001) is a cadre of group 40001's street, 管理员 (10009) an admin of the grid, and
SUPERUSER (10000) a superuser outside the grid.
"""

from __future__ import annotations

import yaml
from nonebot.adapters.onebot.v11 import Bot, GroupMessageEvent
from nonebug import App
from sqlalchemy import select

from bot.cases import texts
from bot.cases.models import Case
from bot.faq.model import FaqEntry
from bot.qa import texts as qa_texts
from bot.runtime import Runtime
from tests.conftest import SUPERUSER
from tests.plugins.test_cases import (
    GROUP,
    QUESTION,
    STREET_A,
    answer_text,
    ask,
    kinds,
    no_faq,
    quoted,
    say,
    sent,
    to_group,
)
from tests.utils import SELF_ID, TextWith, group_message, private_message

GRID_ADMIN = 10009
ANSWER = "团课报名在“青年大学习”平台，每学期开学第二周开始。"


def learn_case_one(ctx, bot: Bot, youth_id: int) -> GroupMessageEvent:
    """A youth asks, 街道甲 answers with /答 (the youth gets it at once), then /入库 1."""
    youth = ask(ctx, bot, QUESTION, user_id=youth_id, dm_to=STREET_A, dm_id=youth_id * 10)
    command = private_message(f"/答 1 {ANSWER}", user_id=STREET_A)
    ctx.receive_event(bot, command)
    ctx.should_call_api(
        "send_group_msg", to_group(youth, answer_text(youth, ANSWER)), result={"message_id": 1}
    )
    ctx.should_call_send(command, say(sent(1, 1)), result=None)
    learn = private_message("/入库 1", user_id=STREET_A)
    ctx.receive_event(bot, learn)
    ctx.should_call_api("send_private_msg", to_reviewer(ANSWER), result={"message_id": 4})
    ctx.should_call_send(learn, say(texts.LEARNED.format(case=1, entry="learned-1")), result=None)
    return youth


def to_reviewer(answer: str) -> dict[str, object]:
    """The grid admin hears that case 1's entry waits for them, with what to send."""
    return {
        "user_id": GRID_ADMIN,
        "message": TextWith(
            "【待审核问答 #1】街道甲", f"问：{QUESTION}", f"答：{answer}", "/通过 #1", "/驳回 #1"
        ),
    }


def learned_file(runtime: Runtime) -> list[dict]:
    path = runtime.settings.faq_dir / "faq" / "learned.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]


async def test_learned_answer_is_served_only_after_an_admin_approves_it(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    edited = "团课在“青年大学习”平台报名，具体时间请看团支部通知。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        learn_case_one(ctx, bot, 30201)
        # Not reviewed yet: the next youth asking the same gets a new case, not the learned answer.
        ask(ctx, bot, QUESTION, user_id=30202, dm_to=STREET_A, dm_id=6011, case=2)
        refused = [
            private_message(f"/通过 1 {edited}", user_id=STREET_A),
            private_message("/驳回 1", user_id=STREET_A),
            private_message("/待审核", user_id=30203),
            private_message("/通过 1", user_id=30203),
        ]
        for event in refused:
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, say(texts.NOT_REVIEWER), result=None)
        listing = private_message("/待审核", user_id=int(SUPERUSER))
        ctx.receive_event(bot, listing)
        ctx.should_call_send(
            listing,
            say(
                "\n".join(
                    [
                        texts.REVIEW_HEADER.format(count=1),
                        texts.REVIEW_ITEM.format(
                            ref="#1",
                            question=QUESTION,
                            answer=ANSWER,
                            scope=texts.scope(["测试街道团工委"]),
                        ),
                        texts.REVIEW_FOOTER,
                    ]
                )
            ),
            result=None,
        )
        approve = private_message(f"/通过 1\n{edited}", user_id=int(SUPERUSER))
        ctx.receive_event(bot, approve)
        ctx.should_call_send(approve, say(texts.APPROVED.format(entry="learned-1")), result=None)
        again = private_message("/通过 #1", user_id=int(SUPERUSER))
        ctx.receive_event(bot, again)
        ctx.should_call_send(again, say(texts.NOT_PENDING.format(entry="learned-1")), result=None)
        empty = private_message("/审核", user_id=int(SUPERUSER))
        ctx.receive_event(bot, empty)
        ctx.should_call_send(empty, say(texts.REVIEW_EMPTY), result=None)
        later = group_message(QUESTION, user_id=30204, group_id=GROUP)
        ctx.receive_event(bot, later)
        served = FaqEntry(id="learned-1", question=QUESTION, answer=edited)
        ctx.should_call_send(later, quoted(later, qa_texts.answer(served)), result=None)
    entry = runtime.faq.get("learned-1")
    assert entry is not None and entry.answer == edited
    assert learned_file(runtime)[0]["tags"] == []
    events = await runtime.cases.events(1)
    approved = [event for event in events if event.kind == "approved"]
    assert [(e.actor, e.detail["edited"]) for e in approved] == [(f"qq:{SUPERUSER}", True)]


async def test_a_grid_admin_rejects_a_learned_answer_and_it_is_removed(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        learn_case_one(ctx, bot, 30211)
        reject = private_message("/驳回 1 答案不够准确", user_id=GRID_ADMIN)
        ctx.receive_event(bot, reject)
        ctx.should_call_send(reject, say(texts.REJECTED.format(entry="learned-1")), result=None)
        unknown = private_message("/驳回 1", user_id=GRID_ADMIN)
        ctx.receive_event(bot, unknown)
        ctx.should_call_send(
            unknown, say(texts.UNKNOWN_LEARNED.format(entry="learned-1")), result=None
        )
        usage = private_message("/通过", user_id=GRID_ADMIN)
        ctx.receive_event(bot, usage)
        ctx.should_call_send(usage, say(texts.USAGE["通过"]), result=None)
        # Rejected, the case may be learned again (e.g. after a better answer).
        relearn = private_message("/入库 1", user_id=STREET_A)
        ctx.receive_event(bot, relearn)
        ctx.should_call_api("send_private_msg", to_reviewer(ANSWER), result={"message_id": 5})
        ctx.should_call_send(
            relearn, say(texts.LEARNED.format(case=1, entry="learned-1")), result=None
        )
    assert [entry["id"] for entry in learned_file(runtime)] == ["learned-1"]
    assert runtime.faq.get("learned-1") is None
    log = await runtime.cases.events(1)
    rejected = [event for event in log if event.kind == "rejected"]
    assert [(e.actor, e.detail["reason"]) for e in rejected] == [("admin", "答案不够准确")]
    assert (await kinds(runtime, 1)).count("learned") == 2


async def test_auto_publish_serves_a_learned_answer_at_once(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    runtime.cases.settings = runtime.settings.model_copy(update={"faq_learned_auto_publish": True})
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30221, dm_to=STREET_A, dm_id=6021)
        command = private_message(f"/答 1 {ANSWER}", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg", to_group(youth, answer_text(youth, ANSWER)), result={"message_id": 2}
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
        learn = private_message("/入库 1", user_id=STREET_A)
        ctx.receive_event(bot, learn)
        ctx.should_call_send(
            learn, say(texts.LEARNED_LIVE.format(case=1, entry="learned-1")), result=None
        )
    entry = runtime.faq.get("learned-1")
    assert entry is not None and not entry.pending
    async with runtime.db.session() as session:
        assert await session.scalar(select(Case.learned_entry_id)) == "learned-1"


async def test_a_broken_learned_file_is_reported_and_left_as_it_is(
    app: App, runtime: Runtime
) -> None:
    no_faq(runtime)
    path = runtime.settings.faq_dir / "faq" / "learned.yaml"
    broken = "entries:\n  - id: learned-9\n    question: [没有闭合\n"
    path.write_text(broken, encoding="utf-8")
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = ask(ctx, bot, QUESTION, user_id=30231, dm_to=STREET_A, dm_id=6031)
        command = private_message(f"/答 1 {ANSWER}", user_id=STREET_A)
        ctx.receive_event(bot, command)
        ctx.should_call_api(
            "send_group_msg", to_group(youth, answer_text(youth, ANSWER)), result={"message_id": 3}
        )
        ctx.should_call_send(command, say(sent(1, 1)), result=None)
        for event in (
            private_message("/入库 1", user_id=STREET_A),
            private_message("/待审核", user_id=GRID_ADMIN),
            private_message("/通过 9", user_id=GRID_ADMIN),
        ):
            ctx.receive_event(bot, event)
            ctx.should_call_send(event, TextWith("faq/learned.yaml 无法读取", "check"), result=None)
    assert path.read_text(encoding="utf-8") == broken
    async with runtime.db.session() as session:
        assert await session.scalar(select(Case.learned_entry_id)) is None, "not learned"

"""Phone and ID numbers a youth typed are never repeated where others read them.

Cadre notifications (private, work-group fallback, reminders, escalations, /待办), answers
quoted in a group, 我的问题 in a group and learned FAQ questions show them masked; the youth's
own private chat does not. SQLite and PostgreSQL (the `runtime` fixture).
"""

from __future__ import annotations

from nonebot.adapters.onebot.v11 import ActionFailed, Bot
from nonebug import App

from bot.cases import texts
from bot.cases.learn import read_learned_entries
from bot.qa import texts as qa_texts
from bot.runtime import Runtime
from tests.plugins.test_cases import (
    DISTRICT_A,
    QUESTION,
    STREET_A,
    TextWithout,
    WorkGroupPost,
    no_faq,
    quoted,
    say,
    sent,
    to_group,
)
from tests.utils import SELF_ID, Clock, bot_reply, group_message, private_message

PHONE, ID_NUMBER = "13812345678", "110101200801011234"
ASKED = f"{QUESTION}？我电话{PHONE}，身份证{ID_NUMBER}"
MASKED = f"{QUESTION}？我电话138****5678，身份证1101**********1234"
NUMBERS = (PHONE, ID_NUMBER)


class MaskedPost(WorkGroupPost):
    """A work-group post with the masked question, and neither number."""

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and not any(n in str(other) for n in NUMBERS)


async def test_cadres_and_groups_see_numbers_masked(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    no_faq(runtime)
    answer = "已登记，团支部会联系你。"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        youth = group_message(ASKED, user_id=30301)
        ctx.receive_event(bot, youth)
        ctx.should_call_send(youth, quoted(youth, texts.OPENED.format(case=1)), result=None)
        # The private notification fails: the district's work group gets it, masked too.
        ctx.should_call_api(
            "send_private_msg",
            {
                "user_id": STREET_A,
                "message": TextWithout(f"问题：{MASKED}{texts.MASKED}", absent=NUMBERS),
            },
            exception=ActionFailed(retcode=1200, status="failed", message="not a friend"),
        )
        ctx.should_call_api(
            "send_group_msg",
            {"group_id": 49001, "message": MaskedPost(STREET_A, MASKED, texts.MASKED)},
            result={"message_id": 6301},
        )
        todo = group_message("/待办", user_id=STREET_A, group_id=49001)
        ctx.receive_event(bot, todo)
        ctx.should_call_send(todo, QuotedText(todo, MASKED[:30]), result=None)
    # Reminder and escalation carry the masked question.
    clock.advance(hours=12, minutes=1)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": STREET_A, "message": TextWithout(MASKED, absent=NUMBERS)},
            result={"message_id": 6302},
        )
        assert await runtime.cases.tick() == (1, 0)
    clock.advance(hours=12)
    async with app.test_api() as ctx:
        ctx.create_bot(base=Bot, self_id=SELF_ID)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": DISTRICT_A, "message": TextWithout("【升级 #1】", MASKED, absent=NUMBERS)},
            result={"message_id": 6303},
        )
        assert await runtime.cases.tick() == (0, 1)
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        reply = private_message(answer, user_id=DISTRICT_A, reply=bot_reply(6303))
        ctx.receive_event(bot, reply)
        masked_quote = texts.ANSWER_TO_YOUTH.format(question=MASKED[:30] + "…", answer=answer)
        ctx.should_call_api(
            "send_group_msg", to_group(youth, masked_quote), result={"message_id": 6304}
        )
        ctx.should_call_send(reply, say(sent(1, 1)), result=None)
        mine = group_message("我的问题", user_id=30301)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine,
            quoted(
                mine, f"{qa_texts.MY_QUESTIONS_HEADER}\n1. {MASKED[:20]}…（问题编号 #1，已回复）"
            ),
            result=None,
        )
        learn = private_message("/入库 1", user_id=DISTRICT_A)
        ctx.receive_event(bot, learn)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 10009, "message": TextWithout(MASKED, absent=NUMBERS)},
            result={"message_id": 6305},
        )
        ctx.should_call_send(
            learn, say(texts.LEARNED.format(case=1, entry="learned-1")), result=None
        )
    learned = read_learned_entries(runtime.settings.faq_dir / "faq" / "learned.yaml")
    assert learned[0]["question"] == MASKED


async def test_the_youth_sees_their_own_text_in_private(app: App, runtime: Runtime) -> None:
    no_faq(runtime)
    asked_text = f"{QUESTION}，我的电话{PHONE}"
    async with app.test_matcher() as ctx:
        bot = ctx.create_bot(base=Bot, self_id=SELF_ID)
        asked = private_message(asked_text, user_id=30311)
        ctx.receive_event(bot, asked)
        ctx.should_call_send(asked, say(texts.OPENED.format(case=1)), result=None)
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 10006, "message": TextWithout("138****5678", absent=NUMBERS)},
            result={"message_id": 6311},
        )
        mine = private_message("我的问题", user_id=30311)
        ctx.receive_event(bot, mine)
        ctx.should_call_send(
            mine,
            say(f"{qa_texts.MY_QUESTIONS_HEADER}\n1. {asked_text[:20]}…（问题编号 #1，处理中）"),
            result=None,
        )


class QuotedText:
    """A group reply quoting `event` whose text contains `part` and neither number."""

    def __init__(self, event, part: str) -> None:
        self.event, self.part = event, part

    def __eq__(self, other: object) -> bool:
        text = str(other)
        return (
            f"[CQ:reply,id={self.event.message_id}]" in text
            and self.part in text
            and not any(n in text for n in NUMBERS)
        )

    def __repr__(self) -> str:
        return f"QuotedText({self.part!r})"

"""The Q&A service on both databases: bands, choices, feedback, dedupe, refusals, hooks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.qa import texts
from bot.qa.model import Outcome, ReplyKind
from bot.qa.models import Feedback, Question
from bot.qa.service import HandedOver, QaService
from bot.qa.stats import question_stats
from bot.storage.database import Database
from tests.qa.conftest import ask
from tests.utils import Clock

NEVER = 1.01  # a threshold no score reaches


async def only_question(database: Database) -> Question:
    async with database.session() as session:
        return (await session.scalars(select(Question))).one()


async def test_confident_answer_is_recorded(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    reply = await qa.handle(ask("怎么交团费？"))
    assert reply is not None
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry is not None and reply.entry.id == "dues-pay"
    assert "团支部" in reply.text
    question = await only_question(database)
    assert (question.outcome, question.entry_id, question.band) == (
        "answered",
        "dues-pay",
        "answer",
    )
    assert question.matches[0]["id"] == "dues-pay"
    assert question.normalized and question.answered_at is not None


async def test_unsure_offers_numbered_choices_and_the_number_answers(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa(faq_answer_threshold=NEVER, faq_suggest_threshold=0.0)
    reply = await qa.handle(ask("入团"))
    assert reply is not None and reply.kind is ReplyKind.SUGGEST
    assert reply.text.startswith("您是不是想问：\n1. ")
    assert 1 < len(reply.choices) <= 3
    await qa.sent("qq", "bot-1", reply)

    picked = await qa.handle(ask("2", to_me=False))
    assert picked is not None and picked.kind is ReplyKind.ANSWER
    assert picked.entry == reply.choices[1]
    question = await only_question(database)
    assert (question.outcome, question.entry_id) == ("chosen", reply.choices[1].id)


async def test_choice_by_quoting_the_suggestions(make_qa: Callable[..., QaService]) -> None:
    qa = make_qa(faq_answer_threshold=NEVER, faq_suggest_threshold=0.0)
    reply = await qa.handle(ask("入团"))
    assert reply is not None
    await qa.sent("qq", "bot-7", reply)
    picked = await qa.handle(ask("1", reply_to="bot-7"))
    assert picked is not None and picked.entry == reply.choices[0]


async def test_choice_out_of_range_and_expired(
    make_qa: Callable[..., QaService], clock: Clock
) -> None:
    qa = make_qa(faq_answer_threshold=NEVER, faq_suggest_threshold=0.0)
    reply = await qa.handle(ask("入团"))
    assert reply is not None
    invalid = await qa.handle(ask("9"))
    assert invalid is not None and invalid.kind is ReplyKind.CHOICE_INVALID
    clock.advance(minutes=31)
    assert await qa.handle(ask("1", to_me=False)) is None, "after the TTL a number is just chatter"


class RecordingHandover:
    """Stands in for the case service at the seam: records what it was handed."""

    def __init__(self, told: str | None = None, fail: bool = False, reach: bool = True) -> None:
        self.told = told
        self.fail = fail
        self.reach = reach
        self.calls: list[tuple[str, bool]] = []
        self.people_told: list[str] = []

    async def hand_over(self, question: Question, *, urgent: bool, new: bool = False) -> HandedOver:
        self.calls.append((question.text, urgent))
        if self.fail:
            raise RuntimeError("cases down")

        async def tell_people() -> None:
            self.people_told.append(question.text)

        return HandedOver(self.told, tell_people)

    def alerts_at_once(self, question: Question) -> bool:
        if self.fail:
            raise RuntimeError("cases down")
        return self.reach


async def test_nothing_fits_is_recorded_unanswered_and_handed_over(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa(faq_suggest_threshold=NEVER)
    reply = await qa.handle(ask("食堂今天几点开门"))
    assert reply is not None
    assert (reply.kind, reply.text) == (ReplyKind.UNANSWERED, texts.UNANSWERED)

    qa.handover = handover = RecordingHandover(told="已转给团干部 #7")
    reply = await qa.handle(ask("宿舍几点熄灯"))
    assert reply is not None
    assert reply.text == "已转给团干部 #7"
    assert handover.calls == [("宿舍几点熄灯", False)]
    assert handover.people_told == [], "people hear of it once the youth has the reply"
    await qa.sent("qq", None, reply)
    assert handover.people_told == ["宿舍几点熄灯"]
    async with database.session() as session:
        outcomes = (await session.scalars(select(Question.outcome))).all()
    assert outcomes == ["unanswered", "unanswered"]


async def test_handover_failure_still_answers_the_youth(make_qa: Callable[..., QaService]) -> None:
    qa = make_qa(faq_suggest_threshold=NEVER)
    qa.handover = RecordingHandover(fail=True)
    reply = await qa.handle(ask("食堂今天几点开门"))
    assert reply is not None
    assert reply.text == texts.UNANSWERED


async def test_asking_for_a_person_hands_over_the_latest_question(
    make_qa: Callable[..., QaService],
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover(told="已转给团干部 #3")
    nothing = await qa.handle(ask("转人工"))
    assert nothing is not None
    assert nothing.text == texts.NO_QUESTION_TO_HAND_OVER
    await qa.handle(ask("怎么交团费？"))
    reply = await qa.handle(ask("人工", to_me=False))
    assert reply is not None
    assert reply.text == "已转给团干部 #3"
    assert handover.calls == [("怎么交团费？", False)]


async def test_crisis_gets_the_hotline_at_once_and_is_handed_over_urgently(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover(told="已转给团干部 #1")
    reply = await qa.handle(ask("我不想活了", group=None))
    assert reply is not None
    assert reply.kind is ReplyKind.CRISIS
    assert reply.text == texts.CRISIS, "the hotline stays what the youth sees"
    assert "12355" in reply.text and "机器人" in reply.text and "团干部" in reply.text
    question = await only_question(database)
    assert question.outcome == "crisis"
    assert (question.risk_level, question.risk_reason) == (2, "说不想活了")
    assert handover.calls == [], "the hotline goes out before anything else"
    await qa.sent("qq", "bot-1", reply)
    assert handover.calls == [("我不想活了", True)]
    assert handover.people_told == ["我不想活了"]


@pytest.mark.parametrize(
    ("text", "group", "expected"),
    [
        ("遗书我都写好了", None, texts.CRISIS_IMMINENT),
        ("遗书我都写好了", "g1", texts.CRISIS_GROUP_IMMINENT),
        ("我爸喝醉了就拿皮带抽我", None, texts.CRISIS),
        ("我爸喝醉了就拿皮带抽我", "g1", texts.CRISIS_GROUP),
        ("要是我消失了会有人难过吗", None, texts.CRISIS),
    ],
)
async def test_the_crisis_reply_follows_the_risk_level_and_the_chat(
    make_qa: Callable[..., QaService], text: str, group: str | None, expected: str
) -> None:
    qa = make_qa()
    qa.handover = RecordingHandover()
    reply = await qa.handle(ask(text, group=group))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text == expected
    assert "12355" in reply.text and "机器人" in reply.text
    assert ("110" in reply.text) is (
        expected in (texts.CRISIS_IMMINENT, texts.CRISIS_GROUP_IMMINENT)
    )


@pytest.mark.parametrize(
    ("handover", "group", "expected"),
    [
        (RecordingHandover(reach=False), None, texts.CRISIS_ALONE),
        (RecordingHandover(reach=False), "g1", texts.CRISIS_GROUP_ALONE),
        (RecordingHandover(fail=True), None, texts.CRISIS_ALONE),
        (None, None, texts.CRISIS_ALONE),
    ],
)
async def test_the_crisis_reply_says_a_person_was_told_only_when_one_could_be(
    make_qa: Callable[..., QaService],
    handover: RecordingHandover | None,
    group: str | None,
    expected: str,
) -> None:
    qa = make_qa()
    qa.handover = handover
    reply = await qa.handle(ask("我爸喝醉了就拿皮带抽我", group=group))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text == expected
    assert reply.text.startswith(("你说的情况很重要", "收到")) and "12355" in reply.text
    assert "告诉了" not in reply.text and "已请团干部" not in reply.text


@pytest.mark.parametrize(
    "text", ["想死你们了，寒假终于结束了", "反家暴法是哪一年实施的", "最近压力好大"]
)
async def test_look_alikes_get_their_normal_answer(
    make_qa: Callable[..., QaService], database: Database, text: str
) -> None:
    qa = make_qa()
    qa.handover = RecordingHandover(told="已转给团干部 #1")
    reply = await qa.handle(ask(text))
    assert reply is not None and reply.kind is not ReplyKind.CRISIS
    assert "12355" not in reply.text or reply.kind is ReplyKind.ANSWER
    assert (await only_question(database)).outcome != "crisis"


async def test_like_and_not_helpful_are_recorded_once_per_youth(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    told: list[tuple[int, bool]] = []

    async def hook(question: Question, helpful: bool) -> None:
        told.append((question.id, helpful))

    qa.on_feedback.append(hook)
    answer = await qa.handle(ask("怎么交团费？"))
    assert answer is not None
    await qa.sent("qq", "bot-9", answer)

    thanks = await qa.handle(ask("赞", to_me=False))
    assert thanks is not None and thanks.kind is ReplyKind.THANKS
    again = await qa.handle(ask("👍", reply_to="bot-9"))
    assert again is not None and again.kind is ReplyKind.THANKS
    other = await qa.handle(ask("没用", user="u2", reply_to="bot-9"))
    assert other is not None and other.kind is ReplyKind.SORRY

    async with database.session() as session:
        rows = (await session.scalars(select(Feedback).order_by(Feedback.id))).all()
    assert [(f.user_id, f.helpful, f.entry_id) for f in rows] == [
        ("u1", True, "dues-pay"),
        ("u2", False, "dues-pay"),
    ]
    stats = await question_stats(database)
    assert (stats.collected, stats.answered_by_faq, stats.likes, stats.not_helpful) == (1, 1, 1, 1)
    # The case log hears of each youth's feedback once, too.
    assert told == [(answer.question_id, True), (answer.question_id, False)]


async def test_not_helpful_after_a_like_is_a_change_of_mind(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    """没用 after 赞 says it is recorded: it is (the like becomes a 没用, counted once)."""
    qa = make_qa()
    told: list[tuple[int, bool]] = []

    async def hook(question: Question, helpful: bool) -> None:
        told.append((question.id, helpful))

    qa.on_feedback.append(hook)
    answer = await qa.handle(ask("怎么交团费？"))
    assert answer is not None
    await qa.sent("qq", "bot-9", answer)
    thanks = await qa.handle(ask("赞", reply_to="bot-9"))
    assert thanks is not None and thanks.kind is ReplyKind.THANKS
    sorry = await qa.handle(ask("没用", reply_to="bot-9"))
    assert sorry is not None and sorry.kind is ReplyKind.SORRY
    stats = await question_stats(database)
    assert (stats.likes, stats.not_helpful) == (0, 1)
    again = await qa.handle(ask("没用", reply_to="bot-9"))
    assert again is not None and again.kind is ReplyKind.SORRY
    assert ((await question_stats(database)).not_helpful, len(told)) == (1, 2)
    assert told == [(answer.question_id, True), (answer.question_id, False)]
    async with database.session() as session:
        rows = (await session.scalars(select(Feedback))).all()
    assert [(f.user_id, f.helpful) for f in rows] == [("u1", False)]


async def test_like_without_an_answer_is_ignored_in_groups(
    make_qa: Callable[..., QaService],
) -> None:
    assert await make_qa().handle(ask("赞", to_me=False)) is None


async def test_redelivered_message_is_handled_once(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    first = await qa.handle(ask("怎么交团费？", message_id="m-1"))
    second = await qa.handle(ask("怎么交团费？", message_id="m-1"))
    assert first is not None and second is None
    assert (await question_stats(database)).collected == 1


async def test_same_message_ids_through_two_accounts_are_all_answered(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    # OneBot message ids are unique per account only: two QQ accounts in one group number
    # their copies of different messages alike, and a re-delivery to either stays one.
    qa = make_qa(rate_user_per_minute=100, rate_group_per_minute=100)
    replies = []
    for n in range(20):
        for account in ("2900000001", "2900000002"):
            msg = ask("怎么交团费？", user=f"u{account}-{n}", message_id=f"m-{n}", account=account)
            replies.append(await qa.handle(msg))
    assert all(reply is not None and reply.kind is ReplyKind.ANSWER for reply in replies)
    again = ask("怎么交团费？", user="u2900000002-3", message_id="m-3", account="2900000002")
    assert await qa.handle(again) is None
    assert (await question_stats(database)).collected == 40


async def test_message_ids_are_told_apart_by_group(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    # Some OneBot implementations number messages per group.
    qa = make_qa()
    first = await qa.handle(ask("怎么交团费？", group="g1", message_id="7"))
    second = await qa.handle(ask("怎么交团费？", group="g2", message_id="7"))
    private = await qa.handle(ask("怎么交团费？", group=None, message_id="7"))
    assert first is not None and second is not None and private is not None
    assert (await question_stats(database)).collected == 3


async def test_group_chatter_is_ignored_unless_auto_ask(make_qa: Callable[..., QaService]) -> None:
    qa = make_qa()
    assert await qa.handle(ask("怎么交团费？", to_me=False)) is None
    await qa.set_auto_ask("qq", "g1", True)
    reply = await qa.handle(ask("怎么交团费？", to_me=False))
    assert reply is not None and reply.kind is ReplyKind.ANSWER


async def test_refusals(make_qa: Callable[..., QaService], database: Database) -> None:
    # Every message to the bot counts against the limit, refusals too (else they could flood).
    qa = make_qa(rate_user_per_minute=4, max_question_chars=20)
    too_long = await qa.handle(ask("团" * 21))
    assert too_long is not None and too_long.kind is ReplyKind.TOO_LONG and "20" in too_long.text
    empty = await qa.handle(ask("  "))
    assert empty is not None and empty.kind is ReplyKind.EMPTY
    for _ in range(2):
        ok = await qa.handle(ask("怎么交团费？"))
        assert ok is not None and ok.kind is ReplyKind.ANSWER
    limited = await qa.handle(ask("怎么交团费？"))
    assert limited is not None and limited.kind is ReplyKind.RATE_LIMITED
    other_user = await qa.handle(ask("怎么交团费？", user="u2"))
    assert other_user is not None and other_user.kind is ReplyKind.ANSWER
    assert (await question_stats(database)).collected == 3


async def test_org_scoped_entries_are_not_answered_without_the_grid(
    make_qa: Callable[..., QaService],
) -> None:
    reply = await make_qa().handle(ask("本区的志愿服务基地在哪里？"))
    assert reply is not None
    assert reply.entry is None or reply.entry.id != "local-only"
    assert all(entry.id != "local-only" for entry in reply.choices)


async def test_outcomes_cover_the_stats(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    await qa.handle(ask("怎么交团费？", user="a"))
    await qa.handle(ask("我不想活了", user="b"))
    stats = await question_stats(database)
    assert (stats.collected, stats.answered_by_faq, stats.crisis) == (2, 1, 1)
    assert {o.value for o in Outcome} >= {"answered", "crisis"}

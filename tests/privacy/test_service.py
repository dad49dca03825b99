"""我的数据, 删除我的数据 and retention in the service, on SQLite and PostgreSQL.

What must hold: every personal field of the youth is gone (texts, accounts, message ids,
nicknames, sign-up fields), other youths' data is untouched, and the statistics count the
same as before.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.activities.models import Signup
from bot.activities.service import ActivityService
from bot.cases.models import Case, CaseAsker, CaseStatus
from bot.privacy.service import CLOSED_REASON, PrivacyService
from bot.qa.model import Incoming
from bot.qa.models import Feedback, Question
from bot.qa.stats import question_stats
from bot.runtime import Runtime
from tests.activities.helpers import announced
from tests.utils import Clock, next_message_id

YOUTH, OTHER, WAITING = "30401", "30402", "30403"
SHARED = "学校团课什么时候开始报名"
ALONE = "志愿服务时长怎么认定呢"


def no_faq(runtime: Runtime) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})


async def asked(runtime: Runtime, user: str, text: str, group: str | None = "40001") -> None:
    reply = await runtime.qa.handle(
        Incoming(
            platform="qq",
            message_id=str(next_message_id()),
            user_id=user,
            text=text,
            group_id=group,
            to_me=True,
            nickname="小青",
        )
    )
    assert reply is not None


async def rows(runtime: Runtime, model: type, *where: object) -> list:
    async with runtime.db.session() as session:
        return list((await session.scalars(select(model).where(*where))).all())


async def test_forget_erases_the_youth_and_keeps_the_counts(
    runtime: Runtime, privacy: PrivacyService, activities: ActivityService, clock: Clock
) -> None:
    no_faq(runtime)
    await asked(runtime, YOUTH, "怎么交团费？")
    await asked(runtime, YOUTH, "赞")
    await asked(runtime, YOUTH, SHARED)
    await asked(runtime, OTHER, SHARED)  # merged into the youth's case
    await asked(runtime, YOUTH, ALONE, group=None)
    activity = await announced(activities, clock, quota=1, fields=["name", "phone"])
    await activities.sign_up(activity, "qq", YOUTH, "40001", "小青")
    await activities.answer_field("qq", YOUTH, "王小青")
    await activities.answer_field("qq", YOUTH, "13800138000")
    await activities.sign_up(activity, "qq", WAITING, "40001", "小蓝")

    before = await privacy.summary("qq", YOUTH)
    assert (before.questions, before.likes, before.cases) == (3, 1, 2)
    assert before.latest[0] == ALONE
    assert before.signups == (("社区志愿服务", ("name", "phone")),)
    stats = await question_stats(runtime.db)

    erased = await privacy.forget("qq", YOUTH)

    assert (erased.questions, erased.feedback, erased.signups, erased.cases_closed) == (3, 1, 1, 1)
    after = await privacy.summary("qq", YOUTH)
    assert (after.questions, after.likes, after.cases, after.signups) == (0, 0, 0, ())
    assert await question_stats(runtime.db) == stats, "statistics count the same"
    mine = [q for q in await rows(runtime, Question) if q.user_id != OTHER]
    assert len(mine) == 3
    assert {(q.text, q.normalized, q.user_id, q.message_id, q.asker) for q in mine} == {
        ("", "", "", "", "")
    }
    (feedback,) = await rows(runtime, Feedback)
    assert feedback.helpful and feedback.user_id.startswith("erased:")
    signups = {s.nickname or s.user_id: s for s in await rows(runtime, Signup)}
    erased_signup = next(s for s in signups.values() if s.user_id.startswith("erased:"))
    assert (erased_signup.nickname, erased_signup.answers) == ("", {})
    assert erased_signup.status == "cancelled"
    assert signups["小蓝"].status == "signed", "the waitlist moved up"
    cases = {case.id: case for case in await rows(runtime, Case)}
    shared, alone = cases[1], cases[2]
    assert (shared.text, shared.status) == (SHARED, CaseStatus.OPEN.value), "the other asker's"
    (other_question,) = await rows(runtime, Question, Question.user_id == OTHER)
    assert shared.question_id == other_question.id
    assert (alone.text, alone.status, alone.close_reason) == ("", "closed", CLOSED_REASON)
    askers = await rows(runtime, CaseAsker)
    assert sorted(a.user_id for a in askers) == ["", "", OTHER]
    # The other youth is untouched.
    assert (await privacy.summary("qq", OTHER)).latest == (SHARED,)


async def test_erasing_needs_a_confirmation_within_five_minutes(
    runtime: Runtime, privacy: PrivacyService, clock: Clock
) -> None:
    no_faq(runtime)
    await asked(runtime, YOUTH, "怎么交团费？")
    assert await privacy.confirm_forget("qq", YOUTH) is None, "nothing was requested"
    await privacy.request_forget("qq", YOUTH)
    clock.advance(minutes=6)
    assert await privacy.confirm_forget("qq", YOUTH) is None, "too late"
    await privacy.request_forget("qq", YOUTH)
    assert await privacy.confirm_forget("qq", OTHER) is None, "someone else's request"
    clock.advance(minutes=4)
    erased = await privacy.confirm_forget("qq", YOUTH)
    assert erased is not None and erased.questions == 1
    assert await privacy.confirm_forget("qq", YOUTH) is None, "a confirmation is used once"


async def test_retention_erases_old_questions_but_not_those_waiting_for_a_person(
    runtime: Runtime, privacy: PrivacyService, clock: Clock
) -> None:
    no_faq(runtime)
    runtime.qa.clock = runtime.cases.clock = clock
    await asked(runtime, YOUTH, "怎么交团费？")
    await asked(runtime, YOUTH, "赞")
    await asked(runtime, YOUTH, ALONE)  # an open case: kept until it is done
    clock.advance(days=31)
    await asked(runtime, YOUTH, "入团的流程是什么？")
    assert await privacy.tick() == (0, 0), "RETENTION_DAYS=0 keeps everything"

    privacy.settings = privacy.settings.model_copy(update={"retention_days": 30})
    assert await privacy.tick() == (1, 0)
    assert await privacy.tick() == (0, 0), "erased once"
    texts = {q.text for q in await rows(runtime, Question)}
    assert texts == {"", ALONE, "入团的流程是什么？"}
    (feedback,) = await rows(runtime, Feedback)
    assert feedback.user_id.startswith("erased:")
    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Question)) == 3
    # Once the case is closed, its question goes too, and the case's copy of the text.
    async with runtime.db.session() as session:
        case = await session.get(Case, 1)
        case.status = CaseStatus.CLOSED.value
    assert await privacy.tick() == (1, 0)
    (case,) = await rows(runtime, Case)
    assert case.text == ""
    clock.advance(days=31)
    assert await privacy.tick() == (1, 0)

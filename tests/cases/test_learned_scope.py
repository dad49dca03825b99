"""A learned answer answers the org of its case and the orgs below it, not every youth.

The test grid: 测试团市委 (city) → 测试区团委 (district, group 40002) → 测试街道团工委 (street,
group 40001); these tests add 另一街道 (street2, group 40003) under the district.
"""

from __future__ import annotations

from itertools import count

from bot.cases import texts
from bot.cases.learn import change_learned_entries
from bot.cases.review import LearnedReview
from bot.chat.speaker import Speaker
from bot.faq.index import FaqIndex
from bot.faq.model import FaqEntry
from bot.qa.model import Incoming, ReplyKind
from bot.runtime import Runtime
from tests.conftest import SUPERUSER

ADMIN = Speaker("qq", SUPERUSER, None, is_admin=True)
_ids = count(1)


def asking(text: str, group: str | None, user: str = "30701") -> Incoming:
    return Incoming(
        platform="qq",
        message_id=str(880000 + next(_ids)),
        user_id=user,
        text=text,
        group_id=group,
        to_me=True,
    )


async def add_second_street(runtime: Runtime) -> None:
    path = runtime.settings.faq_dir / "grid" / "orgs.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "  - id: street2\n    name: 另一街道\n    level: 街道团工委\n    parent: district\n"
        '    groups: ["qq:40003"]\n',
        encoding="utf-8",
    )
    report = await runtime.grid.reload()
    assert report.ok, report
    assert "street2" in runtime.grid.grid.orgs


async def learned(runtime: Runtime, question: str, group: str | None, answer: str) -> int:
    """A youth asks in `group`, an admin answers, learns and approves it: the case number."""
    reply = await runtime.qa.handle(asking(question, group, user=f"3{next(_ids):04d}"))
    assert reply is not None and reply.question_id is not None
    await runtime.qa.sent("qq", None, reply)
    cases = await runtime.cases.cases_of_questions([reply.question_id])
    case_id = cases[reply.question_id][0]
    await runtime.cases.answer(case_id, ADMIN, answer)
    await runtime.cases.learn(case_id, ADMIN)
    review = LearnedReview(runtime.db, runtime.faq, runtime.grid, runtime.settings)
    await review.approve(ADMIN, str(case_id))
    return case_id


async def answer_in(runtime: Runtime, question: str, group: str | None) -> str | None:
    """The FAQ answer a youth asking in `group` gets (None: no answer from the FAQ)."""
    reply = await runtime.qa.handle(asking(question, group))
    assert reply is not None
    return reply.entry.answer if reply.kind is ReplyKind.ANSWER and reply.entry else None


QUESTION = "街道青年之家周末几点开门"
ANSWER = "周六周日上午九点开门。"


async def test_a_streets_learned_answer_stays_in_that_street(runtime: Runtime) -> None:
    await add_second_street(runtime)
    case = await learned(runtime, QUESTION, "40001", ANSWER)

    entry = runtime.faq.get(f"learned-{case}")
    assert entry is not None and entry.orgs == ("street",)
    assert await answer_in(runtime, QUESTION, "40001") == ANSWER
    assert await answer_in(runtime, QUESTION, "40003") is None, "a sibling street"
    assert await answer_in(runtime, QUESTION, "40002") is None, "the district above it"
    assert await answer_in(runtime, QUESTION, None) is None, "a chat of no known org"


async def test_a_districts_answer_reaches_the_streets_below(runtime: Runtime) -> None:
    await add_second_street(runtime)
    await learned(runtime, QUESTION, "40002", ANSWER)

    for group in ("40002", "40001", "40003"):
        assert await answer_in(runtime, QUESTION, group) == ANSWER, group
    assert await answer_in(runtime, QUESTION, None) is None


async def test_a_question_of_no_org_is_learned_for_the_city(runtime: Runtime) -> None:
    # A private question has no org: the case goes to the top, its answer answers every org.
    case = await learned(runtime, QUESTION, None, ANSWER)

    entry = runtime.faq.get(f"learned-{case}")
    assert entry is not None and entry.orgs == ("city",)
    assert await answer_in(runtime, QUESTION, "40001") == ANSWER
    assert await answer_in(runtime, QUESTION, None) is None


async def test_bundled_entries_answer_everyone(runtime: Runtime) -> None:
    dues = runtime.faq.get("dues-pay")
    assert dues is not None and not dues.orgs
    for group in ("40001", None):
        assert await answer_in(runtime, "怎么交团费？", group) == dues.answer


async def test_reviewers_see_where_an_answer_will_answer(runtime: Runtime) -> None:
    reply = await runtime.qa.handle(asking(QUESTION, "40001"))
    assert reply is not None and reply.question_id is not None
    case_id = (await runtime.cases.cases_of_questions([reply.question_id]))[reply.question_id][0]
    await runtime.cases.answer(case_id, ADMIN, ANSWER)
    await runtime.cases.learn(case_id, ADMIN)
    review = LearnedReview(runtime.db, runtime.faq, runtime.grid, runtime.settings)
    (entry,) = await review.pending(ADMIN)
    assert (
        review.scope(entry) == texts.scope(["测试街道团工委"]) == "测试街道团工委及下级组织的同学"
    )


def test_entries_of_other_orgs_never_crowd_out_an_answer() -> None:
    # Many streets learned the same question: a youth of yet another street still gets the
    # unscoped entry, though a dozen entries of other orgs match better.
    others = [
        FaqEntry(f"learned-{n}", "青年之家几点开门", f"答案{n}", orgs=(f"street-{n}",))
        for n in range(12)
    ]
    general = FaqEntry("general", "青年之家开放时间是几点", "各地不同，请问所在街道。")
    index = FaqIndex.build([*others, general])

    assert [m.entry.id for m in index.search("青年之家几点开门", k=5, orgs=("street-x",))] == [
        "general"
    ]
    mine = index.search("青年之家几点开门", k=5, orgs=("street-3", "district"))
    assert [m.entry.id for m in mine] == ["learned-3", "general"]
    assert len(index.search("青年之家几点开门", k=5)) == 5, "no scope given: every entry"


async def test_an_entry_learned_before_scopes_is_scoped_when_approved(runtime: Runtime) -> None:
    reply = await runtime.qa.handle(asking(QUESTION, "40001"))
    assert reply is not None and reply.question_id is not None
    case_id = (await runtime.cases.cases_of_questions([reply.question_id]))[reply.question_id][0]
    await runtime.cases.answer(case_id, ADMIN, ANSWER)
    await runtime.cases.learn(case_id, ADMIN)
    review = LearnedReview(runtime.db, runtime.faq, runtime.grid, runtime.settings)
    # As /入库 wrote it before entries carried their case's org.
    change_learned_entries(review.path, lambda entries: entries[0].pop("orgs"))
    await review.approve(ADMIN, str(case_id))

    entry = runtime.faq.get(f"learned-{case_id}")
    assert entry is not None and entry.orgs == ("street",)
    assert await answer_in(runtime, QUESTION, None) is None

"""团情日记 in the service: the "四个一" of a month, follow-ups as cases routed by the grid and
tracked to their end, who sees a diary, the dates a cadre may write, the demo, and the diaries in
the monthly report (SQLite and PostgreSQL, the `runtime` fixture).

The clock stands at 2026-11-02 09:00 local time.
"""

from __future__ import annotations

import asyncio
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.cases.models import Case, CaseStatus, Delivery
from bot.chat.speaker import Speaker, speaker_of
from bot.diary import texts
from bot.diary.report import digest
from bot.diary.service import DiaryError, DiaryService, Entry, parse_day
from bot.reports.monthly import build
from bot.reports.summary import text, workbook
from bot.runtime import Runtime
from tests.utils import Clock


@pytest.fixture
def diaries(runtime: Runtime, clock: Clock) -> DiaryService:
    runtime.diaries.clock = clock
    return runtime.diaries


def person(runtime: Runtime, person_id: str) -> Speaker:
    return speaker_of(runtime.grid.grid.people[person_id])


def entry(day: date, **values: object) -> Entry:
    fields: dict[str, object] = {"org_id": "street", "heard": "盼着多开讲座", "youths_met": 3}
    fields.update(values)
    return Entry(day, **fields)  # type: ignore[arg-type]


async def test_four_ones_of_a_month(runtime: Runtime, diaries: DiaryService) -> None:
    a = person(runtime, "street-a")
    await diaries.record(a, entry(date(2026, 11, 1), youths_met=4, marks=frozenset({"deed"})))
    await diaries.record(a, entry(date(2026, 11, 1), youths_met=3))
    await diaries.record(a, entry(date(2026, 11, 2), youths_met=5, marks=frozenset({"paired"})))
    await diaries.record(a, entry(date(2026, 10, 31), youths_met=9, marks=frozenset({"research"})))
    await diaries.record(person(runtime, "street-b"), entry(date(2026, 11, 2), youths_met=20))
    november = await diaries.progress("street-a", date(2026, 11, 1))
    assert november.items() == [
        ("workdays", 2, 1),  # two days, three visits
        ("deed", 1, 1),
        ("research", 0, 1),
        ("paired", 1, 1),
        ("youths", 12, 10),
    ]
    assert not november.complete
    october = await diaries.progress("street-a", date(2026, 10, 1))
    assert (october.workdays, october.research, october.youths) == (1, 1, 9)
    text = diaries.progress_text(november)
    assert "2026年11月“四个一”" in text and "⬜ 一篇调研报告：0/1篇" in text
    assert "✅ 结交一批青年：12/10人" in text


async def test_a_follow_up_becomes_a_case_and_is_tracked_to_its_end(
    runtime: Runtime, diaries: DiaryService
) -> None:
    author = person(runtime, "district-a")
    diary, followups = await diaries.record(
        author, entry(date(2026, 11, 1), followups=["联系人社局进校讲座", "反映路灯问题"])
    )
    case_id = await diaries.to_case(author, followups[0].id)
    async with runtime.db.session() as session:
        case = await session.get(Case, case_id)
    # Routed like a youth's question from the visited org: to a cadre of the street.
    assert case is not None and case.origin_org_id == "street"
    assert case.status == CaseStatus.ASSIGNED.value and case.assignee_id in ("street-a", "street-b")
    views = (await diaries.followups([diary.id]))[diary.id]
    assert [v.status for v in views] == [f"工单 #{case_id} 处理中", "待跟进"]
    assert [v.open for v in views] == [True, True]
    with pytest.raises(DiaryError, match="已转为工单"):
        await diaries.to_case(author, followups[0].id)
    with pytest.raises(DiaryError, match="已转为工单"):
        await diaries.mark_done(author, followups[0].id)
    # The assignee answers as in chat: the follow-up is done, the author hears the answer.
    assignee = person(runtime, case.assignee_id or "")
    await runtime.cases.answer(case_id, assignee, "已约好 11 月 10 日进校")
    views = (await diaries.followups([diary.id]))[diary.id]
    assert views[0].status == f"工单 #{case_id} 已回复" and not views[0].open
    async with runtime.db.session() as session:
        delivered = (await session.scalars(select(Delivery))).all()
    assert [(d.platform, d.user_id) for d in delivered] == [("qq", "10004")]
    assert "已约好 11 月 10 日进校" in delivered[0].text
    await diaries.mark_done(author, followups[1].id)
    views = (await diaries.followups([diary.id]))[diary.id]
    assert views[1].status == texts.STATUS_DONE and not views[1].open


async def test_two_clicks_make_one_case(runtime: Runtime, diaries: DiaryService) -> None:
    author = person(runtime, "street-a")
    _, followups = await diaries.record(author, entry(date(2026, 11, 1), followups=["修篮球架"]))
    outcomes = await asyncio.gather(
        diaries.to_case(author, followups[0].id),
        diaries.to_case(author, followups[0].id),
        return_exceptions=True,
    )
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, DiaryError) for o in outcomes) == 1, outcomes
    async with runtime.db.session() as session:
        assert len((await session.scalars(select(Case))).all()) == 1


async def test_who_sees_a_diary(runtime: Runtime, diaries: DiaryService) -> None:
    diary, followups = await diaries.record(
        person(runtime, "street-a"), entry(date(2026, 11, 1), followups=["x"])
    )
    for seer in ("street-a", "street-b", "district-a", "city-a", "admin"):
        assert (await diaries.get(person(runtime, seer), diary.id)).id == diary.id
    expert = person(runtime, "job-expert")
    with pytest.raises(DiaryError, match="没有找到团情日记"):
        await diaries.get(expert, diary.id)
    with pytest.raises(DiaryError, match="没有找到跟进事项"):
        await diaries.to_case(expert, followups[0].id)
    assert [d.id for d in await diaries.listing({"street"}, "nobody")] == [diary.id]
    assert await diaries.listing({"district"}, "nobody") == []
    assert [d.id for d in await diaries.listing(frozenset(), "street-a")] == [diary.id]


async def test_the_org_of_a_visit(runtime: Runtime, diaries: DiaryService) -> None:
    street, district = person(runtime, "street-a"), person(runtime, "district-a")
    assert diaries.org_for(district, "测试街道团工委") == ("street", "")
    assert diaries.org_for(district, "青城村文化礼堂") == ("district", "青城村文化礼堂")
    # Above the cadre's scope: a place under their own org, not a visit of the district.
    assert diaries.org_for(street, "测试区团委") == ("street", "测试区团委")
    assert diaries.org_for(person(runtime, "admin"), "测试区团委") == ("district", "")
    assert diaries.org_for(person(runtime, "job-expert"), "人才市场") == (None, "人才市场")


async def test_dates_a_cadre_may_write(diaries: DiaryService) -> None:
    today = date(2026, 11, 2)
    assert parse_day("今天", today) == today
    assert parse_day("前天", today) == date(2026, 10, 31)
    assert parse_day("10-28", today) == date(2026, 10, 28)
    assert parse_day("10月28日", today) == date(2026, 10, 28)
    assert parse_day("2026/10/28", today) == date(2026, 10, 28)
    assert parse_day("12-30", date(2027, 1, 2)) == date(2026, 12, 30), "the December just past"
    for bad in ("明天见", "13-01", "2026-02-30", ""):
        with pytest.raises(DiaryError, match="没看懂"):
            parse_day(bad, today)
    with pytest.raises(DiaryError, match="不能晚于今天"):
        diaries.check(entry(parse_day("11-05", today)))
    with pytest.raises(DiaryError, match="一年以内"):
        diaries.check(entry(date(2025, 10, 1)))
    with pytest.raises(DiaryError, match="所思所想所盼"):
        diaries.check(entry(today, heard=" "))


async def test_demo_seed_once(runtime: Runtime, diaries: DiaryService) -> None:
    assert await diaries.seed_demo() == 2
    seeded = await diaries.listing(None, None)
    assert len(seeded) == 2 and all(d.org_id == "street" for d in seeded)
    async with runtime.db.session() as session:
        assert len((await session.scalars(select(Case))).all()) == 1, "one follow-up as a case"
    assert await diaries.seed_demo() == 0


async def test_diaries_in_the_monthly_report(runtime: Runtime, diaries: DiaryService) -> None:
    a, d = person(runtime, "street-a"), person(runtime, "district-a")
    await diaries.record(
        a,
        entry(date(2026, 11, 1), youths_met=8, problems="找实习没渠道\n路灯坏了", followups=["y"]),
    )
    _, answered = await diaries.record(
        d,
        entry(
            date(2026, 11, 2),
            org_id="district",
            youths_met=5,
            problems="求职被骗，电话13812345678",
            followups=["讲座"],
        ),
    )
    await diaries.record(a, entry(date(2026, 10, 20), problems="找工作难", followups=["旧事"]))
    case_id = await diaries.to_case(d, answered[0].id)
    async with runtime.db.session() as session:
        case = await session.get(Case, case_id)
    assert case is not None and case.assignee_id is not None
    await runtime.cases.answer(case_id, person(runtime, case.assignee_id), "好")
    grid = runtime.grid.grid
    found = await digest(runtime.db, grid, date(2026, 11, 1), None)
    assert (found.diaries, found.authors, found.youths) == (2, 2, 13)
    assert [(v.name, v.visits, v.youths) for v in found.by_org] == [
        ("测试区团委", 1, 5),
        ("测试街道团工委", 1, 8),
    ]
    assert [(p.name, p.diaries) for p in found.recurring] == [("就业", 2)]
    jobs = found.problems[0]
    assert "138****5678" in " ".join(jobs.examples) and "13812345678" not in str(jobs.examples)
    # Open: this month's "y" and October's "旧事"; the answered one is done.
    assert [f.text for f in found.open_followups] == ["旧事", "y"]
    assert found.open_count == 2
    street = await digest(runtime.db, grid, date(2026, 11, 1), grid.descendants("street"))
    assert (street.diaries, [f.text for f in street.open_followups]) == (1, ["旧事", "y"])
    # The whole report, as /月报 and the console make it.
    report = await build(
        runtime.db,
        grid,
        runtime.faq.index.entries,
        runtime.activities,
        diaries.clock(),
        diaries.zone,
        date(2026, 11, 1),
    )
    summary = text(report)
    assert "团情日记 2 篇（2 名团干部），走访 2 个组织，见青年 13 人；待跟进 2 件" in summary
    assert "反映较多：就业 2" in summary
    book = load_workbook(io.BytesIO(workbook(report)))
    problems = [[c.value for c in row][:3] for row in book["反映问题"].iter_rows(min_row=2)]
    assert problems == [["就业", 2, "是"], ["其他", 1, None]]

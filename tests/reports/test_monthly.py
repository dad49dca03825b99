"""The monthly 团情分析 report: months parsed as people write them; figures equal to the
dashboard's for the month, beside last month's; hot topics with examples (never a crisis
message); activities' turnout; the console page, its XLSX, and /月报 in chat, each kept to
the viewer's orgs."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.chat.speaker import speaker_of
from bot.console.dashboard import figures
from bot.reports.monthly import ReportError, build, month_period, parse_month
from bot.runtime import Runtime
from tests.activities.helpers import draft
from tests.console.conftest import ask, make_cadre, signed_in
from tests.utils import Clock
from tests.web.conftest import Client

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
CRISIS = "我不想活了，今晚就结束"


def test_months_as_people_write_them() -> None:
    assert parse_month("", NOW, ZONE) == date(2026, 11, 1), "empty: last month"
    assert parse_month("2026-10", NOW, ZONE) == date(2026, 10, 1)
    assert parse_month("2026年9月", NOW, ZONE) == date(2026, 9, 1)
    assert parse_month("11月", NOW, ZONE) == date(2026, 11, 1)
    for bad in ("2026-13", "下个月", "2027-01"):
        with pytest.raises(ReportError):
            parse_month(bad, NOW, ZONE)
    # In January, 12月 is the December just past, not the one to come.
    january = datetime(2027, 1, 5, 2, 0, tzinfo=timezone.utc)
    assert parse_month("12月", january, ZONE) == date(2026, 12, 1)
    assert parse_month("1月", january, ZONE) == date(2027, 1, 1)
    for bad in ("0000-11", "²月", "0月"):
        with pytest.raises(ReportError):  # a message, never a crash
            parse_month(bad, NOW, ZONE)
    november = month_period(date(2026, 11, 1), ZONE)
    assert (november.first, november.last) == (date(2026, 11, 1), date(2026, 11, 30))


async def seed_month(console: Runtime, clock: Clock) -> int:
    """Two October questions, five November ones (one a crisis), a November activity with a
    sign-up checked in; the activity's id."""
    clock.now = datetime(2026, 10, 15, 2, 0, tzinfo=timezone.utc)
    await ask(console, "几岁可以入团", user="1")
    await ask(console, "食堂几点开门", user="2")
    clock.now = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
    await ask(console, "怎么交团费", user="3")
    await ask(console, "团费交多少钱，我电话13812345678", user="4")
    await ask(console, "几岁可以入团", user="5")
    await ask(console, "食堂几点开门", user="6")
    await ask(console, CRISIS, user="7")
    service = console.activities
    service.clock = clock
    organiser = speaker_of(console.grid.grid.people["street-a"])
    activity = await service.create(
        organiser, draft(clock, starts_at=clock() + timedelta(hours=1), title="团课")
    )
    await service.schedule(organiser, activity.id)
    await service.sign_up(activity.id, "qq", "30001", nickname="小王")
    await service.check_in("qq", "30001", (await service.get(activity.id)).checkin_code)
    clock.now = NOW
    return activity.id


async def test_the_report_counts_what_the_dashboard_counts(
    client: Client, console: Runtime, clock: Clock
) -> None:
    activity = await seed_month(console, clock)
    grid = console.grid.grid
    report = await build(
        console.db,
        grid,
        console.faq.index.entries,
        console.activities,
        NOW,
        ZONE,
        date(2026, 11, 1),
        "street",
    )
    orgs = grid.descendants("street")
    expected = await figures(console.db, NOW, orgs, month_period(date(2026, 11, 1), ZONE))
    assert report.figures == expected and report.figures.collected == 5
    assert report.previous.collected == 2
    topics = {t.name: t for t in report.topics}
    fee = next(t for t in report.topics if any("团费" in e for e in t.examples))
    assert fee.count == 2 and fee.is_new, "团费 was not asked in October"
    assert any("138****5678" in e for e in fee.examples), "examples are masked"
    shown = [e for t in report.topics for e in t.examples]
    assert not any(CRISIS[:4] in e for e in shown), "a crisis message is never an example"
    assert sum(t.count for t in topics.values()) >= 4
    assert [h.activity.id for h in report.activities] == [activity]
    assert (report.signed, report.checked) == (1, 1)

    async with signed_in(client) as admin:
        page = await admin.get("/console/report", params={"org": "street", "month": "2026-11"})
        assert page.status_code == 200
        body = page.text
        assert '<b data-figure="collected">5</b>' in body and "上月 2" in body
        assert f'data-topic="{fee.name}"' in body and CRISIS not in body
        sheet = await admin.get(
            "/console/report.xlsx", params={"org": "street", "month": "2026-11"}
        )
        assert sheet.status_code == 200 and "attachment" in sheet.headers["content-disposition"]
        book = load_workbook(io.BytesIO(sheet.content))
        assert book.sheetnames == ["概况", "热点话题", "活动", "团情日记", "反映问题", "待跟进"]
        rows = {row[0].value: row[1].value for row in book["概况"].iter_rows(min_row=2)}
        assert rows["收到问题"] == 5 and rows["范围"] == grid.orgs["street"].name
        assert [r[1].value for r in book["活动"].iter_rows(min_row=2)] == ["团课"]
        bad = await admin.get("/console/report", params={"month": "明年"})
        assert bad.status_code == 400 and "月份" in bad.text
        await make_cadre(admin, "jia2", "street2-a")
    async with signed_in(client, "jia2", "a cadre password") as cadre:
        own = await cadre.get("/console/report", params={"month": "2026-11"})
        assert own.status_code == 200 and grid.orgs["street2"].name in own.text
        assert '<b data-figure="collected">0</b>' in own.text, "street2 asked nothing"
        other = await cadre.get("/console/report", params={"org": "street", "month": "2026-11"})
        assert other.status_code == 403
        assert (
            await cadre.get("/console/report.xlsx", params={"org": "street"})
        ).status_code == 403


async def test_monthly_in_chat_for_cadres_only(
    client: Client, console: Runtime, clock: Clock
) -> None:
    await seed_month(console, clock)
    # No image here (REPORT_FONT=off): the text says it all (tests/reports/test_image.py has
    # the picture).
    console.settings = console.settings.model_copy(update={"report_font": "off"})
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    # The try page acting as the cadre signed in to the console.
    async with signed_in(client, "jia", "a cadre password") as page:

        async def say(text: str, cadre: str | None = None) -> str:
            res = await page.post("/api/chat", json={"text": text, "cadre": cadre})
            assert res.status_code == 200, res.text
            assert res.json()["images"] == []
            return res.json()["text"]

        summary = await say("/月报 2026-11", cadre="street-a")
        assert summary.startswith("【团情分析 · ")
        assert "收到问题 5（比上月多 150%）" in summary
        assert "/console/report?org=street&month=2026-11" in summary
        assert "只能查看" in await say("/月报 测试第二街道团工委 11月", cadre="street-a")
        assert "月份" in await say("/月报 2026-13", cadre="street-a")
        assert "只有团干部可以使用" in await say("/月报")

"""The console's 团情日记 page: a cadre adds a diary through the form (CSRF, bad input refused
with the form kept), sees the diaries of their scope and the "四个一", turns a follow-up into a
case and marks another done; the monthly report and its XLSX include the diaries."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from bot.cases.models import Case
from bot.chat.speaker import speaker_of
from bot.console.models import AuditEntry
from bot.diary.service import Entry
from bot.runtime import Runtime
from tests.console.conftest import csrf_of, make_cadre, signed_in
from tests.utils import Clock
from tests.web.conftest import Client

FORM = {
    "visited_on": "2026-11-01",
    "org": "street",
    "place": "青城村文化礼堂",
    "youths_met": "8",
    "youths_note": "返乡大学生",
    "heard": "盼着村里有自习室",
    "problems": "找实习没有渠道\n晚上没有路灯",
    "followups": "联系人社局进村讲座\n反映路灯问题",
    "deed": "1",
}


async def test_diary_page_form_and_follow_ups(
    client: Client, console: Runtime, clock: Clock
) -> None:
    console.diaries.clock = clock
    grid = console.grid.grid
    # A diary of another street, out of the cadre's scope.
    other, _ = await console.diaries.record(
        speaker_of(grid.people["street2-a"]),
        Entry(date(2026, 11, 1), "street2", heard="想打篮球", youths_met=2),
    )
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as c:
        page = (await c.get("/console/diaries")).text
        assert "记一篇团情日记" in page and 'name="viewport"' in page
        assert f'data-diary="{other.id}"' not in page, "scope"
        token = csrf_of(page)
        refused = await c.post("/console/diaries", data=FORM)
        assert refused.status_code == 403, "no CSRF token, nothing saved"
        outside = await c.post("/console/diaries", data={**FORM, "org": "street2", "csrf": token})
        assert outside.status_code == 400 and "负责范围内" in outside.text
        future = await c.post(
            "/console/diaries", data={**FORM, "visited_on": "2026-11-09", "csrf": token}
        )
        assert future.status_code == 400 and "不能晚于今天" in future.text
        assert "盼着村里有自习室" in future.text, "the form keeps what was typed"
        res = await c.post("/console/diaries", data={**FORM, "csrf": token})
        assert res.status_code == 303 and "month=2026-11" in res.headers["location"]
        page = (await c.get(res.headers["location"])).text
        assert "团情日记已保存" in page
        assert "青城村文化礼堂（测试街道团工委）" in page and "算作：办实事" in page
        assert 'data-author="street-a"' in page and "8/10" in page
        mine = await console.diaries.listing(None, None)
        diary = next(d for d in mine if d.id != other.id)
        followups = (await console.diaries.followups([diary.id]))[diary.id]
        first, second = (f.followup.id for f in followups)
        res = await c.post(
            f"/console/diaries/followups/{first}/case", data={"csrf": token, "month": "2026-11"}
        )
        assert res.status_code == 303
        page = (await c.get(res.headers["location"])).text
        async with console.db.session() as session:
            case = (await session.scalars(select(Case))).one()
        assert case.origin_org_id == "street" and case.text == "联系人社局进村讲座"
        assert f'href="/console/cases/{case.id}">工单 #{case.id} 处理中' in page
        case_page = (await c.get(f"/console/cases/{case.id}")).text
        assert "联系人社局进村讲座" in case_page
        assert f'href="/console/diaries?month=2026-11#diary-{diary.id}"' in case_page, "its diary"
        res = await c.post(f"/console/diaries/followups/{second}/done", data={"csrf": token})
        assert res.status_code == 303
        again = await c.post(f"/console/diaries/followups/{second}/case", data={"csrf": token})
        assert again.status_code == 409 and "已办结" in again.text
        outside = await c.post(
            f"/console/diaries/followups/{second + 99}/done", data={"csrf": token}
        )
        assert outside.status_code == 409 and "没有找到" in outside.text

        report = (await c.get("/console/report", params={"month": "2026-11"})).text
        assert '<b data-figure="diaries">1</b>' in report
        assert '<b data-figure="open_followups">1</b>' in report, "the case waits for an answer"
        assert 'data-visits="street"' in report and 'data-problem="就业"' in report
        assert "团情日记 1 篇" in report
        sheet = await c.get("/console/report.xlsx", params={"month": "2026-11"})
        book = load_workbook(io.BytesIO(sheet.content))
        visits = [[cell.value for cell in row] for row in book["团情日记"].iter_rows(min_row=2)]
        assert visits == [["测试街道团工委", 1, 8]]
        waiting = [row[4].value for row in book["待跟进"].iter_rows(min_row=2)]
        assert waiting == ["联系人社局进村讲座"]
    async with signed_in(client) as admin:
        page = (await admin.get("/console/diaries", params={"month": "2026-11"})).text
        assert f'data-diary="{other.id}"' in page and f'data-diary="{diary.id}"' in page
        assert (await admin.get("/console/diaries", params={"month": "明年"})).status_code == 400
    async with console.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert {"diary_added", "diary_followup_case", "diary_followup_done"} <= set(actions)

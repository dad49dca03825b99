"""The 团情分析 page opens on the month under way: a new admin sees this month's questions,
not an empty last month; the month selector still picks any other."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.console.conftest import ask, signed_in
from tests.web.conftest import Client


async def test_the_report_page_opens_on_the_current_month(client: Client, console: Runtime) -> None:
    await ask(console, "几岁可以入团", user="1")  # on the test clock: 2026-11-02
    async with signed_in(client) as admin:
        page = (await admin.get("/console/report")).text
        assert 'name="month" value="2026-11"' in page
        assert '<b data-figure="collected">1</b>' in page
        before = (await admin.get("/console/report", params={"month": "2026-10"})).text
        assert 'name="month" value="2026-10"' in before
        assert '<b data-figure="collected">0</b>' in before
        sheet = await admin.get("/console/report.xlsx")
        assert sheet.status_code == 200 and "2026-11" in sheet.headers["content-disposition"]

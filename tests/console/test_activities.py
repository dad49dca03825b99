"""The console's activity pages: the viewer's activities with sign-ups, waitlist and
check-ins as the database holds them, each group's send progress, the sign-up sheet as XLSX
and CSV (in the audit log), and a street cadre kept to their orgs."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from bot.chat.speaker import speaker_of
from bot.console.models import AuditEntry
from bot.runtime import Runtime
from tests.activities.helpers import ADMIN, draft
from tests.console.conftest import make_cadre, signed_in
from tests.web.conftest import Client

LISTED = re.compile(r'<li data-activity="(\d+)"')


async def _activities(console: Runtime) -> tuple[int, int]:
    """A street cadre's activity with a quota of 1 (one signed up and checked in, one waiting, one
    cancelled) and an admin's one for street2 that nobody joined."""
    service = console.activities
    clock = service.clock
    organiser = speaker_of(console.grid.grid.people["street-a"])
    street = await service.create(
        organiser,
        draft(
            clock,
            quota=1,
            fields=["name", "phone"],
            title="社区志愿服务",
            starts_at=clock() + timedelta(hours=1),  # check-in is open
        ),
    )
    await service.schedule(organiser, street.id)
    other = await service.create(
        ADMIN, draft(clock, targets={"orgs": ["street2"]}, title="二街道读书会")
    )
    await service.schedule(ADMIN, other.id)
    for user in ("30001", "30002", "30003"):
        await service.sign_up(street.id, "qq", user, nickname=f"王小{user[-1]}")
        await service.answer_field("qq", user, f"王小{user[-1]}")
        await service.answer_field("qq", user, "13812345678")
    await service.cancel_signup(street.id, "qq", "30003")
    fresh = await service.get(street.id)
    await service.check_in("qq", "30001", fresh.checkin_code)
    return street.id, other.id


async def test_activity_pages_show_what_the_database_holds(
    client: Client, console: Runtime
) -> None:
    street, other = await _activities(console)
    async with signed_in(client) as c:
        listing = (await c.get("/console/activities")).text
        assert set(LISTED.findall(listing)) == {str(street), str(other)}
        page = await c.get(f"/console/activities/{street}")
        assert page.status_code == 200
        body = page.text
        assert "<dd data-signed>1 / 名额 1</dd>" in body
        assert "<dd data-waitlisted>1</dd>" in body and "<dd data-checked>1</dd>" in body
        statuses = re.findall(r'<tr data-signup="\d+" data-status="(\w+)"', body)
        assert statuses == ["signed", "waitlisted", "cancelled"]
        assert "13812345678" not in body and "138****5678" in body, "contacts masked on the page"
        groups = (await console.activities.get(street)).target_groups
        assert groups and re.findall(r'data-group="([^"]+)"', body) == groups
        # The sheet has the contacts, in both formats, and the download is audited.
        xlsx = await c.get(f"/console/activities/{street}/signups.xlsx")
        assert xlsx.status_code == 200
        assert "attachment" in xlsx.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        table = [[cell.value for cell in row] for row in sheet.iter_rows()]
        assert len(table) == 4 and table[0][:2] == ["序号", "状态"]
        assert [row[1] for row in table[1:]] == ["已报名", "候补", "已取消"]
        assert table[1][-1] == "13812345678"
        text = (await c.get(f"/console/activities/{street}/signups.csv")).content
        assert text.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
        rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
        assert rows == [[str(v or "") for v in row] for row in table]
        assert (await c.get(f"/console/activities/{street}/signups.pdf")).status_code == 404
        assert (await c.get("/console/activities/999")).status_code == 404
        async with console.db.session() as session:
            exports = (
                await session.scalars(
                    select(AuditEntry.target).where(AuditEntry.action == "activity_exported")
                )
            ).all()
        assert exports == [f"活动 #{street}", f"活动 #{street}"]
        await make_cadre(c, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as cadre:
        mine = (await cadre.get("/console/activities")).text
        assert LISTED.findall(mine) == [str(street)], "the street's activity only"
        assert (await cadre.get(f"/console/activities/{other}")).status_code == 404
        assert (await cadre.get(f"/console/activities/{other}/signups.xlsx")).status_code == 404
        assert (await cadre.get(f"/console/activities/{street}")).status_code == 200
    async with client() as stranger:
        res = await stranger.get(f"/console/activities/{street}/signups.xlsx")
        assert res.status_code == 303 and res.headers["location"] == "/console/login"

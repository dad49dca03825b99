"""Extra fields asked in private, and the exported sign-up sheet read back (XLSX and CSV)."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from bot.activities import texts
from bot.activities.export import export_file, remove_expired_exports
from bot.activities.service import ActivityService
from bot.activities.web import export_router
from bot.runtime import Runtime
from tests.activities.helpers import ADMIN, announced
from tests.utils import Clock


async def test_fields_are_asked_one_by_one_and_validated(
    activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, fields=["name", "phone"])
    result = await activities.sign_up(activity_id, "qq", "91", "40001", "小青")
    assert result.missing == ("name", "phone")
    assert await activities.answer_field("qq", "91", "王小青") == texts.FIELD_PROMPTS["phone"]
    assert await activities.answer_field("qq", "91", "12345") == texts.BAD_PHONE
    done = await activities.answer_field("qq", "91", "138 0013 8000")
    assert done == texts.FIELDS_DONE.format(id=activity_id, title="社区志愿服务")
    assert await activities.answer_field("qq", "91", "随便说说") is None
    assert await activities.pending_field("qq", "91") is None


async def test_export_has_every_signup_and_check_in(
    activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(
        activities, clock, quota=1, fields=["name", "phone"], checkin_code="135790"
    )
    await activities.sign_up(activity_id, "qq", "101", "40001", "小红")
    await activities.answer_field("qq", "101", '=HYPERLINK("x")')
    await activities.answer_field("qq", "101", "13800138000")
    await activities.sign_up(activity_id, "qq", "102", None, "小明")
    clock.advance(hours=47)
    await activities.check_in("qq", "101", "135790")

    token, count = await activities.export(ADMIN, activity_id)
    assert count == 2
    assert len(token) >= 30
    folder = activities.settings.data_dir / "exports"
    sheet = load_workbook(folder / f"{token}.xlsx").active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "序号", "状态", "候补顺序", "平台", "账号", "昵称", "报名时间", "签到时间", "姓名", "手机号",
    ]  # fmt: skip
    assert rows[1][1:6] == ["已报名", None, "qq", "101", "小红"]
    assert rows[1][7] == "2026-11-04 08:00"  # checked in, Asia/Shanghai
    assert rows[1][8:] == ['=HYPERLINK("x")', "13800138000"]
    assert sheet.cell(2, 9).data_type == "s"  # text, never a formula
    assert rows[2][1:3] == ["候补", "1"]
    with (folder / f"{token}.csv").open(encoding="utf-8-sig", newline="") as file:
        table = list(csv.reader(file))
    assert table[0][-2:] == ["姓名", "手机号"]
    assert table[1][-1] == "13800138000"
    assert len(table) == 3

    url = activities.export_url(token, "xlsx")
    assert url.endswith(f"/exports/{token}.xlsx")
    app = FastAPI()
    app.include_router(export_router(activities.settings.data_dir))
    client = TestClient(app)
    response = client.get(f"/exports/{token}.csv")
    assert response.status_code == 200
    assert "13800138000" in response.content.decode("utf-8-sig")
    assert client.get("/exports/guessed-token-aaaaaaaaaaaaa.csv").status_code == 404
    assert client.get("/exports/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert export_file(folder, "../x.csv") is None


async def test_an_export_link_expires_and_its_files_are_deleted(
    activities: ActivityService, clock: Clock, runtime: Runtime
) -> None:
    activity_id = await announced(activities, clock, fields=["phone"])
    await activities.sign_up(activity_id, "qq", "101", "40001", "小红")
    await activities.answer_field("qq", "101", "13800138000")
    folder = activities.settings.data_dir / "exports"
    token, _ = await activities.export(ADMIN, activity_id)
    written = (folder / f"{token}.csv").stat().st_mtime
    now = [written + 23.9 * 3600]
    app = FastAPI()
    app.include_router(export_router(activities.settings.data_dir, 24, lambda: now[0]))
    client = TestClient(app)
    assert client.get(f"/exports/{token}.csv").status_code == 200
    now[0] = written + 24 * 3600
    assert client.get(f"/exports/{token}.xlsx").status_code == 404, "the link stopped working"
    assert not any(folder.iterdir()), "both files are deleted"

    # Nobody opens the link: the clean-up job deletes the files after the hours.
    kept, _ = await activities.export(ADMIN, activity_id)
    written = (folder / f"{kept}.csv").stat().st_mtime
    runtime.privacy.clock = lambda: datetime.fromtimestamp(written + 3600, timezone.utc)
    assert await runtime.privacy.tick() == (0, 0)
    assert len(list(folder.iterdir())) == 2
    runtime.privacy.clock = lambda: datetime.fromtimestamp(written + 24 * 3600, timezone.utc)
    assert await runtime.privacy.tick() == (0, 2)
    assert not any(folder.iterdir())
    # EXPORT_TTL_HOURS=0 keeps exports.
    forever, _ = await activities.export(ADMIN, activity_id)
    assert export_file(folder, f"{forever}.csv", 0, written + 1e9) is not None
    assert remove_expired_exports(folder, 0, written + 1e9) == 0

"""The report's PNG summary: a font is only used if it draws Chinese; the picture is a real,
phone-wide PNG with ink on it; without a font /月报 says it all in text with the link; the
console's download asks for a login and keeps to the viewer's orgs; the try page shows it.

The picture needs a CJK font (CI installs fonts-wqy-microhei); without one, those tests skip
and the text fallback is still tested."""

from __future__ import annotations

import base64
import io
import logging
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.activities.models import Activity
from bot.activities.service import SignupFigures
from bot.console.dashboard import Figures
from bot.diary.report import DiaryDigest, OrgVisits, ProblemTopic
from bot.reports.image import GREEN, WIDTH, SummaryPainter, find_font, painter
from bot.reports.monthly import HeldActivity, MonthlyReport, Topic
from bot.runtime import Runtime
from tests.console.conftest import make_cadre, signed_in
from tests.reports.test_monthly import seed_month
from tests.utils import Clock
from tests.web.conftest import Client

FONT, WHY = find_font()
needs_font = pytest.mark.skipif(FONT is None, reason=f"no CJK font on this machine: {WHY}")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ZONE = ZoneInfo("Asia/Shanghai")


def a_report(**changes: object) -> MonthlyReport:
    """A November with every part filled (long names, an emoji the font may lack)."""
    held = [
        HeldActivity(
            Activity(id=i, title=f"青年志愿服务😀第{i}期 走进社区"), SignupFigures(20, 2, 15)
        )
        for i in range(1, 7)
    ]
    values: dict[str, object] = {
        "scope": "测试区团委测试街道团工委" * 3,
        "org_id": "street",
        "month": date(2026, 11, 1),
        "figures": Figures(125, 80, 30, 42, 3, 5, 2, timedelta(minutes=95)),
        "previous": Figures(100, 60, 20, 30, 2, 4, 4, None),
        "topics": [
            Topic("入团", 40, 30, ()),
            Topic("团费缴纳的标准和方式" * 4, 22, 0, ()),
            Topic("就业", 12, 15, ()),
            Topic("心理", 8, 0, ()),
            Topic("其他", 3, 1, ()),
            Topic("学业", 1, 1, ()),
        ],
        "activities": held,
        "wishes_lit": 7,
        "wishes_open": 3,
        "zone": ZONE,
        "diaries": DiaryDigest(
            diaries=4,
            authors=2,
            youths=37,
            by_org=[OrgVisits("street", "测试街道团工委", 4, 37)],
            problems=[ProblemTopic("就业", 3, ()), ProblemTopic("学业", 1, ())],
            open_followups=[],
            open_count=2,
        ),
    }
    values.update(changes)
    return MonthlyReport(**values)  # type: ignore[arg-type]


def test_only_a_font_that_draws_chinese_is_used(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all")
    path, why = find_font(str(broken), candidates=(), fontconfig=False)
    assert path is None and str(broken) in why and "REPORT_FONT" in why
    path, why = find_font(str(tmp_path / "gone.ttc"), candidates=(), fontconfig=False)
    assert path is None and "no such file" in why
    assert find_font("off") == (None, "REPORT_FONT=off")
    painter.cache_clear()
    with caplog.at_level(logging.WARNING, logger="bot.reports.image"):
        assert painter("off") is None and painter("off") is None
    said = [r.getMessage() for r in caplog.records if r.name == "bot.reports.image"]
    assert len(said) == 1 and "REPORT_FONT=off" in said[0], "why, once"
    path, why = find_font("", candidates=(), fontconfig=False)
    assert path is None and "fonts-wqy-microhei" in why
    if DEJAVU.is_file():  # fc-match's answer for :lang=zh where no CJK font is installed
        path, why = find_font(str(DEJAVU), candidates=(), fontconfig=False)
        assert path is None and "no Chinese glyphs" in why
    if FONT is not None:  # a bad REPORT_FONT is passed over for a system font, and said why
        assert find_font(str(broken)) == (FONT, "")


@needs_font
def test_the_summary_is_a_phone_wide_png_with_ink_on_it() -> None:
    assert FONT is not None
    drawer = SummaryPainter(FONT)
    png = drawer.render(a_report(), datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc))
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.width == WIDTH and picture.height > 1200
    pixels = picture.convert("RGB")
    assert pixels.getpixel((5, 5)) == GREEN, "the League-green header"
    header = pixels.crop((0, 0, WIDTH, 200)).getcolors(WIDTH * 200) or []
    assert sum(n for n, colour in header if min(colour) > 240) > 2000, "a white title"
    body = pixels.crop((0, 260, WIDTH, picture.height)).convert("L")
    dark = sum(n for n, level in body.getcolors(WIDTH * picture.height) or [] if level < 90)
    assert dark > 20000, "figures and topics are drawn in dark ink"
    # An empty month draws too, and says so instead of blank sections.
    empty = drawer.render(
        a_report(figures=Figures(0, 0, 0, 0, 0, 0, 0, None), topics=[], activities=[], wishes_lit=0)
    )
    assert Image.open(io.BytesIO(empty)).width == WIDTH


@needs_font
def test_characters_the_font_lacks_are_left_out_not_boxed() -> None:
    assert FONT is not None
    drawer = SummaryPainter(FONT)
    assert drawer._clean("团课 第1期") == "团课 第1期"
    assert drawer._clean("\U0010fffd团课") == "团课"


async def test_console_png_needs_login_and_keeps_to_scope(
    client: Client, console: Runtime, clock: Clock
) -> None:
    await seed_month(console, clock)
    async with client() as anonymous:
        res = await anonymous.get("/console/report.png", params={"org": "street"})
        assert res.status_code == 303 and res.headers["location"] == "/console/login"
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia2", "street2-a")
        page = await admin.get("/console/report", params={"org": "street", "month": "2026-11"})
        link = "/console/report.png?org=street&amp;month=2026-11"
        assert (link in page.text) is (FONT is not None), "the button only where it works"
        bad = await admin.get("/console/report.png", params={"month": "明年"})
        assert bad.status_code == 400 and "月份" in bad.text
    async with signed_in(client, "jia2", "a cadre password") as cadre:
        other = await cadre.get("/console/report.png", params={"org": "street", "month": "2026-11"})
        assert other.status_code == 403 and "image/png" not in other.headers["content-type"]
    # Without a font: no button, and the address says why instead of a broken picture.
    console.settings = console.settings.model_copy(update={"report_font": "off"})
    async with signed_in(client) as admin:
        page = await admin.get("/console/report", params={"org": "street", "month": "2026-11"})
        assert page.status_code == 200 and "report.png" not in page.text
        res = await admin.get("/console/report.png", params={"org": "street", "month": "2026-11"})
        assert res.status_code == 503 and "中文字体" in res.text


@needs_font
async def test_console_png_download(client: Client, console: Runtime, clock: Clock) -> None:
    await seed_month(console, clock)
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia2", "street2-a")
        res = await admin.get("/console/report.png", params={"org": "street", "month": "2026-11"})
        assert res.status_code == 200 and res.headers["content-type"] == "image/png"
        assert "attachment" in res.headers["content-disposition"]
        assert Image.open(io.BytesIO(res.content)).width == WIDTH
    async with signed_in(client, "jia2", "a cadre password") as cadre:
        own = await cadre.get("/console/report.png", params={"month": "2026-11"})
        assert own.status_code == 200 and own.content.startswith(b"\x89PNG")


@needs_font
async def test_monthly_on_the_try_page_shows_the_picture(
    client: Client, console: Runtime, clock: Clock
) -> None:
    await seed_month(console, clock)
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as page:
        res = await page.post("/api/chat", json={"text": "/月报 2026-11", "cadre": "street-a"})
        assert res.status_code == 200, res.text
        data = res.json()
    [image] = data["images"]
    prefix = "data:image/png;base64,"
    assert image["url"].startswith(prefix)
    picture = Image.open(io.BytesIO(base64.b64decode(image["url"][len(prefix) :])))
    assert picture.width == WIDTH
    assert "收到问题 5" in image["alt"], "the whole summary as the picture's text"
    assert data["text"].startswith("团情分析 · 测试街道团工委 · 2026年11月")
    assert "/console/report?org=street&month=2026-11" in data["text"]

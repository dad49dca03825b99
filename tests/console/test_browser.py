"""The console in a real browser (Debian's headless Chromium driven by Playwright) against the
real bot (`python -m bot`) on a loopback port, on a phone-sized screen: an admin logs in, reads
the dashboard (its figures are what the database holds), opens a case and answers it (the
youth who asked on the try page gets the answer), adds it to the FAQ, approves the entry, and
the hit test shows the served index answering with it.

Needs `/usr/bin/chromium`; skipped without it, except where REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from PIL import Image

from bot.bench.e2e import REPO_ROOT, BotProcess, free_port
from bot.reports.image import WIDTH, find_font
from tests.onebot import STARTUP_TIMEOUT

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN, PASSWORD = "tuanshiwei", "a long admin password"
TIMEOUT_MS = 15_000

if not shutil.which(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@pytest_asyncio.fixture
async def site(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """The real bot, web-only, with the first admin configured; yields its address and its
    SQLite file."""
    data = tmp_path / "data"
    faq = tmp_path / "faq_data"  # /入库 writes into it: a copy, never the repository's
    shutil.copytree(REPO_ROOT / "faq_data", faq)
    process = BotProcess(
        "bot",
        free_port(),
        tmp_path / "bot.log",
        env={
            "DATA_DIR": str(data),
            "FAQ_DIR": str(faq),
            "WEB_CHAT_CADRES": "false",
            "CONSOLE_ADMIN_USER": ADMIN,
            "CONSOLE_ADMIN_PASSWORD": PASSWORD,
        },
    )
    process.start()
    try:
        await process.wait_listening(STARTUP_TIMEOUT)
        yield f"http://127.0.0.1:{process.port}", data / "qingsheng.db"
    finally:
        process.stop()


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def test_an_admin_reads_the_dashboard_and_answers_a_case(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    address, database = site
    async with httpx.AsyncClient(base_url=address, timeout=30) as youth:
        answered = (await youth.post("/api/chat", json={"text": "我今年15岁能入团吗"})).json()
        assert answered["kind"] == "answer", answered
        liked = await youth.post(
            "/api/chat", json={"text": "赞", "reply_to": answered["message_id"]}
        )
        assert liked.status_code == 200
        opened = (
            await youth.post("/api/chat", json={"text": "我们街道青年之家周末几点开门"})
        ).json()
        assert "编号" in opened["text"], opened

        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(f"{address}/console")
            assert page.url.endswith("/console/login")
            await page.fill("input[name=username]", ADMIN)
            await page.fill("input[name=password]", "wrong password!")
            await page.click("button[type=submit]")
            assert "用户名或密码不对" in await page.inner_text(".error")
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{address}/console")

            async def figure(key: str) -> str:
                return await page.inner_text(f'[data-figure="{key}"] .n')

            expected = {
                "collected": _count(database, "SELECT count(*) FROM questions"),
                "by_faq": _count(
                    database,
                    "SELECT count(*) FROM questions WHERE outcome IN ('answered', 'chosen')",
                ),
                "likes": _count(database, "SELECT count(*) FROM feedback WHERE helpful"),
                "open_cases": _count(
                    database, "SELECT count(*) FROM cases WHERE status IN ('open', 'assigned')"
                ),
            }
            assert expected == {"collected": 2, "by_faq": 1, "likes": 1, "open_cases": 1}
            for key, value in expected.items():
                assert await figure(key) == str(value), key
            # No horizontal scrolling on a phone.
            assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            await page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

            await page.click('[data-figure="open_cases"]')
            await page.click("li[data-case] a.q")
            assert "青年之家" in await page.inner_text("p.q")
            await page.fill("textarea[name=answer]", "周末上午九点到下午五点开门。")
            await page.click("text=发送回复")
            assert "已回复" in await page.inner_text(".notice")
            assert await page.inner_text("[data-answer]") == "周末上午九点到下午五点开门。"
            assert "已回复" in await page.inner_text("[data-status]")
            assert "回复" in await page.inner_text("ol.events")
            await page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
            await page.goto(f"{address}/console")
            assert await figure("by_people") == "1"
            assert await figure("open_cases") == "0"

            # Into the FAQ: learned, reviewed (edited), then served.
            await page.goto(f"{address}/console/cases?state=answered")
            await page.click("li[data-case] a.q")
            await page.click("text=加入问答库")
            assert "审核" in await page.inner_text(".notice")
            await page.click("text=待审核")
            entry = page.locator("section[data-entry]")
            assert await entry.count() == 1
            entry_id = await entry.get_attribute("data-entry")
            await entry.locator("textarea[name=answer]").fill(
                "周末九点到十七点开门，节假日另行通知。"
            )
            await entry.locator("text=通过").click()
            assert f"已通过 {entry_id}" in await page.inner_text(".notice")
            await page.click("text=问答测试")
            await page.fill("input[name=q]", "我们街道青年之家周末几点开门")
            await page.select_option("select[name=org]", index=1)  # the top org of the grid
            await page.click("button:text('测试')")
            assert await page.get_attribute("[data-band]", "data-band") == "answer"
            assert await page.get_attribute("tr[data-entry]", "data-entry") == entry_id
            await page.screenshot(path=str(tmp_path / "hittest.png"), full_page=True)
            await browser.close()

        later = (await youth.post("/api/chat/poll", json={})).json()
        assert later == [
            "关于你问的“我们街道青年之家周末几点开门”，团干部回复：\n周末上午九点到下午五点开门。"
        ]


async def test_the_monthly_report_and_the_new_pages_on_a_phone(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    """An admin reads this month's 团情分析 (figures as the database holds them), downloads its
    Excel file and its summary picture, and browses the FAQ and the activities, all without sideways scrolling."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from openpyxl import load_workbook

    address, database = site
    async with httpx.AsyncClient(base_url=address, timeout=30) as youth:
        for text in ("怎么交团费", "团费交多少钱", "我们街道青年之家周末几点开门"):
            assert (await youth.post("/api/chat", json={"text": text})).status_code == 200
    month = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = await browser.new_context(
            viewport={"width": 390, "height": 844}, accept_downloads=True
        )
        page = await context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        await page.goto(f"{address}/console/login")
        await page.fill("input[name=username]", ADMIN)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{address}/console")

        await page.click("header nav >> text=团情分析")
        await page.fill("input[name=month]", month)
        await page.click("button:text('查看')")
        collected = _count(database, "SELECT count(*) FROM questions")
        assert collected == 3
        assert await page.inner_text('[data-figure="collected"]') == str(collected)
        assert await page.locator("tr[data-topic]").count() >= 1
        assert "【团情分析 · 全部 · " in await page.inner_text("[data-summary]")
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        await page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        async with page.expect_download() as download_info:
            await page.click("text=下载 Excel 报告")
        download = await download_info.value
        saved = tmp_path / "report.xlsx"
        await download.save_as(saved)
        book = load_workbook(saved)
        assert book.sheetnames == ["概况", "热点话题", "活动", "团情日记", "反映问题", "待跟进"]
        rows = {row[0].value: row[1].value for row in book["概况"].iter_rows(min_row=2)}
        assert rows["收到问题"] == collected
        # The picture to forward in chat (the CI has a CJK font: fonts-wqy-microhei).
        if await page.locator("text=下载图片摘要").count():
            async with page.expect_download() as download_info:
                await page.click("text=下载图片摘要")
            picture = tmp_path / "summary.png"
            await (await download_info.value).save_as(picture)
            with Image.open(picture) as opened:
                assert (opened.format, opened.width) == ("PNG", WIDTH)
        else:
            assert find_font()[0] is None, "no picture button although a CJK font is there"

        for section, marker in (("问答库", "li[data-entry]"), ("活动", "h1")):
            await page.click(f"header nav >> text={section}")
            assert await page.locator(marker).count() >= 1, section
            assert await page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"
            ), section
            await page.screenshot(path=str(tmp_path / f"{section}.png"), full_page=True)
        await browser.close()


async def test_unsettled_questions_become_an_faq_entry(
    site: tuple[str, Path], tmp_path: Path
) -> None:
    """Two youths ask what the FAQ does not know; the admin finds them as one cluster on the
    待补充 page, makes a new entry of it, and the bot answers that question directly."""
    address, _ = site
    asked = ("青年之家的打印机可以免费用吗", "青年之家打印机免费用吗？")
    async with httpx.AsyncClient(base_url=address, timeout=30) as youth:
        for text in asked:
            reply = (await youth.post("/api/chat", json={"text": text})).json()
            assert reply["kind"] != "answer", reply
        async with playwright_api.async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = await browser.new_context(viewport={"width": 390, "height": 844})
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            await page.goto(f"{address}/console/login")
            await page.fill("input[name=username]", ADMIN)
            await page.fill("input[name=password]", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{address}/console")

            await page.click("header nav >> text=待补充")
            cluster = page.locator("section[data-cluster]", has_text="打印机").first
            assert await cluster.get_attribute("data-count") == "2"
            assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            await page.screenshot(path=str(tmp_path / "clusters.png"), full_page=True)
            await cluster.locator("summary").click()
            await cluster.locator("textarea[name=answer]").fill("可以，每人每天免费打印十页。")
            await cluster.locator("button:text('新建条目')").click()
            assert "已新建条目 added-1" in await page.inner_text(".notice")
            card = page.locator("section[data-cluster]", has_text="打印机").first
            assert await card.locator("[data-band]").get_attribute("data-band") == "answer"
            await page.click("header nav >> text=操作记录")
            assert "新增问答条目" in await page.inner_text("main")
            await browser.close()
        again = (await youth.post("/api/chat", json={"text": asked[0]})).json()
        assert again["kind"] == "answer" and "免费打印十页" in again["text"], again

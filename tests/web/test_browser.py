"""The try-it page in a real browser (Debian's headless Chromium driven by Playwright), against
the real bot (`python -m bot`) on a loopback port, as a youth would use it on a phone.

Needs `/usr/bin/chromium` (`.ci/run` installs it). Without it the test is skipped on a
developer's machine and fails where REQUIRE_BROWSER is set (CI), so it can't silently stop
running there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.bench.e2e import BotProcess, free_port
from bot.qa import texts
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
REPLY_TIMEOUT_MS = 15_000

if not shutil.which(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@pytest_asyncio.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    """The real bot, web-only (no QQ account), on a free loopback port; yields its address."""
    process = BotProcess(
        "bot",
        free_port(),
        tmp_path / "bot.log",
        env={"DATA_DIR": str(tmp_path / "data"), "WEB_CHAT_CADRES": "false"},
    )
    process.start()
    try:
        await process.wait_listening(STARTUP_TIMEOUT)
        site = f"http://127.0.0.1:{process.port}"
        assert process.log_count(f"试用页面（浏览器打开即可提问）: {site}/chat") == 1, (
            "the start-up log says where the try page is"
        )
        assert process.log_count(f"管理后台: {site}/console") == 1, "and the console"
        yield site
    finally:
        process.stop()


@pytest_asyncio.fixture
async def page(site: str) -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
        )
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        tab = await context.new_page()
        await tab.goto(site)  # the bare address leads to the page
        yield tab
        await browser.close()


async def ask(page, text: str) -> str:
    """Type `text`, send it, and return the text of the bot's next message."""
    replies = page.locator("#log .msg.bot")
    before = await replies.count()
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    await replies.nth(before).wait_for(timeout=REPLY_TIMEOUT_MS)
    return await replies.nth(before).inner_text()


async def test_a_youth_uses_the_page(page) -> None:
    assert "青声" in await page.title()

    answer = await ask(page, "我今年15岁能入团吗")
    assert "14" in answer, answer

    crisis = await ask(page, "我不想活了，药都准备好了")
    assert crisis.index("12355") < 80, "the hotline comes first"
    assert "110" in crisis or "120" in crisis, "imminent danger names 110/120"
    hotline = page.locator('#log .msg.bot a[href="tel:12355"]')
    assert await hotline.count() == 1, "12355 is a link a phone can call"

    assert await ask(page, "🙂🙂🙂") == texts.NO_WORDS

    # Markup typed by a youth is shown as text and never runs.
    attack = '<img src=x onerror="window.__pwned = 1">'
    await ask(page, attack)
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#log img").count() == 0
    assert await page.locator("#log .msg.me").nth(3).inner_text() == attack


async def test_the_identity_survives_a_reload(page) -> None:
    opened = await ask(page, "我们街道青年之家周末几点开门")
    assert "编号" in opened, opened

    await page.reload()
    shown = page.locator("#log .msg.me")
    assert await shown.nth(0).inner_text() == "我们街道青年之家周末几点开门", "history survives"
    mine = await ask(page, "我的问题")
    assert "青年之家周末" in mine, mine


async def test_too_long_a_question_is_stopped_with_the_server_s_message(page) -> None:
    """The box takes any length (no silent cut); over the server's limit the page says so and
    keeps the text to be shortened, sending nothing."""
    assert await page.locator("#text").get_attribute("maxlength") is None
    text = "请问" * 151  # 302 characters: over MAX_QUESTION_CHARS (300)
    await page.fill("#text", text)
    await page.press("#text", "Enter")
    hint = page.locator("#log .msg.hint").last
    await hint.wait_for(timeout=REPLY_TIMEOUT_MS)
    assert texts.TOO_LONG.format(limit=300) in await hint.inner_text()
    assert await page.input_value("#text") == text, "kept to be shortened"
    assert await page.locator("#log .msg.me").count() == 0, "nothing was sent"
    assert await ask(page, "我今年15岁能入团吗"), "a short one goes"

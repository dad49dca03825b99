"""The scripted conversation (tests/parity/script.py) on the try page, in a real browser
(Debian's headless Chromium driven by Playwright, set up as in tests/web/test_browser.py)
against the real bot (tests/parity/conftest.py), on a 390 px phone screen.

The page was opened with the cadre trial link, so its 身份 menu can act as 郑华 (青城团市委): the
youth's question on the page has no org, so its case is his. The youth picks a choice by its
button. The page cannot be pushed to: the cadre answers with /答 编号 答案, and the answer
appears by itself when the youth's page next looks (every 5 s), without the youth sending
anything."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from bot.bench.e2e import BotProcess
from tests.parity.conftest import cadre_link
from tests.parity.script import Run, Step, play
from tests.web.test_browser import CHROMIUM, CHROMIUM_FLAGS, REPLY_TIMEOUT_MS, playwright_api

CADRE = "zheng-hua"
POLL_TIMEOUT_MS = 12_000
"""The page looks for answers from people every 5 s."""


@pytest_asyncio.fixture
async def page(script_bot: BotProcess) -> AsyncIterator[object]:
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = await browser.new_context(viewport={"width": 390, "height": 844})
        tab = await context.new_page()
        await tab.goto(cadre_link(script_bot))
        await tab.locator(f'#who option[value="{CADRE}"]').wait_for(state="attached")
        yield tab
        await browser.close()


class TryPage:
    """The driver: types into the page (or taps a choice's button) as the youth, or as 郑华
    after choosing him in the 身份 menu; reads the bot's bubbles."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.bot = page.locator("#log .msg.bot")

    async def _as(self, who: str) -> None:
        if await self.page.input_value("#who") != who:
            await self.page.select_option("#who", who)

    async def _said(self, before: int, timeout: float = REPLY_TIMEOUT_MS) -> str:
        await self.bot.nth(before).wait_for(timeout=timeout)
        return "\n".join((await self.bot.all_inner_texts())[before:])

    async def youth(self, step: Step, run: Run) -> str:
        await self._as("")
        before = await self.bot.count()
        if step.name == "pick a choice":  # a choice is a button
            await self.page.locator(
                "#log .msg.bot .extra button", has_text=f"{run.text(step)}. "
            ).last.click()
        else:
            await self.page.fill("#text", run.text(step))
            await self.page.press("#text", "Enter")
        return await self._said(before)

    async def cadre(self, step: Step, run: Run) -> str:
        await self._as(CADRE)
        before = await self.bot.count()
        said = run.answer_command(step) if step.kind == "answer" else run.text(step)
        await self.page.fill("#text", said)
        await self.page.press("#text", "Enter")
        return await self._said(before)

    async def receive(self, step: Step, run: Run) -> str:
        # Back to the youth: the page's next look brings the answer, nothing typed.
        typed = await self.page.locator("#log .msg.me").count()
        await self._as("")
        before = await self.bot.count()
        said = await self._said(before, timeout=POLL_TIMEOUT_MS)
        assert await self.page.locator("#log .msg.me").count() == typed
        return said


async def test_the_script_on_the_try_page(page) -> None:  # type: ignore[no-untyped-def]
    run = await play(TryPage(page))
    assert "待送达" not in run.replies["cadre answers"], "the page fetches it: no 待送达 told"
    # The conversation survives a reload.
    await page.reload()
    assert "签到成功" in (await page.locator("#log .msg.bot").all_inner_texts())[-1]

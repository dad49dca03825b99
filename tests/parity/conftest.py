"""One real bot (`python -m bot`) for the script's runs that need one: OneBot QQ over a real
reverse WebSocket, and the try page in headless Chromium. The bundled FAQ and demo grid,
fresh SQLite, lexical only; the try page's cadre trial on (as the local demo's .env has it)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from tests.onebot import STARTUP_TIMEOUT, TOKEN

CADRE_LINK = re.compile(r"团干部试用链接（只能在本机打开）: (\S+)")


@pytest_asyncio.fixture(scope="session")
async def script_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    tmp = tmp_path_factory.mktemp("script_bot")
    process = BotProcess(
        "bot",
        free_port(),
        tmp / "bot.log",
        token=TOKEN,
        env={
            "DATA_DIR": str(tmp / "data"),
            "FAQ_DIR": str(REPO_ROOT / "faq_data"),
            "FAQ_WATCH": "false",
            "DATABASE_URL": "",
            "SEMANTIC": "off",
            # The script sends a step every few hundred ms, youth and cadre from one address.
            "RATE_USER_PER_MINUTE": "30",
            "WEB_RATE_ADDRESS_PER_MINUTE": "120",
            "WEB_CHAT_CADRES": "true",
        },
    )
    process.start()
    try:
        await process.wait_listening(STARTUP_TIMEOUT)
    except BotStartError as e:
        process.stop()
        pytest.fail(str(e))
    yield process
    process.stop()


def cadre_link(process: BotProcess) -> str:
    """The cadre trial link the bot printed at start-up."""
    found = CADRE_LINK.search(process.log_path.read_text("utf-8", "replace"))
    assert found, process.log_tail()
    return found.group(1)

"""One real bot process and one simulated OneBot implementation, shared by this package's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from bot.bench.onebot_peer import OneBotPeer
from tests.onebot import SELF_ID, STARTUP_TIMEOUT, TOKEN


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def bot_process(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    """The real bot on a free loopback port: fresh SQLite, the bundled FAQ and demo grid."""
    tmp: Path = tmp_path_factory.mktemp("onebot")
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
        },
    )
    process.start()
    try:
        await process.wait_listening(timeout=STARTUP_TIMEOUT)
    except BotStartError as e:
        process.stop()
        pytest.fail(str(e))
    yield process
    process.stop()


@pytest_asyncio.fixture(scope="package", loop_scope="session")
async def peer(bot_process: BotProcess) -> AsyncIterator[OneBotPeer]:
    """One simulated OneBot implementation logged in as the bot's QQ account."""
    connection = await bot_process.connect_peer(self_id=SELF_ID, timeout=STARTUP_TIMEOUT)
    yield connection
    await connection.close()

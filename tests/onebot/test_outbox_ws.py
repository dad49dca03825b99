"""The outbox of the real bot (`python -m bot`) after a kill -9, with two QQ accounts connecting
late over real OneBot v11 reverse WebSockets.

Before the bot starts, its database already holds what a killed process left: announcements
queued for five groups, two of them left `SENDING` with their lease run out (one of those had
reached its group before the kill, the other had not). The bot starts with no account
connected: nothing may be spent or failed while it waits. Then two accounts connect, each in
some of the groups: every group gets the announcement exactly once, from the account in it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import select, update

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from bot.bench.onebot_peer import OneBotPeer
from bot.delivery.models import OutboxMessage, OutboxStatus
from bot.delivery.outbox import Outbox
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from tests.onebot import STARTUP_TIMEOUT, TOKEN

ACCOUNT_A, ACCOUNT_B = 2_900_000_101, 2_900_000_102
GROUPS_A = (41001, 41002, 41003, 41004)
GROUPS_B = (42001, 42002)
WENT_OUT, CUT_OFF = 41003, 41004
"""Left SENDING by the killed process: the first reached its group, the second did not."""
TEXT = "【团委通知】周六上午九点青年之家志愿服务培训"
SEND_TIMEOUT = 20.0


def _database(data: Path) -> Database:
    return Database(f"sqlite+aiosqlite:///{(data / 'qingsheng.db').as_posix()}")


async def _seed(data: Path) -> None:
    """The database a process killed mid-broadcast leaves behind."""
    db = _database(data)
    await db.migrate()
    outbox = Outbox(db, {}, Settings(data_dir=data))
    for group in (*GROUPS_A, *GROUPS_B):
        await outbox.enqueue(f"activity:7:qq:{group}", "qq", str(group), TEXT)
    async with db.engine.begin() as conn:
        await conn.execute(
            update(OutboxMessage)
            .where(OutboxMessage.chat_id.in_([str(WENT_OUT), str(CUT_OFF)]))
            .values(
                status=OutboxStatus.SENDING.value,
                attempts=1,
                claimed_by="killed:1",
                lease_until=utcnow() - timedelta(seconds=1),
                attempted_at=utcnow() - timedelta(seconds=301),
            )
        )
    await db.dispose()


async def _rows(data: Path) -> dict[str, tuple[str, int, str, str | None]]:
    db = _database(data)
    try:
        async with db.session() as session:
            rows = (
                await session.execute(
                    select(
                        OutboxMessage.chat_id,
                        OutboxMessage.status,
                        OutboxMessage.attempts,
                        OutboxMessage.account,
                        OutboxMessage.last_error,
                    )
                )
            ).all()
    finally:
        await db.dispose()
    return {
        chat: (status, attempts, account, error) for chat, status, attempts, account, error in rows
    }


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def restarted(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[BotProcess, Path]]:
    """The bot restarted on the killed process's database, no account connected yet."""
    tmp = tmp_path_factory.mktemp("outbox-ws")
    data = tmp / "data"
    data.mkdir()
    await _seed(data)
    process = BotProcess(
        "bot",
        free_port(),
        tmp / "bot.log",
        token=TOKEN,
        env={
            "DATA_DIR": str(data),
            "FAQ_DIR": str(REPO_ROOT / "faq_data"),
            "FAQ_WATCH": "false",
            "DATABASE_URL": "",
            "OUTBOX_SPACING_SECONDS": "0.05",
            "OUTBOX_JITTER_SECONDS": "0",
            "OUTBOX_TICK_SECONDS": "0.2",
        },
    )
    process.start()
    try:
        await process.wait_listening(timeout=STARTUP_TIMEOUT)
    except BotStartError as e:
        process.stop()
        pytest.fail(str(e))
    yield process, data
    process.stop()


async def test_a_restart_without_accounts_waits_then_each_group_gets_it_once(
    restarted: tuple[BotProcess, Path],
) -> None:
    process, data = restarted
    await asyncio.sleep(1.5)  # several outbox ticks with no account connected

    waiting = await _rows(data)
    assert {status for status, *_ in waiting.values()} <= {"pending", "sending"}
    assert all(error is None for *_, error in waiting.values()), waiting
    assert waiting[str(GROUPS_A[0])][1] == 0, "no attempt is spent while no account is connected"
    assert process.log_count("[ERROR]") == 0, process.log_tail()
    assert process.log_count("no qq account is connected") == 1, process.log_tail()

    a = OneBotPeer(process.ws_url, self_id=ACCOUNT_A, token=TOKEN, groups=GROUPS_A)
    b = OneBotPeer(process.ws_url, self_id=ACCOUNT_B, token=TOKEN, groups=GROUPS_B)
    a.add_own_message(WENT_OUT, TEXT, at=time.time() - 5)
    await a.connect()
    await b.connect()
    try:
        deadline = time.monotonic() + SEND_TIMEOUT
        while time.monotonic() < deadline:
            rows = await _rows(data)
            if all(status == "sent" for status, *_ in rows.values()):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.5)  # anything sent twice would arrive now
    finally:
        await a.close()
        await b.close()

    rows = await _rows(data)
    assert {chat: status for chat, (status, *_) in rows.items()} == {
        str(g): "sent" for g in (*GROUPS_A, *GROUPS_B)
    }, process.log_tail()
    sent_by_a = Counter(s.group_id for s in a.sent)
    sent_by_b = Counter(s.group_id for s in b.sent)
    assert sent_by_a == {41001: 1, 41002: 1, CUT_OFF: 1}, "41003 went out before the kill"
    assert sent_by_b == {42001: 1, 42002: 1}
    assert rows[str(GROUPS_B[0])][2] == str(ACCOUNT_B)
    assert any(call.action == "get_group_msg_history" for call in a.calls)
    assert process.log_count("[ERROR]") == 0, process.log_tail()

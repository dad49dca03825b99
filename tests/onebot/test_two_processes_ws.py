"""Two real bot processes (`python -m bot`) on one PostgreSQL, one QQ account connected to both
(NapCat can post every event to several reverse WebSockets): each message is acted on once.

Both processes start together on an empty database, so this also starts two bots that migrate it
at the same moment.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text as sql
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from bot.bench.onebot_peer import OneBotPeer, SentMessage, at, text
from tests.conftest import PG_URL
from tests.onebot import SELF_ID, STARTUP_TIMEOUT, TOKEN

STEP_TIMEOUT = 8.0
QUIET_PERIOD = 2.0
"""How long to keep listening for a second (duplicate) message."""
GROUP = 40001
CADRE = 10001
YOUTH = 1_650_000_001
QUESTION = "社区团委周末组织的读书会在几楼"
"""League business that nothing in the bundled FAQ answers (see test_cases_ws)."""
ANSWER = "读书会在社区活动中心三楼，欢迎参加。"


@pytest_asyncio.fixture(
    loop_scope="session", params=[pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def two_bots(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[list[tuple[BotProcess, OneBotPeer]]]:
    """Two bots on a new, empty PostgreSQL database, started together; one peer each, both
    logged in as the same QQ account."""
    name = f"qs_two_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(sql(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    bots = [
        BotProcess(
            "bot",
            free_port(),
            tmp_path / f"bot{n}.log",
            token=TOKEN,
            env={
                "DATA_DIR": str(tmp_path / f"data{n}"),
                "FAQ_DIR": str(REPO_ROOT / "faq_data"),
                "FAQ_WATCH": "false",
                "DATABASE_URL": url,
            },
        )
        for n in range(2)
    ]
    peers: list[OneBotPeer] = []
    try:
        for bot in bots:
            bot.start()
        try:
            for bot in bots:
                await bot.wait_listening(timeout=STARTUP_TIMEOUT)
                peers.append(await bot.connect_peer(self_id=SELF_ID, timeout=STARTUP_TIMEOUT))
        except BotStartError as e:
            pytest.fail(str(e))
        yield list(zip(bots, peers, strict=True))
    finally:
        for peer in peers:
            await peer.close()
        for bot in bots:
            bot.stop()
        async with admin.connect() as conn:
            await conn.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def _once(bots: list[tuple[BotProcess, OneBotPeer]], what: str, predicate) -> SentMessage:
    """The one message matching `predicate` that either bot sends; fails on none or two."""
    waits = [asyncio.ensure_future(peer.wait_sent(predicate, STEP_TIMEOUT)) for _, peer in bots]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    found = [task.result() for task in done if task.exception() is None]
    if not found:
        logs = "\n---\n".join(bot.log_tail() for bot, _ in bots)
        pytest.fail(f"no {what} within {STEP_TIMEOUT} s; bot logs:\n{logs}")
    await asyncio.sleep(QUIET_PERIOD)
    every = [s for _, peer in bots for s in peer.sent if predicate(s)]
    assert len(every) == 1, f"{what} sent {len(every)} times: {every}"
    return found[0]


async def test_one_account_on_two_processes_acts_once_on_each_message(
    two_bots: list[tuple[BotProcess, OneBotPeer]],
) -> None:
    # The youth's question reaches both processes (same account, same message id).
    question_id = two_bots[0][1].next_message_id()
    for _, peer in two_bots:
        await peer.send_group_message(
            GROUP, YOUTH, [at(SELF_ID), text(" " + QUESTION)], question_id, nickname="小青年"
        )
    told = await _once(two_bots, "reply to the youth", lambda s: s.reply_to == question_id)
    case = re.search(r"问题编号 #(\d+)", told.text)
    assert case is not None, told.text
    await _once(
        two_bots,
        "notification to the cadre",
        lambda s: s.message_type == "private" and s.user_id == CADRE and QUESTION in s.text,
    )

    # 李明 answers with /答; the event reaches both processes.
    command_id = two_bots[0][1].next_message_id()
    for _, peer in two_bots:
        await peer.send_private_message(
            CADRE, [text(f"/答 {case.group(1)} {ANSWER}")], command_id, nickname="李明"
        )
    delivered = await _once(
        two_bots,
        "answer in the group",
        lambda s: s.group_id == GROUP and s.reply_to == question_id and ANSWER in s.text,
    )
    assert delivered.at_targets == [str(YOUTH)]
    await _once(
        two_bots,
        "confirmation to the cadre",
        lambda s: s.message_type == "private" and s.user_id == CADRE and "已回复" in s.text,
    )


async def test_the_publish_dialogue_goes_on_in_whichever_process_gets_the_answer(
    two_bots: list[tuple[BotProcess, OneBotPeer]],
) -> None:
    """Each message of /发布活动 reaches one process only, the two by turns (as when the one
    that started it is restarted, or events are spread over processes): the dialogue lives in
    the database, so each step gets the next question wherever it arrives."""
    from bot.activities import texts as activity_texts

    steps = [
        ("/发布活动", activity_texts.ASK_TITLE),
        ("冬季志愿服务", activity_texts.ASK_TIME),
        ("2099-12-20 14:00", activity_texts.ASK_PLACE),
        ("街道活动中心", activity_texts.ASK_DETAILS),
        ("无", activity_texts.ASK_QUOTA),
        ("10", activity_texts.ASK_DEADLINE),
        ("无", "发送对象？"),
        (f"qq:{GROUP}", activity_texts.ASK_FIELDS),
        ("无", activity_texts.ASK_CONFIRM),
        ("取消", activity_texts.DIALOGUE_QUIT),
    ]
    for n, (said, expected) in enumerate(steps):
        _, peer = two_bots[n % 2]
        await peer.send_private_message(
            CADRE, [text(said)], peer.next_message_id(), nickname="李明"
        )
        await _once(
            two_bots,
            f"reply to {said!r}",
            lambda s, expected=expected: (
                s.message_type == "private" and s.user_id == CADRE and expected in s.text
            ),
        )

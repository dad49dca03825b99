"""Two real bot processes (`python -m bot`) on one PostgreSQL database: a callback URL accepted
by one is refused by the other when replayed with another body (明文模式, the weakest mode)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from tests.conftest import PG_URL
from tests.wechat.conftest import APPID, TOKEN, plain_request, text_xml

pytestmark = pytest.mark.postgres


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def two_bots(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[list[BotProcess]]:
    name = f"qs_replay_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    tmp: Path = tmp_path_factory.mktemp("two-bots")
    bots = []
    try:
        for i in range(2):  # one after the other: the first creates the schema
            bot = BotProcess(
                "bot",
                free_port(),
                tmp / f"bot{i}.log",
                env={
                    "DATA_DIR": str(tmp / f"data{i}"),
                    "FAQ_DIR": str(REPO_ROOT / "faq_data"),
                    "FAQ_WATCH": "false",
                    "DATABASE_URL": url,
                    "WECHAT_OA_APPID": APPID,
                    "WECHAT_OA_TOKEN": TOKEN,
                    "WECHAT_OA_AES_KEY": "",
                    "WECHAT_OA_MODE": "plain",
                    "WECHAT_OA_SECRET": "",
                },
            )
            bots.append(bot)
            bot.start()
            await bot.wait_listening(timeout=60)
        yield bots
    except BotStartError as e:
        pytest.fail(str(e))
    finally:
        for bot in bots:
            bot.stop()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.mark.asyncio(loop_scope="session")
async def test_a_url_used_on_one_process_is_refused_on_the_other(
    two_bots: list[BotProcess],
) -> None:
    first, second = (f"http://{b.host}:{b.port}/wechat/oa" for b in two_bots)
    genuine = text_xml("怎么交团费", "7500000000000000001")
    query = plain_request(genuine)
    async with httpx.AsyncClient(timeout=10) as client:
        answered = await client.post(first, params=query, content=genuine)
        assert answered.status_code == 200, two_bots[0].log_tail()
        replay = await client.post(second, params=query, content=text_xml("我的问题", "75000002"))
        assert replay.status_code == 403, two_bots[1].log_tail()
        retry = await client.post(second, params=query, content=genuine)
        assert (retry.status_code, retry.text) == (200, answered.text), "WeChat's retry"
    assert two_bots[1].log_count("replayed with another message") == 1

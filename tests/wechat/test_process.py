"""The real bot (`python -m bot`) with the 服务号 configured, over real HTTP on a loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from bot.bench.e2e import REPO_ROOT, BotProcess, BotStartError, free_port
from tests.wechat.conftest import (
    AES_KEY,
    APPID,
    TOKEN,
    decrypt_reply,
    plain_request,
    safe_request,
    text_xml,
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def wechat_bot(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BotProcess]:
    tmp: Path = tmp_path_factory.mktemp("wechat-bot")
    process = BotProcess(
        "bot",
        free_port(),
        tmp / "bot.log",
        env={
            "DATA_DIR": str(tmp / "data"),
            "FAQ_DIR": str(REPO_ROOT / "faq_data"),
            "FAQ_WATCH": "false",
            "DATABASE_URL": "",
            "WECHAT_OA_APPID": APPID,
            "WECHAT_OA_TOKEN": TOKEN,
            "WECHAT_OA_AES_KEY": AES_KEY,
            "WECHAT_OA_SECRET": "",  # no customer-service messages: no network needed
        },
    )
    process.start()
    try:
        await process.wait_listening(timeout=45)
    except BotStartError as e:
        process.stop()
        pytest.fail(str(e))
    yield process
    process.stop()


@pytest.mark.asyncio(loop_scope="session")
async def test_running_bot_answers_once_and_refuses_forgeries(wechat_bot: BotProcess) -> None:
    url = f"http://{wechat_bot.host}:{wechat_bot.port}/wechat/oa"
    plain = text_xml("怎么交团费", "7300000000000000001")
    async with httpx.AsyncClient(timeout=10) as client:
        contents = []
        for _ in range(3):
            query, body = safe_request(plain)
            res = await client.post(url, params=query, content=body)
            assert res.status_code == 200, wechat_bot.log_tail()
            contents.append(decrypt_reply(res.text)["Content"])
        assert len(set(contents)) == 1 and "团费" in contents[0]
        query, body = safe_request(plain)
        forged = await client.post(url, params={**query, "msg_signature": "0" * 40}, content=body)
        assert forged.status_code == 403
        bomb = '<!DOCTYPE x [<!ENTITY a "a">]><xml><Encrypt>&a;</Encrypt></xml>'
        assert (await client.post(url, params=query, content=bomb)).status_code == 400
        mine = text_xml("我的问题", "7300000000000000003")
        downgraded = await client.post(url, params=plain_request(mine), content=mine)
        assert downgraded.status_code == 403, "an AES key is set: plaintext is refused"
        query, body = safe_request(text_xml("怎么交团费", "7300000000000000002"))
        assert (await client.post(url, params=query, content=body)).status_code == 200
    assert wechat_bot.log_count("question ") == 2, wechat_bot.log_tail()

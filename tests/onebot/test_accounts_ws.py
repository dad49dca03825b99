"""Two QQ accounts connected to one bot: OneBot message ids are unique per account only."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.bench.e2e import BotProcess, load_faq_entries
from bot.bench.onebot_peer import OneBotPeer, at, text
from tests.onebot import SELF_ID, STARTUP_TIMEOUT

REPLY_TIMEOUT = 8.0
QUIET_PERIOD = 1.5


@pytest_asyncio.fixture(loop_scope="session")
async def second_account(bot_process: BotProcess) -> AsyncIterator[OneBotPeer]:
    """A second QQ account of the same bot, in the same groups as the first."""
    peer = await bot_process.connect_peer(self_id=SELF_ID + 2, timeout=STARTUP_TIMEOUT)
    yield peer
    await peer.close()


async def test_same_message_ids_through_two_accounts_are_all_answered(
    peer: OneBotPeer, second_account: OneBotPeer
) -> None:
    entry = next(e for e in load_faq_entries() if e.id == "fee-how-to-pay")
    base = random.randint(1 << 20, 1 << 29)
    asked: list[tuple[OneBotPeer, int]] = []
    for n in range(20):
        group, message_id = 830_000_000 + base % 1000 * 100 + n, base + n
        # Both accounts sit in the group; each numbers its own copy of a different message alike.
        for account, user in ((peer, 1_630_000_000 + n), (second_account, 1_640_000_000 + n)):
            await account.send_group_message(
                group, user, [at(account.self_id), text(" " + entry.question)], message_id
            )
            asked.append((account, message_id))

    replies = await asyncio.gather(
        *(account.wait_reply(mid, timeout=REPLY_TIMEOUT) for account, mid in asked)
    )
    assert len(replies) == 40

    # A re-delivery to the second account is still one message: no second answer.
    account, message_id = asked[-1]
    await account.send_group_message(
        replies[-1].group_id,
        1_640_000_019,
        [at(account.self_id), text(" " + entry.question)],
        message_id,
    )
    await asyncio.sleep(QUIET_PERIOD)
    assert len(account.replies_to(message_id)) == 1

"""Two QQ accounts of one bot over real WebSockets: each push goes through the account in its chat.

The demo grid: group 40001 belongs to 东湖社区团支部 (李明, QQ 10001), group 40002 to 南门社区团支部
(陈刚, QQ 10003). Account B is 李明's friend, account C is 陈刚's; both number their messages from
the same id, so B's and C's replies and notifications share message ids.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import AsyncIterator, Callable

import pytest
import pytest_asyncio

from bot.bench.e2e import BotProcess
from bot.bench.onebot_peer import OneBotPeer, SentMessage, at, reply, text
from tests.onebot import SELF_ID, STARTUP_TIMEOUT

STEP_TIMEOUT = 6.0
LI_MING, CHEN_GANG = 10001, 10003
QUESTION = "社区团委周末组织的读书会在几楼"
"""Nothing in the bundled FAQ answers it, and no expert topic's keyword occurs in it."""
FIRST_ID = random.randint(1 << 22, 1 << 28)


async def _listed(account: OneBotPeer) -> None:
    """Wait until the bot has listed the account's friends (it does so when an account connects)."""
    for _ in range(int(STEP_TIMEOUT / 0.05)):
        if any(call.action == "get_friend_list" for call in account.calls):
            await asyncio.sleep(0.2)  # the answer on its way back
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"the bot never listed the friends of {account.self_id}")


@pytest_asyncio.fixture(loop_scope="session")
async def accounts(bot_process: BotProcess) -> AsyncIterator[tuple[OneBotPeer, OneBotPeer]]:
    """Accounts B (李明's friend) and C (陈刚's friend), numbering their messages alike."""
    b = await bot_process.connect_peer(
        self_id=SELF_ID + 10,
        timeout=STARTUP_TIMEOUT,
        friends=[LI_MING],
        groups=[40001],
        first_message_id=FIRST_ID,
    )
    c = await bot_process.connect_peer(
        self_id=SELF_ID + 12,
        timeout=STARTUP_TIMEOUT,
        friends=[CHEN_GANG],
        groups=[40002],
        first_message_id=FIRST_ID,
    )
    await asyncio.gather(_listed(b), _listed(c))
    yield b, c
    await asyncio.gather(b.close(), c.close())


async def _wait(
    account: OneBotPeer, what: str, predicate: Callable[[SentMessage], bool], bp: BotProcess
) -> SentMessage:
    try:
        return await account.wait_sent(predicate, timeout=STEP_TIMEOUT)
    except TimeoutError:
        sent = "\n".join(f"{s.action} {s.params}" for s in account.sent)
        pytest.fail(
            f"no {what} through {account.self_id} within {STEP_TIMEOUT} s; it sent:\n{sent}\n"
            f"bot log:\n{bp.log_tail()}"
        )


def _case_of(notice: SentMessage) -> str:
    found = re.search(r"#(\d+)", notice.text)
    assert found is not None, notice.text
    return found.group(1)


async def test_notifications_go_through_the_cadres_friend_and_quotes_find_that_accounts_case(
    accounts: tuple[OneBotPeer, OneBotPeer], bot_process: BotProcess
) -> None:
    b, c = accounts
    base = random.randint(1 << 20, 1 << 21)
    asked: dict[int, tuple[OneBotPeer, int, int]] = {}
    for account, group, youth in ((b, 40001, 1_650_000_001), (c, 40002, 1_650_000_002)):
        message_id = await account.send_group_message(
            group, youth, [at(account.self_id), text(" " + QUESTION)], base + group
        )
        asked[group] = (account, youth, message_id)
    notices: dict[int, SentMessage] = {}
    for account, cadre, other in ((b, LI_MING, c), (c, CHEN_GANG, b)):
        notices[cadre] = await _wait(
            account,
            f"notification to {cadre}",
            lambda s, cadre=cadre: s.message_type == "private" and s.user_id == cadre,
            bot_process,
        )
        assert not [s for s in other.sent if s.user_id == cadre], "only its friend tells it"
    li, chen = notices[LI_MING], notices[CHEN_GANG]
    # Both accounts number alike: the replies to the youths and the notifications share ids.
    assert li.message_id == chen.message_id
    replies = [s for s in (*b.sent, *c.sent) if s.message_type == "group"]
    assert len(replies) == 2 and replies[0].message_id == replies[1].message_id
    cases = {cadre: _case_of(n) for cadre, n in notices.items()}
    assert cases[LI_MING] != cases[CHEN_GANG]

    # Each cadre quotes the notification they got: the same message id, through its account.
    await asyncio.sleep(0.3)
    for account, cadre, group in ((b, LI_MING, 40001), (c, CHEN_GANG, 40002)):
        await account.send_private_message(
            cadre, [reply(notices[cadre].message_id), text(f"{group} 的答复：三楼。")]
        )
    for group in (40001, 40002):
        account, youth, question_id = asked[group]
        delivered = await _wait(
            account,
            f"answer in group {group}",
            lambda s, group=group: s.group_id == group and f"{group} 的答复" in s.text,
            bot_process,
        )
        # Through the account that received the question, quoting it.
        assert delivered.reply_to == question_id
        assert delivered.at_targets == [str(youth)]
    confirmations = [
        await _wait(
            account,
            f"confirmation to {cadre}",
            lambda s, cadre=cadre: s.user_id == cadre and "已回复" in s.text,
            bot_process,
        )
        for account, cadre in ((b, LI_MING), (c, CHEN_GANG))
    ]
    assert f"#{cases[LI_MING]}" in confirmations[0].text
    assert f"#{cases[CHEN_GANG]}" in confirmations[1].text

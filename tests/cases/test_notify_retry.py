"""A case notification that could not go out (no QQ account connected at that moment) is queued
in the outbox and sent when an account connects; until a cadre is reached the case shows
未通知到 in /待办. Through the real `OneBotChannel` and outbox, with an adapter bot whose API
calls are answered here.

The test grid: group 40001 belongs to 测试街道团工委, whose on-duty cadres are 街道甲 (10001) and
街道乙 (10002).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from nonebot.adapters.onebot.v11 import Bot
from nonebug import App
from sqlalchemy import select

from bot.cases import texts
from bot.cases.commands import CaseCommands
from bot.cases.models import Case, CaseEventKind
from bot.chat.speaker import Speaker
from bot.delivery.models import OutboxMessage, OutboxStatus
from bot.qa.model import Incoming
from bot.runtime import Runtime
from tests.delivery.test_outbox import fake_sleep
from tests.utils import Clock

ACCOUNT = "3001"
STREET_A, STREET_B = "10001", "10002"
CRISIS = "我不想活了"


class Calls:
    """Every send of the connected account: (api, params); message ids count from 700."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(700)

    async def call_api(self, api: str, **params: Any) -> Any:
        if api == "get_group_list":
            return [{"group_id": 40001}]
        if api == "get_friend_list":
            return [{"user_id": int(STREET_A)}, {"user_id": int(STREET_B)}]
        self.sent.append((api, params))
        return {"message_id": next(self._ids)}

    def private_to(self, user: str) -> list[str]:
        return [
            params["message"].extract_plain_text()
            for api, params in self.sent
            if api == "send_private_msg" and str(params["user_id"]) == user
        ]


@contextmanager
def paced_by(runtime: Runtime, clock: Clock) -> Iterator[None]:
    runtime.outbox.clock = clock
    runtime.outbox.sleep = fake_sleep(clock)
    yield


async def crisis_in_the_group(runtime: Runtime, user: str = "30001") -> None:
    reply = await runtime.qa.handle(
        Incoming(
            platform="qq", message_id="m1", user_id=user, group_id="40001", text=CRISIS, to_me=True
        )
    )
    assert reply is not None
    await runtime.qa.sent("qq", "r1", reply)


def cadre(runtime: Runtime, qq: str) -> Speaker:
    return Speaker("qq", qq, runtime.grid.grid.person_by_account("qq", qq))


async def todo(runtime: Runtime, qq: str) -> str:
    return await CaseCommands(runtime.cases).run(cadre(runtime, qq), "待办", "")


async def test_a_notification_that_failed_is_sent_when_an_account_connects(
    app: App, runtime: Runtime, clock: Clock
) -> None:
    with paced_by(runtime, clock):
        await crisis_in_the_group(runtime)  # no QQ account is connected: nobody can be told
        async with runtime.db.session() as session:
            case = await session.get(Case, 1)
            queued = (await session.scalars(select(OutboxMessage))).all()
        assert case is not None and case.assignee_id is not None
        assert sorted(row.chat_id for row in queued) == [STREET_A, STREET_B]
        assert all(row.status == OutboxStatus.PENDING.value for row in queued)
        assert await runtime.cases.unnotified([case]) == {1}
        assignee = runtime.grid.grid.people[case.assignee_id]
        qq = runtime.cases.accounts(assignee)["qq"]
        assert f"#1 {CRISIS}（{texts.UNNOTIFIED}，" in await todo(runtime, qq)

        calls = Calls()
        async with app.test_api() as ctx:
            bot = ctx.create_bot(base=Bot, self_id=ACCOUNT)
            object.__setattr__(bot, "call_api", calls.call_api)
            runtime.outbox.connected("qq", ACCOUNT)  # as the delivery plugin does on connect
            await runtime.outbox._list_chats()
            assert await runtime.outbox.send_due() == 2

        for person in (STREET_A, STREET_B):
            (text,) = calls.private_to(person)
            assert "【紧急·危险】【新问题 #1】" in text and f"问题：{CRISIS}" in text
        assert await runtime.cases.unnotified([case]) == set()
        assert texts.UNNOTIFIED not in await todo(runtime, qq)
        assert "处理中" in await todo(runtime, qq)
        notified = [
            e.detail
            for e in await runtime.cases.events(1)
            if e.kind == CaseEventKind.NOTIFIED.value
        ]
        assert [d["via"] for d in notified] == ["failed", "failed", "private", "private"]
        # A quote of the retried notification answers the case, as a first one's would.
        assert await runtime.cases.case_for_message("qq", "700", ACCOUNT) == 1


async def test_an_answer_drops_the_notifications_still_waiting(
    runtime: Runtime, clock: Clock
) -> None:
    with paced_by(runtime, clock):
        await crisis_in_the_group(runtime)
        await runtime.cases.answer(1, cadre(runtime, STREET_A), "我是王老师，马上联系你。")
        async with runtime.db.session() as session:
            left = (await session.scalars(select(OutboxMessage.key))).all()
        assert left == [], "nobody is told of a case already answered"


async def test_a_claim_counts_as_reached(runtime: Runtime) -> None:
    await crisis_in_the_group(runtime)
    await runtime.cases.claim(1, cadre(runtime, STREET_A))
    async with runtime.db.session() as session:
        case = await session.get(Case, 1)
    assert case is not None and await runtime.cases.unnotified([case]) == set()

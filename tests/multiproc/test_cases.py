"""Cases with two bot processes on one PostgreSQL: each case is given to one person, once."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.cases.commands import CaseCommands
from bot.cases.models import CaseEvent, CaseEventKind
from bot.cases.service import ROUTING_GRACE
from bot.chat.speaker import Speaker
from bot.qa.model import Incoming
from bot.runtime import Runtime
from bot.storage.inbound import InboundKey, claim
from tests.utils import Clock

QUESTIONS = ("学校团课什么时候开始报名", "团支部会议室的钥匙找谁要", "周末社区篮球赛在哪里报名")
"""Questions the test FAQ can't answer."""


async def _open_unrouted(rt: Runtime, n: int) -> None:
    # The process stopped after the youth's reply, before giving the case to anyone: the
    # timers of both processes find it.
    rt.qa.settings = rt.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    for i, question in enumerate(QUESTIONS[:n]):
        msg = Incoming("qq", f"m{i}", f"3020{i}", question, group_id="40001", account="2000")
        reply = await rt.qa.handle(msg)
        assert reply is not None and "问题编号" in reply.text


async def test_two_processes_route_a_left_over_case_once(
    processes: tuple[Runtime, Runtime, list[tuple[str, str]]], clock: Clock
) -> None:
    first, second, sent = processes
    await _open_unrouted(first, len(QUESTIONS))
    clock.advance(seconds=ROUTING_GRACE.total_seconds() + 1)

    for _ in range(3):
        await asyncio.gather(first.cases.tick(), second.cases.tick())

    async with first.db.session() as session:
        assigned = await session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.kind == CaseEventKind.ASSIGNED.value)
        )
    assert assigned == len(QUESTIONS)
    notices = [text for _, text in sent if "【新问题" in text]
    assert len(notices) == len(QUESTIONS), sent


async def test_an_answer_command_delivered_to_two_processes_answers_once(
    processes: tuple[Runtime, Runtime, list[tuple[str, str]]],
) -> None:
    first, second, sent = processes
    await _open_unrouted(first, 1)
    await first.cases.tick()  # not yet due: nothing happens
    case = (await first.cases.todo(_street_a(first)))[0]
    answer = "团课报名在团支部书记处登记。"

    async def as_the_plugin_does(rt: Runtime) -> str | None:
        # What the QQ surface does with each event: claim it, then act.
        key = InboundKey.of("qq", "cmd-1", user_id="10001", account="2000")
        if not await claim(rt.db, key):
            return None
        return await CaseCommands(rt.cases).run(_street_a(rt), "答", f"{case.id} {answer}")

    replies = await asyncio.gather(as_the_plugin_does(first), as_the_plugin_does(second))
    assert sorted(replies, key=lambda r: r is None) == ["已回复 #1，答案已送达 1 人。", None]
    to_youth = [text for to, text in sent if to == "g40001" and answer in text]
    assert len(to_youth) == 1
    kinds = [e.kind for e in await first.cases.events(case.id)]
    assert kinds.count(CaseEventKind.ANSWERED.value) == 1


def _street_a(rt: Runtime) -> Speaker:
    return Speaker("qq", "10001", rt.grid.grid.person_by_account("qq", "10001"))

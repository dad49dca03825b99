"""/发布活动 as a stored dialogue: any process takes the next answer, a restart loses nothing,
one answer runs one step even when two processes got it, and a dialogue left alone ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.activities import texts
from bot.activities.publish import KIND, PublishFlow
from bot.activities.service import ActivityService
from bot.chat.dialogue import ChatKey, Dialogues
from bot.runtime import Runtime
from bot.storage.database import Database
from tests.activities.helpers import ADMIN, YOUTH, RecordingChannel, make_outbox
from tests.delivery.test_outbox_accounts import twin
from tests.utils import Clock

KEY = ChatKey("qq", "", ADMIN.account)
TO_DRAFT = (
    ("冬季志愿服务", texts.ASK_TIME),
    ("下个月", texts.BAD_TIME),
    ("11月10日 下午2点", texts.ASK_PLACE),
    ("街道活动中心", texts.ASK_DETAILS),
    ("无", texts.ASK_QUOTA),
    ("1", texts.ASK_DEADLINE),
)
"""Answers up to the targets step, and the reply each gets."""


@pytest_asyncio.fixture
async def other_db(runtime: Runtime) -> AsyncIterator[Database]:
    """A second engine on the same database, as a second process opens it."""
    other = await twin(runtime.db)
    yield other
    await other.dispose()


def process(
    db: Database, runtime: Runtime, clock: Clock, channel: RecordingChannel
) -> tuple[Dialogues, ActivityService]:
    """The dialogue layer and activity service of one bot process on `db`."""
    service = ActivityService(db, runtime.grid, runtime.settings, clock=clock)
    service.outbox = make_outbox(db, runtime.settings, clock, channel)
    flow = PublishFlow(service)
    return Dialogues(db, {KIND: flow}, clock=clock), service


async def _to_targets(steps: list[Dialogues]) -> None:
    """Walk to the targets question, each answer through the next process in `steps`."""
    assert await steps[0].start(KEY, KIND, ADMIN) == [texts.ASK_TITLE]
    for n, (answer, reply) in enumerate(TO_DRAFT):
        assert await steps[(n + 1) % len(steps)].answer(KEY, ADMIN, answer) == [reply]
    targets = await steps[0].answer(KEY, ADMIN, "无")
    assert targets is not None and targets[0].startswith("发送对象？")


async def test_answers_reach_any_process_and_one_answer_runs_once(
    runtime: Runtime, other_db: Database, clock: Clock, channel: RecordingChannel
) -> None:
    first, service = process(runtime.db, runtime, clock, channel)
    second, _ = process(other_db, runtime, clock, channel)
    await _to_targets([first, second])
    assert await second.answer(KEY, ADMIN, "测试区团委 qq:40003") == [texts.ASK_FIELDS]
    preview = await first.answer(KEY, ADMIN, "姓名")
    assert (
        preview is not None
        and preview[0].startswith("【预览】")
        and preview[1] == texts.ASK_CONFIRM
    )

    # The same 确认 reached both processes: one publishes, the other stays silent.
    results = await asyncio.gather(
        first.answer(KEY, ADMIN, "确认"), second.answer(KEY, ADMIN, "确认")
    )
    done = [r for r in results if r is not None]
    assert len(done) == 1 and done[0][0].startswith("活动 #1 已开始发送到 3 个群"), results
    rows = await service.outbox.progress("activity:1:")
    assert len(rows) == 3, "queued once"
    assert not await first.active(KEY) and not await second.active(KEY)


async def test_a_restart_mid_dialogue_goes_on_and_quitting_drops_the_draft(
    runtime: Runtime, clock: Clock, channel: RecordingChannel
) -> None:
    before, service = process(runtime.db, runtime, clock, channel)
    await _to_targets([before])
    assert await before.answer(KEY, ADMIN, "测试区团委") == [texts.ASK_FIELDS]

    after, _ = process(runtime.db, runtime, clock, channel)  # the process was restarted
    assert await after.active(KEY)
    preview = await after.answer(KEY, ADMIN, "无")
    assert preview is not None and preview[1] == texts.ASK_CONFIRM
    assert await after.answer(KEY, ADMIN, "过两天再说") == [texts.BAD_CONFIRM]
    assert await after.answer(KEY, ADMIN, "退出") == [texts.DIALOGUE_QUIT]

    activity = await service.get(1)
    assert activity.status == "cancelled", "the previewed draft is not left behind"
    assert await after.answer(KEY, ADMIN, "确认") is None, "the dialogue is over"


async def test_a_dialogue_left_alone_ends_and_youths_get_none(
    runtime: Runtime, clock: Clock, channel: RecordingChannel
) -> None:
    dialogues, _ = process(runtime.db, runtime, clock, channel)
    assert await dialogues.start(KEY, KIND, ADMIN) == [texts.ASK_TITLE]
    clock.advance(minutes=31)
    assert not await dialogues.active(KEY)
    assert await dialogues.answer(KEY, ADMIN, "冬季志愿服务") is None

    youth = ChatKey("qq", "", YOUTH.account)
    assert await dialogues.start(youth, KIND, YOUTH) == [texts.NOT_CADRE]
    assert not await dialogues.active(youth)

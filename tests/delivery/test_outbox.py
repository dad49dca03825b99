"""The outbox: pacing, cap, retries, circuit breaker, exactly-once across crashes and workers."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.delivery.channel import SendError
from bot.delivery.models import OutboxMessage
from bot.delivery.onebot import OneBotChannel
from bot.delivery.outbox import Outbox, OutboxItem, OutboxStatus
from bot.settings import Settings
from bot.storage.database import Database
from tests.utils import Clock


class Crash(BaseException):
    """The process dies (not an error the outbox could handle)."""


class RecordingChannel:
    """A QQ channel that records every delivered message with the (fake) time it went out."""

    platform = "qq"
    can_push = True

    def __init__(self, clock: Clock, delay: float = 0) -> None:
        self.clock = clock
        self.delay = delay
        self.sent: list[tuple[datetime, str, str, str]] = []
        self.calls = 0
        self.fail: dict[str, list[BaseException]] = {}
        """Errors raised, in turn, by the next sends to a chat."""
        self.down: BaseException | None = None
        """Raised by every send while set."""
        self.watch_for: int | None = None
        self.reached = asyncio.Event()
        """Set when the `watch_for`-th message went out (the sender has not recorded it yet)."""

    async def _deliver(self, chat_type: str, chat_id: str, text: str) -> str:
        self.calls += 1
        await asyncio.sleep(self.delay)
        if self.down is not None:
            raise self.down
        if self.fail.get(chat_id):
            raise self.fail[chat_id].pop(0)
        self.sent.append((self.clock(), chat_type, chat_id, text))
        if len(self.sent) == self.watch_for:
            self.reached.set()
        return f"m{len(self.sent)}"

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str:
        return await self._deliver("group", group_id, text)

    async def send_private(self, user_id: str, text: str, *, account: str | None = None) -> str:
        return await self._deliver("private", user_id, text)

    @property
    def chats(self) -> list[str]:
        return [chat_id for _, _, chat_id, _ in self.sent]


def fake_sleep(clock: Clock):
    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return sleep


def make_outbox(
    database: Database, clock: Clock, channel: RecordingChannel, **settings: Any
) -> Outbox:
    return Outbox(
        database,
        {"qq": channel},
        Settings(**settings),
        clock=clock,
        sleep=fake_sleep(clock),
        rng=random.Random(7),
    )


async def announce(outbox: Outbox, groups: int, activity: int = 1) -> list[str]:
    chats = [str(40001 + i) for i in range(groups)]
    for chat in chats:
        assert await outbox.enqueue(f"activity:{activity}:qq:{chat}", "qq", chat, "团日活动")
    return chats


async def statuses(outbox: Outbox, prefix: str = "activity:") -> dict[str, OutboxStatus]:
    return {row.chat_id: row.status for row in await outbox.progress(prefix)}


async def test_spacing_between_sends(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(database, clock, channel)
    start = clock()
    chats = await announce(outbox, 5)

    assert await outbox.send_due() == 5

    assert channel.chats == chats
    times = [at for at, *_ in channel.sent]
    assert times[0] == start
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(2.5 <= gap <= 3.5 for gap in gaps), gaps
    assert len(set(gaps)) > 1, "jitter varies the spacing"
    assert set((await statuses(outbox)).values()) == {OutboxStatus.SENT}


async def test_hourly_cap_waits_for_the_window(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(
        database,
        clock,
        channel,
        outbox_hourly_cap=3,
        outbox_spacing_seconds=0,
        outbox_jitter_seconds=0,
    )
    start = clock()
    await announce(outbox, 5)

    assert await outbox.send_due() == 5

    times = [at - start for at, *_ in channel.sent]
    assert times[:3] == [timedelta(0)] * 3
    assert times[3:] == [timedelta(hours=1)] * 2


async def test_hourly_cap_counts_sends_before_a_restart(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    settings = {"outbox_hourly_cap": 2, "outbox_spacing_seconds": 0, "outbox_jitter_seconds": 0}
    start = clock()
    await announce(make_outbox(database, clock, channel, **settings), 3)
    assert await make_outbox(database, clock, channel, **settings).send_due(limit=2) == 2

    assert await make_outbox(database, clock, channel, **settings).send_due() == 1

    assert channel.sent[-1][0] - start == timedelta(hours=1)


async def test_duplicate_enqueue_sends_once(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(database, clock, channel)

    assert await outbox.enqueue("activity:1:qq:40001", "qq", "40001", "团日活动")
    assert not await outbox.enqueue("activity:1:qq:40001", "qq", "40001", "团日活动（重复）")
    assert await outbox.send_due() == 1
    assert not await outbox.enqueue("activity:1:qq:40001", "qq", "40001", "团日活动")
    assert await outbox.send_due() == 0

    assert channel.chats == ["40001"]
    assert channel.sent[0][3] == "团日活动"


async def test_enqueue_many_queues_only_what_is_new(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(
        database, clock, channel, outbox_spacing_seconds=0, outbox_jitter_seconds=0
    )
    await outbox.enqueue("activity:1:qq:40001", "qq", "40001", "团日活动")
    items = [
        OutboxItem(f"activity:1:qq:{chat}", "qq", str(chat), "团日活动")
        for chat in range(40001, 40251)
    ]

    assert await outbox.enqueue_many(items) == 249
    assert await outbox.enqueue_many(items) == 0
    rows = await outbox.progress("activity:1:")
    assert len(rows) == 250
    assert {row.status for row in rows} == {OutboxStatus.PENDING}
    assert await outbox.send_due(limit=3) == 3
    assert channel.chats == ["40001", "40002", "40003"]
    with pytest.raises(ValueError, match="chat_type"):
        await outbox.enqueue_many([OutboxItem("x", "qq", "1", "t", chat_type="channel")])


async def test_not_before_holds_a_scheduled_message(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(database, clock, channel)
    await outbox.enqueue(
        "activity:1:qq:40001", "qq", "40001", "明早提醒", not_before=clock() + timedelta(hours=8)
    )

    assert await outbox.send_due() == 0
    clock.advance(hours=8)
    assert await outbox.send_due() == 1


async def test_retry_with_backoff_then_success(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    channel.fail["40001"] = [SendError("send_group_msg failed: 发送失败"), SendError("again")]
    outbox = make_outbox(database, clock, channel)
    await announce(outbox, 1)

    assert await outbox.send_due() == 0
    [row] = await outbox.progress("activity:1:")
    assert (row.status, row.attempts, row.last_error) == (
        OutboxStatus.PENDING,
        1,
        "send_group_msg failed: 发送失败",
    )
    clock.advance(seconds=29)
    assert await outbox.send_due() == 0
    assert channel.calls == 1, "not retried before the 30 s backoff"
    clock.advance(seconds=1)
    assert await outbox.send_due() == 0
    clock.advance(seconds=59)
    assert await outbox.send_due() == 0
    assert channel.calls == 2, "the second backoff is 60 s"
    clock.advance(seconds=1)
    assert await outbox.send_due() == 1

    [row] = await outbox.progress("activity:1:")
    assert (row.status, row.attempts, row.last_error, row.sent_at) == (
        OutboxStatus.SENT,
        3,
        None,
        clock(),
    )
    assert row.message_id == "m1"


async def test_permanent_failure_recorded_and_others_still_sent(
    database: Database, clock: Clock
) -> None:
    channel = RecordingChannel(clock)
    channel.fail["40002"] = [SendError("send_group_msg failed: 机器人不在该群")] * 10
    outbox = make_outbox(database, clock, channel)
    await announce(outbox, 3)

    for backoff in (30, 60, 120, 240):
        await outbox.send_due()
        clock.advance(seconds=backoff)
    assert await outbox.send_due() == 0

    rows = {row.chat_id: row for row in await outbox.progress("activity:1:")}
    assert rows["40002"].status == OutboxStatus.FAILED
    assert rows["40002"].attempts == 4
    assert rows["40002"].last_error == "send_group_msg failed: 机器人不在该群"
    assert channel.calls == 2 + 4
    assert sorted(channel.chats) == ["40001", "40003"]


async def test_circuit_opens_on_risk_control_and_resumes(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    channel.down = SendError("send_group_msg failed: timeout", retcode=1200)
    outbox = make_outbox(database, clock, channel)
    told: list[tuple[str, str]] = []

    async def tell_admins(account: str, reason: str) -> None:
        told.append((account, reason))

    outbox.on_circuit_open.append(tell_admins)
    chats = await announce(outbox, 5)
    opened = clock()

    assert await outbox.send_due() == 0
    assert channel.calls == 3
    assert len(told) == 1
    assert told[0][0] == "default"
    assert "连续 3 次" in told[0][1]
    assert "30 分钟" in told[0][1]
    assert await outbox.paused_until("default") is not None

    channel.down = None
    clock.advance(minutes=29)
    assert await outbox.send_due() == 0
    assert channel.calls == 3, "nothing is sent while the circuit is open"

    clock.advance(minutes=2)
    assert await outbox.paused_until("default") is None
    assert await outbox.send_due() == 5
    assert sorted(channel.chats) == chats
    assert all(at >= opened + timedelta(minutes=30) for at, *_ in channel.sent)


async def test_network_errors_and_slow_sends_open_the_circuit(
    database: Database, clock: Clock
) -> None:
    channel = RecordingChannel(clock, delay=0.2)
    channel.fail["40001"] = [SendError("network", timeout=True)]
    outbox = make_outbox(database, clock, channel, outbox_send_timeout_seconds=0.05)
    told: list[str] = []

    async def tell(account: str, reason: str) -> None:
        told.append(account)

    outbox.on_circuit_open.append(tell)
    await announce(outbox, 3)

    assert await outbox.send_due() == 0
    assert told == ["default"]
    rows = await outbox.progress("activity:")
    assert [row.last_error for row in rows][1:] == ["no answer within 0.05 s"] * 2


async def test_other_failures_do_not_open_the_circuit(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    channel.down = SendError("send_group_msg failed: 机器人不在该群")
    outbox = make_outbox(database, clock, channel)
    outbox.on_circuit_open.append(pytest.fail)  # type: ignore[arg-type]
    await announce(outbox, 5)

    assert await outbox.send_due() == 0
    assert channel.calls == 5
    assert await outbox.paused_until("default") is None


async def test_a_failing_callback_does_not_stop_the_circuit(
    database: Database, clock: Clock
) -> None:
    channel = RecordingChannel(clock)
    channel.down = SendError("timeout", retcode=1200)
    outbox = make_outbox(database, clock, channel, outbox_circuit_failures=1)

    async def broken(account: str, reason: str) -> None:
        raise RuntimeError("admins unreachable")

    outbox.on_circuit_open.append(broken)
    await announce(outbox, 2)

    assert await outbox.send_due() == 0
    assert await outbox.paused_until("default") is not None


async def test_stopped_mid_broadcast_then_restarted(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    first = make_outbox(database, clock, channel)
    chats = await announce(first, 6)

    channel.watch_for = 2
    task = asyncio.create_task(first.send_due())
    await channel.reached.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await first.stop()
    assert 2 <= len(channel.sent) < 6

    second = make_outbox(database, clock, channel)
    await announce_again(second, chats)
    await second.send_due()

    assert sorted(channel.chats) == chats
    assert Counter(channel.chats).most_common(1)[0][1] == 1


async def announce_again(outbox: Outbox, chats: list[str]) -> None:
    """What a restarted broadcaster does: enqueue everything again (only the missing is queued)."""
    for chat in chats:
        assert not await outbox.enqueue(f"activity:1:qq:{chat}", "qq", chat, "团日活动")


async def test_crash_during_a_send_is_resent_after_the_lease(
    database: Database, clock: Clock
) -> None:
    channel = RecordingChannel(clock)
    channel.fail["40003"] = [Crash()]
    first = make_outbox(database, clock, channel)
    chats = await announce(first, 5)

    with pytest.raises(Crash):
        await first.send_due()
    assert channel.chats == chats[:2]
    assert (await statuses(first))["40003"] == OutboxStatus.SENDING

    second = make_outbox(database, clock, channel)
    assert await second.send_due() == 2
    assert (await statuses(second))["40003"] == OutboxStatus.SENDING, (
        "still leased to the dead worker"
    )
    clock.advance(seconds=301)
    assert await second.send_due() == 1

    assert sorted(channel.chats) == chats
    assert len(channel.chats) == len(set(channel.chats))


async def test_two_workers_never_send_a_row_twice(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock, delay=0.001)
    settings = {"outbox_spacing_seconds": 0, "outbox_jitter_seconds": 0}
    workers = [make_outbox(database, clock, channel, **settings) for _ in range(2)]
    chats = await announce(workers[0], 40)

    counts = await asyncio.gather(workers[0].send_due("a"), workers[1].send_due("b"))

    assert sum(counts) == 40
    assert sorted(channel.chats) == chats
    if database.dialect == "postgresql":
        assert min(counts) > 0, "SKIP LOCKED lets both workers take rows"
    async with database.session() as session:
        claimers = set(await session.scalars(select(OutboxMessage.claimed_by)))
    assert {claimer.split(":")[0] for claimer in claimers} <= {"a", "b"}


async def test_private_messages_and_accounts(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(database, clock, channel)
    await outbox.enqueue("reminder:1:qq:30001", "qq", "30001", "明天见", chat_type="private")
    await outbox.enqueue(
        "reminder:1:qq:30002", "qq", "30002", "明天见", chat_type="private", account="b"
    )

    assert await outbox.send_due() == 2

    assert sorted((chat_type, chat) for _, chat_type, chat, _ in channel.sent) == [
        ("private", "30001"),
        ("private", "30002"),
    ]
    assert [at for at, *_ in channel.sent] == [clock(), clock()], (
        "accounts do not wait on each other"
    )
    with pytest.raises(ValueError, match="chat_type"):
        await outbox.enqueue("x", "qq", "1", "t", chat_type="channel")


async def test_progress_is_by_key_prefix(database: Database, clock: Clock) -> None:
    outbox = make_outbox(database, clock, RecordingChannel(clock))
    await outbox.enqueue("activity:1:qq:40001", "qq", "40001", "a")
    await outbox.enqueue("activity:10:qq:40001", "qq", "40001", "b")
    await outbox.enqueue("activity_1:qq:40001", "qq", "40001", "c")

    assert [row.key for row in await outbox.progress("activity:1:")] == ["activity:1:qq:40001"]
    assert len(await outbox.progress("activity:")) == 2


async def test_unknown_platform_fails_the_row(database: Database, clock: Clock) -> None:
    outbox = make_outbox(database, clock, RecordingChannel(clock), outbox_max_attempts=1)
    await outbox.enqueue("activity:1:wechat:1", "wechat", "1", "a")

    assert await outbox.send_due() == 0
    [row] = await outbox.progress("activity:1:")
    assert (row.status, row.last_error) == (OutboxStatus.FAILED, "no channel for platform wechat")


async def test_background_loop_sends_and_survives_errors(database: Database, clock: Clock) -> None:
    channel = RecordingChannel(clock)
    outbox = make_outbox(database, clock, channel, outbox_tick_seconds=0.01)
    real_send_due = outbox.send_due
    calls = 0

    async def flaky_send_due(worker: str = "main", limit: int | None = None) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return await real_send_due(worker, limit)

    outbox.send_due = flaky_send_due  # type: ignore[method-assign]
    outbox.start()
    try:
        await announce(outbox, 2)
        for _ in range(500):
            if len(channel.sent) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await outbox.stop()

    assert sorted(channel.chats) == ["40001", "40002"]
    assert calls > 1


async def test_onebot_channel_reports_the_retcode(monkeypatch: pytest.MonkeyPatch) -> None:
    from nonebot.adapters.onebot.v11 import ActionFailed, NetworkError

    class FakeBot:
        def __init__(self, exc: Exception) -> None:
            self.exc = exc

        async def call_api(self, api: str, **params: object) -> dict[str, int]:
            raise self.exc

    channel = OneBotChannel()
    monkeypatch.setattr(channel, "_bot", lambda account=None: FakeBot(ActionFailed(retcode=1200)))
    with pytest.raises(SendError) as failed:
        await channel.send_group("40001", "hi")
    assert (failed.value.retcode, failed.value.timeout) == (1200, False)

    monkeypatch.setattr(channel, "_bot", lambda account=None: FakeBot(NetworkError("timeout")))
    with pytest.raises(SendError) as failed:
        await channel.send_group("40001", "hi")
    assert (failed.value.retcode, failed.value.timeout) == (None, True)

    monkeypatch.undo()
    monkeypatch.setattr("nonebot.get_bots", dict)
    with pytest.raises(SendError, match="no QQ account") as failed:
        await channel.send_private("30001", "hi")
    assert failed.value.offline and not failed.value.timeout, (
        "no account is not risk control: the queue waits, the chat does not fail"
    )

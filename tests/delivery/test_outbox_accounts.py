"""The outbox across processes and accounts: shared pacing, waiting for an account, routing to
the account in the chat, and sends cut off by a crash."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.delivery.channel import AccountChannel, AccountChats, SendError
from bot.delivery.models import OutboxMessage
from bot.delivery.onebot import OneBotChannel
from bot.delivery.outbox import Outbox, OutboxStatus
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.scratch import scratch_database
from tests.conftest import PG_URL
from tests.delivery.test_outbox import RecordingChannel, announce, fake_sleep, make_outbox
from tests.utils import Clock


async def twin(db: Database) -> Database:
    """A second engine on the same database (and schema), as a second process would open."""
    if db.dialect != "postgresql":
        return Database(db.url)
    async with db.engine.connect() as conn:
        schema = await conn.scalar(text("SELECT current_schema()"))
    return Database(PG_URL, connect_args={"server_settings": {"search_path": schema}})


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    """Two engines on one fresh PostgreSQL schema: two processes sharing the database."""
    async with scratch_database(PG_URL, tmp_path) as database:
        other = await twin(database)
        try:
            yield database, other
        finally:
            await other.dispose()


def two_outboxes(
    dbs: tuple[Database, Database], clock: Clock, channel: Any, **settings: Any
) -> list[Outbox]:
    return [
        Outbox(
            db,
            {"qq": channel},
            Settings(**settings),
            clock=clock,
            sleep=fake_sleep(clock),
            rng=random.Random(seed),
        )
        for seed, db in enumerate(dbs)
    ]


async def send_both(outboxes: list[Outbox], limit: int | None = None) -> list[int]:
    return list(await asyncio.gather(*(o.send_due(f"p{n}", limit) for n, o in enumerate(outboxes))))


# ---- pacing shared by processes -------------------------------------------------------------


async def test_two_processes_keep_one_accounts_spacing(
    two_processes: tuple[Database, Database], clock: Clock
) -> None:
    channel = RecordingChannel(clock, delay=0.001)
    outboxes = two_outboxes(two_processes, clock, channel)
    chats = await announce(outboxes[0], 12)

    counts = await send_both(outboxes)

    assert sum(counts) == 12 and min(counts) > 0, counts
    assert sorted(channel.chats) == chats
    # When each send started, as recorded by the claim (the fake clock jumps while the other
    # process sleeps, so the channel's own timestamps would mix in that process's sleeps).
    async with two_processes[1].session() as session:
        times = sorted(await session.scalars(select(OutboxMessage.attempted_at)))
    assert len(times) == 12
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert min(gaps) >= Settings().outbox_spacing_seconds, gaps


async def test_two_processes_share_the_hourly_cap(
    two_processes: tuple[Database, Database], clock: Clock
) -> None:
    channel = RecordingChannel(clock)
    settings = {"outbox_hourly_cap": 4, "outbox_spacing_seconds": 0, "outbox_jitter_seconds": 0}
    outboxes = two_outboxes(two_processes, clock, channel, **settings)
    start = clock()
    await announce(outboxes[0], 6)

    # Each process gets 4 tries at most; together they may send 4 in the first hour.
    await send_both(outboxes, limit=4)

    in_first_hour = [at for at, *_ in channel.sent if at < start + timedelta(hours=1)]
    assert len(in_first_hour) == 4, channel.sent


async def test_a_circuit_opened_by_one_process_pauses_the_other(
    two_processes: tuple[Database, Database], clock: Clock
) -> None:
    channel = RecordingChannel(clock)
    channel.down = SendError("send_group_msg failed: timeout", retcode=1200)
    outboxes = two_outboxes(two_processes, clock, channel)
    told: list[str] = []

    async def tell(account: str, reason: str) -> None:
        told.append(account)

    for outbox in outboxes:
        outbox.on_circuit_open.append(tell)
    await announce(outboxes[0], 8)

    await send_both(outboxes)

    # Three failures in a row, whichever process had them; the other process may have had one
    # send on its way when the third failure came back (each process still sends one at a time).
    assert 3 <= channel.calls <= 4, channel.calls
    assert told == ["default"], "admins are told once"
    for outbox in outboxes:
        assert await outbox.paused_until("default") is not None
    channel.down = None
    clock.advance(minutes=29)
    assert await send_both(outboxes) == [0, 0]
    clock.advance(minutes=2)
    assert sum(await send_both(outboxes)) == 8


# ---- an account channel double: accounts that connect, their chats, their history -------------


class AccountsChannel(RecordingChannel):
    """A QQ channel with accounts that connect, each in some chats, each with a history."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.connected: list[str] = []
        self.members: dict[str, list[tuple[str, str]] | None] = {}
        self.by: list[tuple[str, str]] = []
        """(account, chat_id) of every message sent."""
        self.history: dict[tuple[str, str], list[tuple[datetime, str, str]]] = {}
        """(account, chat_id) -> (time, text, message id) the account posted there."""
        self.history_fails: SendError | None = None
        self.history_reads = 0
        self.listed = AccountChats()

    def accounts(self) -> list[str]:
        return list(self.connected)

    def route(self, chat_type: str, chat_id: str, prefer: str | None = None) -> str | None:
        return self.listed.pick(self.connected, chat_type, chat_id, prefer)

    async def chats_of(self, account: str) -> list[tuple[str, str]] | None:
        chats = self.members.get(account)
        self.listed.listed(account, chats)
        return chats

    async def send_via(self, account: str, chat_type: str, chat_id: str, text: str) -> str | None:
        if account not in self.connected:
            raise SendError(f"QQ account {account} is not connected", offline=True)
        message_id = await self._deliver(chat_type, chat_id, text)
        self.by.append((account, chat_id))
        self.history.setdefault((account, chat_id), []).append((self.clock(), text, message_id))
        return message_id

    async def find_sent(
        self, account: str, chat_type: str, chat_id: str, text: str, since: datetime
    ) -> str | None:
        self.history_reads += 1
        if self.history_fails is not None:
            raise self.history_fails
        for at, posted, message_id in self.history.get((account, chat_id), []):
            if at >= since and posted == text:
                return message_id
        return None


def test_the_double_is_an_account_channel(clock: Clock) -> None:
    assert isinstance(AccountsChannel(clock), AccountChannel)
    assert isinstance(OneBotChannel(), AccountChannel)
    assert not isinstance(RecordingChannel(clock), AccountChannel)


# ---- no account connected -------------------------------------------------------------------


async def test_rows_wait_for_an_account_without_spending_attempts(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    channel = AccountsChannel(clock)
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    outbox.on_circuit_open.append(pytest.fail)  # type: ignore[arg-type]
    chats = await announce(outbox, 5)

    with caplog.at_level(logging.INFO, logger="bot.delivery.outbox"):
        for _ in range(4):
            assert await outbox.send_due() == 0
            clock.advance(minutes=10)

    rows = await outbox.progress("activity:")
    assert {(row.status, row.attempts, row.last_error) for row in rows} == {
        (OutboxStatus.PENDING, 0, None)
    }
    assert await outbox.paused_until("default") is None
    waiting = [r for r in caplog.records if "no qq account is connected" in r.getMessage()]
    assert len(waiting) == 1 and waiting[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    channel.connected.append("9001")
    await outbox.account_connected("qq", "9001")
    assert await outbox.send_due() == 5
    assert sorted(channel.chats) == chats


async def test_no_account_through_the_onebot_channel_is_not_risk_control(
    database: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nonebot.get_bots", dict)
    outbox = Outbox(database, {"qq": OneBotChannel()}, Settings(), clock=clock)
    outbox.on_circuit_open.append(pytest.fail)  # type: ignore[arg-type]
    await announce(outbox, 4)

    for _ in range(3):
        assert await outbox.send_due() == 0
        clock.advance(minutes=5)

    rows = await outbox.progress("activity:")
    assert [(row.status, row.attempts) for row in rows] == [(OutboxStatus.PENDING, 0)] * 4


async def test_an_account_gone_between_claim_and_send_gives_the_row_back(
    database: Database, clock: Clock
) -> None:
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    outbox.on_circuit_open.append(pytest.fail)  # type: ignore[arg-type]
    await announce(outbox, 2)
    channel.accounts = lambda: ["9001"]  # type: ignore[method-assign]
    channel.connected.clear()  # it disconnects just after the outbox looked

    assert await outbox.send_due() == 0

    rows = await outbox.progress("activity:")
    assert [(row.status, row.attempts) for row in rows] == [(OutboxStatus.PENDING, 0)] * 2


# ---- routing to the account in the chat -------------------------------------------------------


async def test_each_group_is_sent_by_the_account_in_it(database: Database, clock: Clock) -> None:
    channel = AccountsChannel(clock)
    channel.connected += ["9001", "9002"]
    channel.members = {
        "9001": [("group", "40001"), ("group", "40003")],
        "9002": [("group", "40002"), ("group", "40004"), ("private", "30001")],
    }
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    for account in channel.connected:
        await outbox.account_connected("qq", account)
    await announce(outbox, 5)  # 40005 is in no account's list
    await outbox.enqueue("reminder:1:qq:30001", "qq", "30001", "明天见", chat_type="private")

    assert await outbox.send_due() == 5

    assert {chat: account for account, chat in channel.by} == {
        "40001": "9001",
        "40002": "9002",
        "40003": "9001",
        "40004": "9002",
        "30001": "9002",
    }
    async with database.session() as session:
        accounts = dict(
            (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.account))).all()
        )
    assert accounts["40002"] == "9002", "the row records the account that sent it"
    rows = {row.chat_id: row for row in await outbox.progress("activity:")}
    assert (rows["40005"].status, rows["40005"].attempts) == (OutboxStatus.PENDING, 0), (
        "a group no account is in waits (for an account that joins it or connects)"
    )

    channel.members["9001"].append(("group", "40005"))  # the account joined the group
    await outbox.account_connected("qq", "9001")
    assert await outbox.send_due() == 1
    assert channel.by[-1] == ("9001", "40005")


async def test_an_account_the_outbox_was_not_told_about_waits_for_its_listing(
    database: Database, clock: Clock
) -> None:
    # The account is connected before the chat layer's "connected" hook has reached the
    # outbox (the two race on a real restart): it must not send to another account's group.
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    channel.members = {"9001": [("group", "40001")]}
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    await announce(outbox, 2)

    assert await outbox.send_due() == 0
    assert channel.by == []

    await outbox.account_connected("qq", "9001")
    assert await outbox.send_due() == 1
    assert channel.by == [("9001", "40001")]
    rows = {row.chat_id: row for row in await outbox.progress("activity:")}
    assert (rows["40002"].status, rows["40002"].attempts) == (OutboxStatus.PENDING, 0)


async def test_an_account_whose_chats_cannot_be_listed_tries_any_chat(
    database: Database, clock: Clock
) -> None:
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    channel.members = {"9001": None}  # get_group_list unsupported
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    await outbox.account_connected("qq", "9001")
    await announce(outbox, 2)

    assert await outbox.send_due() == 2
    assert channel.by == [("9001", "40001"), ("9001", "40002")]


async def test_a_group_of_an_offline_account_waits_for_it(database: Database, clock: Clock) -> None:
    channel = AccountsChannel(clock)
    channel.connected += ["9001", "9002"]
    channel.members = {"9001": [("group", "40001")], "9002": [("group", "40002")]}
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    for account in channel.connected:
        await outbox.account_connected("qq", account)
    channel.connected.remove("9002")
    await announce(outbox, 2)

    assert await outbox.send_due() == 1
    assert channel.by == [("9001", "40001")]

    channel.connected.append("9002")
    await outbox.account_connected("qq", "9002")
    assert await outbox.send_due() == 1
    assert channel.by[-1] == ("9002", "40002")


async def test_accounts_are_paced_separately(database: Database, clock: Clock) -> None:
    channel = AccountsChannel(clock)
    channel.connected += ["9001", "9002"]
    channel.members = {
        "9001": [("group", str(40001 + n)) for n in range(0, 6, 2)],
        "9002": [("group", str(40001 + n)) for n in range(1, 6, 2)],
    }
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    for account in channel.connected:
        await outbox.account_connected("qq", account)
    await announce(outbox, 6)

    assert await outbox.send_due() == 6

    # Claim times (the fake clock jumps while the other account's lane sleeps, so delivery
    # times would mix in that lane's sleeps).
    async with database.session() as session:
        claims = (
            await session.execute(
                select(OutboxMessage.account, OutboxMessage.attempted_at).order_by(
                    OutboxMessage.attempted_at
                )
            )
        ).all()
    for account in ("9001", "9002"):
        times = [at for who, at in claims if who == account]
        assert len(times) == 3
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 2.5, (account, gaps)
    assert claims[0][1] == claims[1][1], "both accounts start at once"


# ---- a send cut off by a crash ----------------------------------------------------------------


async def leave_sending(database: Database, clock: Clock, channel: AccountsChannel) -> Outbox:
    """Two rows claimed by a worker that died mid-send (left SENDING, lease run out)."""
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    await outbox.account_connected("qq", "9001")
    await announce(outbox, 2)
    async with database.engine.begin() as conn:
        await conn.execute(
            update(OutboxMessage).values(
                status=OutboxStatus.SENDING.value,
                account="9001",
                attempts=1,
                claimed_by="dead:1",
                lease_until=clock() + timedelta(seconds=300),
                attempted_at=clock(),
            )
        )
    return outbox


async def test_a_cut_off_send_found_in_the_history_is_not_sent_again(
    database: Database, clock: Clock
) -> None:
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    channel.members = {"9001": [("group", "40001"), ("group", "40002")]}
    outbox = await leave_sending(database, clock, channel)
    # The dead worker's first send reached the group; the second never left.
    channel.history[("9001", "40001")] = [(clock(), "团日活动", "m-before-crash")]
    clock.advance(seconds=301)

    assert await outbox.send_due() == 2

    assert channel.chats == ["40002"]
    rows = {row.chat_id: row for row in await outbox.progress("activity:")}
    assert rows["40001"].status == OutboxStatus.SENT
    assert rows["40001"].message_id == "m-before-crash"
    assert rows["40002"].status == OutboxStatus.SENT
    assert channel.history_reads == 2


async def test_a_cut_off_send_the_history_cannot_tell_is_sent_again(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    outbox = await leave_sending(database, clock, channel)
    channel.history_fails = SendError("get_group_msg_history failed: unsupported", retcode=1404)
    clock.advance(seconds=301)

    with caplog.at_level(logging.WARNING, logger="bot.delivery.outbox"):
        assert await outbox.send_due() == 2

    assert sorted(channel.chats) == ["40001", "40002"]
    assert sum("may get it twice" in r.getMessage() for r in caplog.records) == 2


async def test_an_ordinary_retry_does_not_read_the_history(
    database: Database, clock: Clock
) -> None:
    channel = AccountsChannel(clock)
    channel.connected.append("9001")
    channel.fail["40001"] = [SendError("发送失败")]
    outbox = make_outbox(database, clock, channel)  # type: ignore[arg-type]
    await outbox.account_connected("qq", "9001")
    await announce(outbox, 1)

    await outbox.send_due()
    clock.advance(seconds=31)
    assert await outbox.send_due() == 1
    assert channel.history_reads == 0

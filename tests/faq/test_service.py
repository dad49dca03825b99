"""The live FAQ index: reloads, the keep-the-old-index policy, listeners and the file watcher."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.common import watch as watch_module
from bot.faq import service as service_module
from bot.faq.loader import LoadResult, load_faq_dir
from bot.faq.service import FaqService, ReloadReport
from tests.faq.conftest import WriteFaq

FEE = "- id: fee\n  question: 团费怎么交\n  answer: 在智慧团建交。\n"
HOURS = "- id: hours\n  question: 志愿服务时长怎么查询\n  answer: 登录志愿服务网查询。\n"
BROKEN_HOURS = "- id: hours\n  question: 志愿服务时长怎么查询\n  answer:\n"


class Reports:
    """A reload listener that keeps every report and lets a test wait for the next one."""

    def __init__(self) -> None:
        self.all: list[ReloadReport] = []
        self._queue: asyncio.Queue[ReloadReport] = asyncio.Queue()

    async def __call__(self, report: ReloadReport) -> None:
        self.all.append(report)
        self._queue.put_nowait(report)

    async def next(self, timeout: float = 10) -> ReloadReport:
        return await asyncio.wait_for(self._queue.get(), timeout)


async def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)


def top_id(faq: FaqService, query: str) -> str | None:
    matches = faq.search(query, k=1)
    return matches[0].entry.id if matches else None


@pytest.fixture
async def faq(faq_dir: Path, write_faq: WriteFaq) -> AsyncIterator[FaqService]:
    """A started service (no watcher) over a folder holding the团费 entry."""
    write_faq("faq/fee.yaml", FEE)
    service = FaqService(faq_dir, watch=False)
    await service.start()
    yield service
    await service.stop()


async def test_start_serves_the_folder(faq: FaqService) -> None:
    report = faq.last_report

    assert report is not None
    assert (report.ok, report.applied, report.entries, report.files) == (True, True, 1, 1)
    assert report.reason == "启动"
    assert len(faq.index) == 1
    assert top_id(faq, "团费怎么交？") == "fee"
    assert faq.get("fee") is not None
    assert faq.get("nope") is None


async def test_search_before_start_is_empty(faq_dir: Path) -> None:
    service = FaqService(faq_dir, watch=False)

    assert service.search("团费") == []
    assert service.get("fee") is None
    with pytest.raises(RuntimeError):
        _ = service.index


async def test_reload_makes_a_new_entry_searchable(faq: FaqService, write_faq: WriteFaq) -> None:
    reports = Reports()
    faq.add_listener(reports)
    write_faq("faq/hours.yaml", HOURS)

    report = await faq.reload("测试")

    assert (report.ok, report.applied, report.entries, report.reason) == (True, True, 2, "测试")
    assert reports.all == [report]
    assert top_id(faq, "志愿服务时长怎么查询") == "hours"
    assert faq.get("hours") is not None


async def test_broken_file_keeps_the_old_index_and_is_reported(
    faq: FaqService, write_faq: WriteFaq
) -> None:
    reports = Reports()
    faq.add_listener(reports)
    old_index = faq.index
    write_faq("faq/hours.yaml", BROKEN_HOURS)
    write_faq("faq/fee.yaml", FEE.replace("团费怎么交", "团费交到哪里"))

    report = await faq.reload()

    assert (report.ok, report.applied, report.entries) == (False, False, 1)
    assert [str(e) for e in report.errors] == ["faq/hours.yaml 第3行 answer：答案不能为空"]
    assert await reports.next() is report
    assert faq.index is old_index
    assert faq.get("fee").question == "团费怎么交"
    assert faq.get("hours") is None

    write_faq("faq/hours.yaml", HOURS)
    fixed = await faq.reload()

    assert (fixed.ok, fixed.applied, fixed.entries) == (True, True, 2)
    assert faq.get("fee").question == "团费交到哪里"


async def test_first_load_serves_the_files_without_errors(
    faq_dir: Path, write_faq: WriteFaq
) -> None:
    write_faq("faq/fee.yaml", FEE)
    write_faq("faq/hours.yaml", HOURS + "- id: broken\n  question: 坏条目\n")
    service = FaqService(faq_dir, watch=False)

    report = await service.start()

    assert (report.ok, report.applied, report.entries) == (False, True, 1)
    assert [str(e) for e in report.errors] == ["faq/hours.yaml 第4行 answer：缺少答案（answer）"]
    assert service.get("fee") is not None
    assert service.get("hours") is None  # valid, but its file has an error


async def test_failed_index_build_keeps_the_old_index(
    faq: FaqService, write_faq: WriteFaq, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_index = faq.index

    def explode(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(service_module.FaqIndex, "build", explode)
    write_faq("faq/hours.yaml", HOURS)

    report = await faq.reload()

    assert (report.ok, report.applied, report.entries) == (False, False, 1)
    assert "加载问答库时程序出错" in str(report.errors[0])
    assert faq.index is old_index


async def test_concurrent_reloads_run_one_at_a_time(
    faq: FaqService, monkeypatch: pytest.MonkeyPatch
) -> None:
    active = 0
    most = 0
    guard = threading.Lock()

    def slow_load(path: Path) -> LoadResult:
        nonlocal active, most
        with guard:
            active += 1
            most = max(most, active)
        time.sleep(0.02)
        with guard:
            active -= 1
        return load_faq_dir(path)

    monkeypatch.setattr(service_module, "load_faq_dir", slow_load)

    reports = await asyncio.gather(*(faq.reload(str(n)) for n in range(4)))

    assert all(r.ok for r in reports)
    assert most == 1


async def test_a_failing_listener_does_not_stop_the_others(faq: FaqService) -> None:
    reports = Reports()

    async def broken(report: ReloadReport) -> None:
        raise RuntimeError("chat is down")

    faq.add_listener(broken)
    faq.add_listener(reports)

    report = await faq.reload()

    assert report.ok
    assert reports.all == [report]


async def test_watcher_reloads_after_a_change_on_disk(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/fee.yaml", FEE)
    service = FaqService(faq_dir, debounce_s=0.05)
    reports = Reports()
    service.add_listener(reports)
    await service.start()
    try:
        assert (await reports.next()).reason == "启动"

        write_faq("faq/hours.yaml", HOURS)
        report = await reports.next()

        assert report.ok
        assert report.reason == "文件变化：faq/hours.yaml"
        assert top_id(service, "志愿服务时长怎么查询") == "hours"

        write_faq("faq/hours.yaml", BROKEN_HOURS)
        broken = await reports.next()

        assert (broken.ok, broken.applied) == (False, False)
        assert [(e.file, e.line, e.field) for e in broken.errors] == [
            ("faq/hours.yaml", 3, "answer")
        ]
        assert top_id(service, "志愿服务时长怎么查询") == "hours"
    finally:
        await service.stop()


async def test_watcher_survives_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_module, "WATCH_RETRY_S", 0.05)
    faq_dir = tmp_path / "later"
    service = FaqService(faq_dir, debounce_s=0.05)
    reports = Reports()
    service.add_listener(reports)

    report = await service.start()
    try:
        assert (report.ok, report.entries) == (False, 0)
        await asyncio.sleep(0.3)  # several failed watcher restarts
        assert reports.all == [report]  # ...that do not reload (and message admins) each time

        staging = tmp_path / "staging"
        (staging / "faq").mkdir(parents=True)
        (staging / "faq" / "fee.yaml").write_text(FEE, encoding="utf-8")
        staging.rename(faq_dir)

        await wait_until(lambda: service.get("fee") is not None)
        assert reports.all[-1].reason == "文件监视已恢复"
    finally:
        await service.stop()


async def test_stop_ends_the_watcher_promptly(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/fee.yaml", FEE)
    service = FaqService(faq_dir, debounce_s=0.05)
    await service.start()

    started = time.monotonic()
    await asyncio.wait_for(service.stop(), 5)

    assert time.monotonic() - started < 2
    assert top_id(service, "团费怎么交") == "fee"  # the index keeps serving after stop

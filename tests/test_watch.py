"""The folder watcher with a relative folder, as `make run` has it (FAQ_DIR=faq_data)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.common.watch import FolderWatcher


async def test_a_relative_folder_reports_the_changed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "faq_data" / "activities").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    reasons: list[str] = []
    seen: list[Path] = []
    changed = asyncio.Event()

    async def on_change(reason: str) -> None:
        reasons.append(reason)
        changed.set()

    def relevant(path: Path) -> bool:
        seen.append(path)
        return path.suffix == ".yaml"

    watcher = FolderWatcher(
        Path("faq_data/activities"), on_change, is_relevant=relevant, name="t", debounce_s=0.05
    )
    await watcher.start()
    try:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(Path("faq_data/activities/winter.yaml").write_text, "[]\n")
        await asyncio.wait_for(changed.wait(), 10)
    finally:
        await watcher.stop()

    assert reasons == ["文件变化：winter.yaml"]
    assert seen, "the watcher asked about the changed file"
    assert "failed" not in caplog.text

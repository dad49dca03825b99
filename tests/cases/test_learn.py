"""/入库 writes an entry the FAQ loader accepts, waiting for review, atomically and under a lock."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.cases.learn import (
    REVIEW_TAG,
    append_learned_entry,
    change_learned_entries,
    read_learned_entries,
)
from bot.faq.check import run_check
from bot.faq.loader import load_faq_dir


def test_learned_entries_append_and_load(tmp_path: Path) -> None:
    path = tmp_path / "faq" / "learned.yaml"
    append_learned_entry(
        path, "learned-1", "食堂几点开门？", ["食堂几点开门？", "饭堂开门时间"], "早上七点。"
    )
    append_learned_entry(path, "learned-2", "宿舍几点熄灯？", [], "晚上十一点。", pending=False)
    loaded = load_faq_dir(tmp_path)
    assert loaded.errors == []
    entries = {entry.id: entry for entry in loaded.entries}
    assert entries["learned-1"].similar == ("饭堂开门时间",)
    assert entries["learned-1"].tags == (REVIEW_TAG,)
    assert entries["learned-1"].pending
    assert not entries["learned-2"].pending
    assert entries["learned-2"].answer == "晚上十一点。"
    assert path.read_text(encoding="utf-8").startswith("# 由团干部")
    assert sorted(p.name for p in path.parent.iterdir()) == [".learned.yaml.lock", "learned.yaml"]


def test_a_failed_change_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "faq" / "learned.yaml"
    append_learned_entry(path, "learned-1", "食堂几点开门？", [], "早上七点。")
    before = path.read_text(encoding="utf-8")

    def broken(entries: list[dict]) -> None:
        entries.clear()
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        change_learned_entries(path, broken)
    assert path.read_text(encoding="utf-8") == before


def test_concurrent_writers_lose_no_entry(tmp_path: Path) -> None:
    path = tmp_path / "faq" / "learned.yaml"
    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(24):
            pool.submit(append_learned_entry, path, f"learned-{n}", f"问题{n}", [], "答案")
    assert sorted(e["id"] for e in read_learned_entries(path)) == sorted(
        f"learned-{n}" for n in range(24)
    )


def test_check_counts_the_entries_waiting_for_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "faq" / "learned.yaml"
    append_learned_entry(path, "learned-1", "食堂几点开门？", [], "早上七点。")
    append_learned_entry(path, "learned-2", "宿舍几点熄灯？", [], "晚上十一点。")
    append_learned_entry(path, "learned-3", "图书馆几点关门？", [], "晚上十点。", pending=False)
    assert run_check(tmp_path) == 0
    assert "待审核问答 2 条（管理员审核通过前不会回答用户）：learned-1、learned-2" in (
        capsys.readouterr().out
    )

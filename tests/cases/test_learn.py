"""/入库 writes an entry the FAQ loader accepts, marked for review, atomically."""

from __future__ import annotations

from pathlib import Path

from bot.cases.learn import REVIEW_TAG, append_learned_entry
from bot.faq.loader import load_faq_dir


def test_learned_entries_append_and_load(tmp_path: Path) -> None:
    path = tmp_path / "faq" / "learned.yaml"
    append_learned_entry(
        path, "learned-1", "食堂几点开门？", ["食堂几点开门？", "饭堂开门时间"], "早上七点。"
    )
    append_learned_entry(path, "learned-2", "宿舍几点熄灯？", [], "晚上十一点。")
    loaded = load_faq_dir(tmp_path)
    assert loaded.errors == []
    entries = {entry.id: entry for entry in loaded.entries}
    assert entries["learned-1"].similar == ("饭堂开门时间",)
    assert entries["learned-1"].tags == (REVIEW_TAG,)
    assert entries["learned-2"].answer == "晚上十一点。"
    assert path.read_text(encoding="utf-8").startswith("# 由团干部")
    assert [p.name for p in path.parent.iterdir()] == ["learned.yaml"], "no temporary file left"

"""The one folder reader behind the FAQ, grid and activity files: which files, in which order,
which changes matter, and one issue collector per file."""

from __future__ import annotations

from pathlib import Path

from bot.activities.files import ACTIVITY_FILES, load_activity_files
from bot.activities.files import is_relevant as activity_is_relevant
from bot.common.folder import AdminFolder
from bot.common.issues import FileIssue
from bot.faq.loader import FAQ_FILES
from bot.grid.sources import GRID_FILES

KIND = AdminFolder(
    "kind", frozenset({".yaml"}), frozenset({".xls"}), "旧格式", top_files=frozenset({"top.txt"})
)


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_files_are_sorted_and_skip_ignored_files_and_folders(tmp_path: Path) -> None:
    for name in ("b.yaml", "a/c.yaml", "a.yaml", "_草稿.yaml", "_旧版/d.yaml", ".git/e.yaml"):
        touch(tmp_path / "kind" / name)
    touch(tmp_path / "kind" / "notes.txt")
    touch(tmp_path / "kind" / "old.xls")
    found = [p.relative_to(tmp_path / "kind").as_posix() for p in KIND.files(tmp_path)]
    assert found == ["a.yaml", "a/c.yaml", "b.yaml", "old.xls"]
    assert KIND.files(tmp_path / "missing") == []


def test_each_file_gets_its_collector_and_unsupported_ones_are_reported(tmp_path: Path) -> None:
    touch(tmp_path / "kind" / "a.yaml")
    touch(tmp_path / "kind" / "old.xls")
    errors: list[FileIssue] = []
    warnings: list[FileIssue] = []
    handed = [(file.name, issues.rel) for file, issues in KIND.each(tmp_path, errors, warnings)]
    assert handed == [("a.yaml", "kind/a.yaml")]
    assert warnings == [FileIssue("kind/old.xls", None, None, "旧格式")]
    assert errors == []


def test_relevant_changes(tmp_path: Path) -> None:
    relevant = ["kind/a.yaml", "kind/sub/b.yaml", "kind/old.xls", "kind/moved", "kind", "top.txt"]
    irrelevant = ["kind/_草稿.yaml", "kind/_旧版/a.yaml", "kind/x.txt", "other/a.yaml", "a.yaml"]
    assert [p for p in relevant if not KIND.is_relevant(tmp_path, tmp_path / p)] == []
    assert [p for p in irrelevant if KIND.is_relevant(tmp_path, tmp_path / p)] == []
    assert not KIND.is_relevant(tmp_path, tmp_path.parent / "kind" / "a.yaml")


def test_each_kind_keeps_to_its_own_folder(tmp_path: Path) -> None:
    kinds = {
        "faq/a.yaml": FAQ_FILES,
        "grid/a.yaml": GRID_FILES,
        "activities/a.yaml": ACTIVITY_FILES,
    }
    for path, kind in kinds.items():
        assert [p for p in kinds if kind.is_relevant(tmp_path, tmp_path / p)] == [path]


def test_activity_drafts_in_a_draft_folder_are_not_read(tmp_path: Path) -> None:
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    draft = "activities:\n  - id: 草稿\n    title: 草稿\n"
    touch(tmp_path / "activities" / "_旧版" / "old.yaml", draft)
    touch(tmp_path / "activities" / "_草稿.yaml", draft)
    found = load_activity_files(
        tmp_path, datetime(2026, 12, 1, tzinfo=timezone.utc), ZoneInfo("Asia/Shanghai")
    )
    assert (found.specs, found.errors) == ([], [])
    assert activity_is_relevant(tmp_path, tmp_path / "activities" / "新.yaml")
    assert activity_is_relevant(tmp_path, tmp_path / "activities" / "县区")  # a folder moved
    assert not activity_is_relevant(tmp_path, tmp_path / "activities" / "_旧版" / "old.yaml")

"""One kind of admin-edited files in the admins' folder (`faq_data/`): the FAQ under `faq/`,
the grid under `grid/`, activities under `activities/`.

Shared by their loaders and live reloads: which files are read and in which order, which
changes call for a reload, and one `IssueCollector` per file, so problems name the file
(relative to the admins' folder), the line and the field. Files and folders that
`bot.common.files.is_ignored` (drafts `_…`, hidden `.…`, Excel's `~$…`) are skipped everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.common.files import is_ignored
from bot.common.issues import FileIssue, IssueCollector

__all__ = ["AdminFolder"]


@dataclass(frozen=True, slots=True)
class AdminFolder:
    """Files `faq_dir/<subdir>/**/*<suffix>` of one kind, and the few of that kind kept
    directly in `faq_dir` (`top_files`, e.g. the FAQ's userdict.txt)."""

    subdir: str
    suffixes: frozenset[str]
    """Suffixes (lower case, with the dot) of the files that are read."""
    unsupported: frozenset[str] = frozenset()
    """Suffixes of files that are found and reported with `unsupported_hint`, but not read."""
    unsupported_hint: str = ""
    top_files: frozenset[str] = frozenset()

    def files(self, faq_dir: Path) -> list[Path]:
        """Files of this kind under `faq_dir/<subdir>` (unsupported ones too), in a stable
        order, skipping ignored files and folders."""
        root = faq_dir / self.subdir
        if not root.is_dir():
            return []
        wanted = self.suffixes | self.unsupported
        found = [
            file
            for file in root.rglob("*")
            if file.is_file()
            and not any(is_ignored(part) for part in file.relative_to(root).parts)
            and file.suffix.lower() in wanted
        ]
        return sorted(found, key=lambda p: p.relative_to(root).as_posix())

    def each(
        self, faq_dir: Path, errors: list[FileIssue], warnings: list[FileIssue]
    ) -> Iterator[tuple[Path, IssueCollector]]:
        """Each file to read, with the collector of its problems; unsupported files are
        reported (a warning) and not handed out."""
        for file in self.files(faq_dir):
            issues = IssueCollector(errors, warnings, file.relative_to(faq_dir).as_posix())
            if file.suffix.lower() in self.unsupported:
                issues.warning(None, None, self.unsupported_hint)
                continue
            yield file, issues

    def is_relevant(self, faq_dir: Path, path: Path) -> bool:
        """True if a change of `path` may change what is read from `faq_dir`."""
        try:
            rel = path.relative_to(faq_dir)
        except ValueError:
            return False
        if not rel.parts or any(is_ignored(part) for part in rel.parts):
            return False
        if len(rel.parts) == 1 and rel.name in self.top_files:
            return True
        if rel.parts[0] != self.subdir:
            return False
        # A suffix-less path may be a folder that was moved or deleted with its files.
        suffix = rel.suffix.lower()
        return suffix in self.suffixes or suffix in self.unsupported or not suffix

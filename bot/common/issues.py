"""Problems found in admin-edited files, worded for the admins, and a collector for one file.

Shared by every loader of `faq_data/` (the FAQ, the grid): a loader never raises on bad
content, it reports a `FileIssue` naming the file, the line and the field, in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FileIssue", "IssueCollector"]


@dataclass(frozen=True, slots=True)
class FileIssue:
    """One problem in the admins' files, worded for the admins."""

    file: str
    """Path relative to the admins' folder, `/`-separated (`faq/团费.yaml`); empty if not about a file."""
    line: int | None
    """1-based line of a YAML/CSV file or row of an XLSX sheet."""
    field: str | None
    """The key or column as the admin wrote it."""
    message: str
    """What is wrong, in Chinese."""

    def __str__(self) -> str:
        place = " ".join(
            part
            for part in (
                self.file,
                f"第{self.line}行" if self.line else "",
                self.field or "",
            )
            if part
        )
        return f"{place}：{self.message}" if place else self.message


class IssueCollector:
    """Collects the issues of one file (and sheet: the label of a field then names it) into
    shared error and warning lists."""

    def __init__(
        self,
        errors: list[FileIssue],
        warnings: list[FileIssue],
        rel: str,
        sheet: str = "",
    ) -> None:
        """`errors`, `warnings`: the lists to append to (e.g. a load result's);
        `rel`: the file's path relative to the admins' folder; `sheet`: the XLSX sheet, if any."""
        self.errors = errors
        self.warnings = warnings
        self.rel = rel
        self.sheet = sheet

    def error(self, line: int | None, label: str | None, message: str) -> None:
        """Report an error at `line` (None: the whole file) in the field the admin calls `label`."""
        self.errors.append(FileIssue(self.rel, line, self._field(label), message))

    def warning(self, line: int | None, label: str | None, message: str) -> None:
        """Report a warning, as `error`."""
        self.warnings.append(FileIssue(self.rel, line, self._field(label), message))

    def in_sheet(self, sheet: str) -> IssueCollector:
        """The same collector for one sheet of this (XLSX) file."""
        return IssueCollector(self.errors, self.warnings, self.rel, sheet)

    def _field(self, label: str | None) -> str | None:
        if not self.sheet:
            return label
        return f"{self.sheet}!{label}" if label else self.sheet

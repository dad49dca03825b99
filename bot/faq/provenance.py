"""Whether FAQ entries say what their facts rest on and when they were last checked.

Admins give each entry two optional fields: `source` (the document, article or notice the answer
rests on) and `reviewed` (the date it was last checked against it). `python -m bot.faq check`
lists the entries without them and the entries not checked for a year; loading never fails on
their absence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

from bot.common.issues import FileIssue
from bot.faq.model import FaqEntry

__all__ = ["REVIEW_MAX_AGE", "parse_reviewed", "provenance_issues"]

REVIEW_MAX_AGE = timedelta(days=365)
"""An entry last checked longer ago than this is listed for checking again."""

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?"
)
"""2026-12-01, 2026/12/1, 2026.12.01, 2026年12月1日; an Excel date cell reads `2026-12-01 00:00:00`."""


def parse_reviewed(text: str) -> date | None:
    """The date an admin wrote in a `reviewed` field, or None if it is not a valid date."""
    found = _DATE.fullmatch(text.strip())
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def provenance_issues(
    entries: Iterable[FaqEntry], today: date, max_age: timedelta = REVIEW_MAX_AGE
) -> list[FileIssue]:
    """One issue per entry that lacks `source` or `reviewed`, was last checked more than
    `max_age` before `today`, or carries a check date after `today`; in file and line order."""
    issues = []
    for entry in entries:
        missing = [
            label
            for label, present in (
                ("依据（source）", entry.reference),
                ("核对日期（reviewed）", entry.reviewed),
            )
            if not present
        ]
        if missing:
            message = (
                f"「{entry.id}」没有写{'和'.join(missing)}，请注明答案依据的文件或通知和核对日期"
            )
        elif entry.reviewed is not None and entry.reviewed > today:
            message = f"「{entry.id}」的核对日期 {entry.reviewed.isoformat()} 晚于今天，请检查"
        elif entry.reviewed is not None and today - entry.reviewed > max_age:
            message = (
                f"「{entry.id}」上次核对是 {entry.reviewed.isoformat()}，已超过一年，"
                "请对照依据重新核对后更新 reviewed"
            )
        else:
            continue
        file, _, line = entry.source.rpartition(":")
        issues.append(
            FileIssue(file or entry.source, int(line) if line.isdigit() else None, None, message)
        )
    issues.sort(key=lambda issue: (issue.file, issue.line or 0))
    return issues

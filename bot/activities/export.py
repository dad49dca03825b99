"""The sign-up sheet of one activity as XLSX and CSV files (blocking: run in an executor)."""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from bot.activities import texts
from bot.activities.models import Activity, Signup

log = logging.getLogger(__name__)

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
"""What an export token looks like (secrets.token_urlsafe); anything else is never a file name."""
SUFFIXES = ("xlsx", "csv")


def header(activity: Activity) -> list[str]:
    """Column titles: fixed ones, then the activity's extra fields."""
    return [
        "序号",
        "状态",
        "候补顺序",
        "平台",
        "账号",
        "昵称",
        "报名时间",
        "签到时间",
        *(texts.FIELD_NAMES[name] for name in activity.fields),
    ]


def rows(activity: Activity, signups: Sequence[Signup], zone: ZoneInfo) -> list[list[str]]:
    """One row per sign-up (cancelled ones too, marked), in sign-up order."""
    result = []
    waiting = 0
    for number, signup in enumerate(signups, 1):
        if signup.status == "waitlisted":
            waiting += 1
        result.append(
            [
                str(number),
                texts.SIGNUP_STATUS.get(signup.status, signup.status),
                str(waiting) if signup.status == "waitlisted" else "",
                signup.platform,
                signup.user_id,
                signup.nickname,
                signup.signed_up_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                signup.checked_in_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                if signup.checked_in_at
                else "",
                *(str(signup.answers.get(name, "")) for name in activity.fields),
            ]
        )
    return result


def xlsx_bytes(activity: Activity, signups: Sequence[Signup], zone: ZoneInfo) -> bytes:
    """The sign-up sheet as an XLSX workbook, every cell text (a value starting with = stays
    text, never a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "报名"
    for line in _table(activity, signups, zone):
        sheet.append(line)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"
    book.properties.title = f"活动 #{activity.id} {activity.title}"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(activity: Activity, signups: Sequence[Signup], zone: ZoneInfo) -> bytes:
    """The sign-up sheet as CSV, UTF-8 with BOM (so Excel reads the Chinese)."""
    out = io.StringIO(newline="")
    csv.writer(out).writerows(_table(activity, signups, zone))
    return out.getvalue().encode("utf-8-sig")


SHEETS = {"xlsx": xlsx_bytes, "csv": csv_bytes}
"""Each export format and the function that writes it."""


def write_export(
    folder: Path, token: str, activity: Activity, signups: Sequence[Signup], zone: ZoneInfo
) -> tuple[Path, Path]:
    """Write `{token}.xlsx` and `{token}.csv`."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, write in SHEETS.items():
        path = folder / f"{token}.{suffix}"
        path.write_bytes(write(activity, signups, zone))
        paths.append(path)
    return paths[0], paths[1]


def _table(activity: Activity, signups: Sequence[Signup], zone: ZoneInfo) -> list[list[str]]:
    return [header(activity), *rows(activity, signups, zone)]


def export_file(
    folder: Path, name: str, ttl_hours: float = 0, now: float | None = None
) -> Path | None:
    """The exported file `name` (`token.xlsx` / `token.csv`) if it exists, is well-formed and,
    with `ttl_hours`, is younger than that; an expired export is deleted on the way."""
    token, _, suffix = name.rpartition(".")
    if suffix not in SUFFIXES or not TOKEN.fullmatch(token):
        return None
    path = folder / f"{token}.{suffix}"
    if not path.is_file():
        return None
    if ttl_hours > 0 and _expired(path, ttl_hours, time.time() if now is None else now):
        _remove(folder, token)
        return None
    return path


def _expired(path: Path, ttl_hours: float, now: float) -> bool:
    try:
        return now - path.stat().st_mtime >= ttl_hours * 3600
    except FileNotFoundError:
        return True


def _remove(folder: Path, token: str) -> int:
    """Delete both files of export `token`; returns how many were there."""
    removed = 0
    for suffix in SUFFIXES:
        path = folder / f"{token}.{suffix}"
        # A file already gone (another process, the link opened meanwhile) is not an error.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed


def remove_expired_exports(folder: Path, ttl_hours: float, now: float | None = None) -> int:
    """Delete every export older than `ttl_hours` (0: keep them); returns how many files.

    Blocking (file system): run it in an executor from async code."""
    if ttl_hours <= 0 or not folder.is_dir():
        return 0
    moment = time.time() if now is None else now
    removed = 0
    for path in folder.iterdir():
        token, _, suffix = path.name.rpartition(".")
        if suffix in SUFFIXES and TOKEN.fullmatch(token) and _expired(path, ttl_hours, moment):
            removed += _remove(folder, token)
    if removed:
        log.info("%d expired sign-up export files deleted", removed)
    return removed

"""Times as organisers write them, read in the configured time zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.activities.when import parse_local, show, week_end

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)  # Monday 09:00 in Shanghai


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-12-06 14:00", "2026-12-06 14:00"),
        ("12月6日 14:00", "2026-12-06 14:00"),
        ("12/6 9:30", "2026-12-06 09:30"),
        ("明天 9:30", "2026-11-03 09:30"),
        ("11月10日 下午2点", "2026-11-10 14:00"),
        ("11月10日 下午2点半", "2026-11-10 14:30"),
        ("周三 19:00", "2026-11-04 19:00"),
        ("下周三 19:00", "2026-11-11 19:00"),
        ("1月5日 8:00", "2027-01-05 08:00"),
    ],
)
def test_parse_local(text: str, local: str) -> None:
    moment = parse_local(text, NOW, ZONE)
    assert moment is not None
    assert moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M") == local


@pytest.mark.parametrize("text", ["下个月", "13月1日 8:00", "2月30日", "随便", ""])
def test_not_a_time(text: str) -> None:
    assert parse_local(text, NOW, ZONE) is None


def test_show_and_week_end() -> None:
    assert show(NOW, ZONE) == "11月2日（周一）09:00"
    assert week_end(NOW, ZONE).astimezone(ZONE) == datetime(2026, 11, 9, tzinfo=ZONE)

"""Waiting times as cadres and admins read them, in chat, the console and the monthly report."""

from datetime import timedelta

import pytest

from bot.cases.texts import duration


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=20), "不到1分钟"),
        (timedelta(minutes=7, seconds=59), "7分钟"),
        (timedelta(hours=2, minutes=5), "2小时5分钟"),
        (timedelta(days=3, hours=4, minutes=10), "3天4小时"),
    ],
)
def test_a_waiting_time_reads_in_chinese(delta: timedelta, text: str) -> None:
    assert duration(delta) == text

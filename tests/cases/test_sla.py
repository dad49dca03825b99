"""Deadlines count business hours when admins set them."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.cases.sla import BusinessCalendar
from bot.settings import Settings

UTC = timezone.utc


def test_all_hours_count_by_default() -> None:
    calendar = BusinessCalendar.from_settings(Settings())
    start = datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
    assert calendar.add(start, 24) == datetime(2026, 11, 7, 10, 0, tzinfo=UTC)


def test_business_hours_skip_nights_and_weekends() -> None:
    calendar = BusinessCalendar.from_settings(
        Settings(business_hours="09:00-18:00", business_days="1-5", timezone="Asia/Shanghai")
    )
    # Friday 2026-11-06 16:00 in Shanghai (08:00 UTC): 2 h left on Friday, 7 h more on Monday.
    start = datetime(2026, 11, 6, 8, 0, tzinfo=UTC)
    assert calendar.add(start, 9) == datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
    # Saturday night counts from Monday 09:00.
    saturday = datetime(2026, 11, 7, 14, 0, tzinfo=UTC)
    assert calendar.add(saturday, 1) == datetime(2026, 11, 9, 2, 0, tzinfo=UTC)


def test_sla_hours_per_level() -> None:
    settings = Settings(case_sla_hours=24, case_sla_by_level="street=12, city=48")
    assert settings.sla_hours("street") == 12
    assert settings.sla_hours("city") == 48
    assert settings.sla_hours("district") == 24
    assert settings.sla_hours(None) == 24

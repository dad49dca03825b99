"""Time limits of cases: deadlines that count business hours only, when admins set them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """Working hours on working weekdays in one time zone; `start is None` means every hour counts."""

    zone: ZoneInfo
    start: time | None = None
    end: time | None = None
    days: frozenset[int] = frozenset(range(1, 8))

    @classmethod
    def from_settings(cls, settings: Settings) -> BusinessCalendar:
        """The calendar configured by BUSINESS_HOURS, BUSINESS_DAYS and TIMEZONE."""
        zone = ZoneInfo(settings.timezone)
        if settings.business_hours is None:
            return cls(zone)
        start, end = settings.business_hours
        return cls(zone, start, end, settings.business_days)

    def add(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start` (UTC in, UTC out)."""
        remaining = timedelta(hours=hours)
        if self.start is None or self.end is None:
            return start + remaining
        local = start.astimezone(self.zone)
        for _ in range(3660):  # ten years of days: a bound, never reached with sane settings
            day_start = datetime.combine(local.date(), self.start, self.zone)
            day_end = datetime.combine(local.date(), self.end, self.zone)
            if local.isoweekday() in self.days and local < day_end:
                begin = max(local, day_start)
                available = day_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(start.tzinfo)
                remaining -= available
            next_day = local.date() + timedelta(days=1)
            local = datetime.combine(next_day, time(0), self.zone)
        raise ValueError("business calendar has no working hours")

"""The date range a console page counts: whole local days, from and to inclusive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 30
MAX_DAYS = 366


class PeriodError(ValueError):
    """A date range that cannot be used (the message is Chinese)."""


@dataclass(frozen=True, slots=True)
class Period:
    """Local days `first` to `last`, both included, in `zone`."""

    first: date
    last: date
    zone: ZoneInfo

    @classmethod
    def parse(cls, first: str | None, last: str | None, zone: ZoneInfo, now: datetime) -> Period:
        """From YYYY-MM-DD texts; missing ones: the last 30 days up to today."""
        today = now.astimezone(zone).date()
        try:
            end = date.fromisoformat(last) if last else today
            start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError:
            raise PeriodError("日期格式应为 2026-01-31") from None
        if start > end:
            raise PeriodError("开始日期不能晚于结束日期")
        if (end - start).days + 1 > MAX_DAYS:
            raise PeriodError(f"最多统计 {MAX_DAYS} 天")
        return cls(start, end, zone)

    def _start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(0), self.zone)

    @property
    def since(self) -> datetime:
        """The first moment of the range."""
        return self._start_of(self.first)

    @property
    def until(self) -> datetime:
        """The first moment after the range."""
        return self._start_of(self.last + timedelta(days=1))

    def days(self) -> list[date]:
        """Every day of the range."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def day_starts(self) -> list[datetime]:
        """The first moment of every day and of the day after the range (len(days) + 1)."""
        return [self._start_of(day) for day in self.days()] + [self.until]

    def query(self) -> dict[str, str]:
        """The range as the query parameters a link carries."""
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

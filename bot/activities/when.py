"""Times as organisers write them (12月6日 14:00, 2026-12-06 14:00, 明天 9:30) and as youths read them."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.activities.texts import WEEKDAYS

_DATE_TIME = re.compile(
    r"^(?:(?P<rel>今天|明天|后天)|(?P<next>下)?(?:周|星期)(?P<wd>[一二三四五六日天])"
    r"|(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?)"
    r"\s*(?:(?P<part>上午|早上|中午|下午|晚上))?\s*"
    r"(?:(?P<H>\d{1,2})\s*(?:[:：点时]\s*(?P<M>\d{1,2})?\s*分?|(?P<half>点半)))?$"
)
_RELATIVE = {"今天": 0, "明天": 1, "后天": 2}


def parse_local(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The moment `text` means in `zone` (aware UTC), or None if it is not a time.

    Dates: 2026-12-06, 12月6日, 12/6, 今天/明天/后天, 周三 (the coming one), 下周三. A date without a year is the next such date from `now`; a date without a time is 00:00
    (callers asking for a start time should say so in their prompt).
    """
    match = _DATE_TIME.match(text.strip())
    if match is None:
        return None
    today = now.astimezone(zone).date()
    try:
        if match.group("rel"):
            day = today + timedelta(days=_RELATIVE[match.group("rel")])
        elif match.group("wd"):
            # 周三: this week's (today if it is Wednesday); 下周三: next week's.
            weekday = WEEKDAYS.index(match.group("wd").replace("天", "日"))
            day = today + timedelta(days=weekday - today.weekday())
            if match.group("next") or day < today:
                day += timedelta(days=7)
        else:
            month, dom = int(match.group("m")), int(match.group("d"))
            if match.group("y"):
                day = date(int(match.group("y")), month, dom)
            else:
                day = date(today.year, month, dom)
                if day < today:
                    day = date(today.year + 1, month, dom)
        hour = int(match.group("H") or 0)
        minute = 30 if match.group("half") else int(match.group("M") or 0)
        if match.group("part") in ("下午", "晚上") and hour < 12:
            hour += 12
        moment = datetime.combine(day, time(hour, minute), zone)
    except ValueError:
        return None
    return moment.astimezone(ZoneInfo("UTC"))


def show(moment: datetime, zone: ZoneInfo) -> str:
    """12月6日（周六）14:00, in `zone`."""
    local = moment.astimezone(zone)
    return f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def week_end(now: datetime, zone: ZoneInfo) -> datetime:
    """The end of this week (next Monday 00:00) in `zone`."""
    local = now.astimezone(zone).date()
    monday = local + timedelta(days=7 - local.weekday())
    return datetime.combine(monday, time(0, 0), zone)

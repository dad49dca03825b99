"""The dashboard's questions by local day and by org, counted in SQL, equal a plain count of the
rows: over a month that crosses a change of summer time (Europe/Berlin) and over a month of
Asia/Shanghai, with questions on the first and last instants of days."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.console.dashboard import breakdown
from bot.console.period import Period
from bot.qa.models import Question
from bot.runtime import Runtime


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Shanghai"])
async def test_questions_by_day_equal_a_plain_count(console: Runtime, zone: str) -> None:
    local = ZoneInfo(zone)
    period = Period(date(2026, 10, 10), date(2026, 11, 8), local)  # Berlin: 25 October
    rng = random.Random(3)
    times = (
        [period.since + timedelta(minutes=rng.randrange(31 * 24 * 60)) for _ in range(400)]
        + period.day_starts()
        + [s - timedelta(microseconds=1) for s in period.day_starts()]
    )
    rows = [
        {
            "platform": "qq",
            "group_id": "40001",
            "user_id": str(n),
            "message_id": str(n),
            "text": "团费",
            "normalized": "团费",
            "matches": [],
            "band": "answer",
            "outcome": rng.choice(("answered", "unanswered", "human")),
            "org_id": rng.choice(("street", "street2", None)),
            "created_at": at,
        }
        for n, at in enumerate(times)
    ]
    async with console.db.session() as session:
        await session.execute(insert(Question), rows)

    found = await breakdown(console.db, console.grid.grid, [], None, period)

    inside = [r for r in rows if period.since <= r["created_at"] < period.until]
    by_day = Counter(r["created_at"].astimezone(local).date() for r in inside)
    assert len(inside) > 400 and len(by_day) == len(period.days())
    assert [(day, tally.collected) for day, tally in found.days] == [
        (day, by_day[day]) for day in period.days()
    ]
    people = Counter(
        r["created_at"].astimezone(local).date() for r in inside if r["outcome"] == "human"
    )
    assert [tally.by_people for _, tally in found.days] == [people[d] for d in period.days()]

"""The report's hot topics and outcomes counted in SQL (one grouped read of two months) equal a
plain count over the same questions, read row by row: each question's topic is the first tag of
the entry that answered it, else of the entry that matched it best, else the grid topic its
words name, else 其他 (none for small talk), in two months, for everywhere and for one street."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bot.faq.model import SMALL_TALK_TAG, FaqEntry
from bot.grid.model import Grid
from bot.qa.models import Question
from bot.reports.monthly import _examples, _months, month_period, topic_of
from bot.runtime import Runtime

ZONE = ZoneInfo("Asia/Shanghai")
ENTRIES: dict[str, FaqEntry] = {
    "fee": FaqEntry("fee", "怎么交团费", "…", tags=("团费", "组织")),
    "join": FaqEntry("join", "几岁可以入团", "…", tags=("入团",)),
    "plain": FaqEntry("plain", "食堂几点开门", "…"),
    "chat": FaqEntry("chat", "你好", "…", tags=(SMALL_TALK_TAG,)),
}
MATCHED = ("fee", "join", "plain", "chat", "gone", None)
"""Best matches: tagged, untagged, small talk, an entry since removed, none."""
TEXTS = ("想找份实习工作", "最近心理压力很大", "团费交多少", "随便问问", "考研怎么准备", "你好呀")


def plain_count(rows: list[Question], entries: Mapping[str, FaqEntry], grid: Grid) -> Counter[str]:
    """Topics of `rows`, one question at a time."""
    counts: Counter[str] = Counter()
    for row in rows:
        if row.entry_id is not None:
            topic = topic_of(entries.get(row.entry_id), "", grid)
        else:
            best = row.matches[0]["id"] if row.matches else None
            entry = entries.get(best or "")
            if entry is not None and (entry.kind.value != "faq" or entry.tags):
                topic = topic_of(entry, "", grid)
            else:
                topic = grid.topic_of(row.text) or "其他"
        if topic is not None:
            counts[topic] += 1
    return counts


async def test_topic_counts_equal_a_plain_count_of_the_rows(console: Runtime) -> None:
    rng = random.Random(7)
    grid = console.grid.grid
    start = datetime(2026, 9, 25, tzinfo=timezone.utc)
    rows = []
    for n in range(600):
        matched = rng.choice(MATCHED)
        answered = rng.choice(("fee", "join", "plain", "chat", "gone", None, None, None))
        text = rng.choice(TEXTS) + rng.choice(("", "？", "啊"))
        rows.append(
            {
                "platform": "qq",
                "group_id": "40001",
                "user_id": str(n),
                "message_id": str(n),
                "text": text,
                "normalized": text.rstrip("？啊"),
                "matches": [{"id": matched, "score": 0.5}] if matched else [],
                "band": "answer",
                "outcome": "answered" if answered else "unanswered",
                "entry_id": answered,
                "org_id": rng.choice(("street", "street2", None)),
                "created_at": start + timedelta(hours=rng.randrange(24 * 70)),
            }
        )
    async with console.db.session() as session:
        await session.execute(insert(Question), rows)  # nearest_id comes from matches
        stored = list((await session.scalars(select(Question))).all())
    assert [q.nearest_id for q in stored] == [
        (q.matches[0]["id"] if q.matches else None) for q in stored
    ]
    november, october = month_period(date(2026, 11, 1), ZONE), month_period(date(2026, 10, 1), ZONE)
    for org in (None, "street"):
        orgs = grid.descendants(org) if org else None
        months = await _months(console.db, october, november, orgs, ENTRIES, grid)
        for period, month in zip((october, november), months, strict=True):
            picked = [
                q
                for q in stored
                if period.since <= q.created_at < period.until
                and (orgs is None or q.org_id in orgs)
            ]
            expected = plain_count(picked, ENTRIES, grid)
            assert sum(expected.values()) > 40 and len(expected) >= 4
            assert month.topics == expected, (org, period.first)
            assert month.by_outcome() == Counter(q.outcome for q in picked), (org, period.first)
        shown = await _examples(console.db, november, orgs, ENTRIES, grid)
        assert set(shown) <= set(months[1].topics)
        assert shown and all(0 < len(e) <= 3 for e in shown.values())

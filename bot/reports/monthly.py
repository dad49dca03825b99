"""The monthly 团情分析 report of an org (and those below it), or of everything.

For the month: the dashboard's figures (questions, answered by the FAQ and by people, likes,
没用, overdue, median first response) beside last month's; the hot topics (each question's
topic is the first tag of the FAQ entry that answered it, else of the entry that matched it best,
else the grid topic its words name, else 其他) with counts,
last month's count and a few examples; the activities held in the month with their turnout;
the 微心愿 lit; the 团情日记 (visits by org, recurring problems, open follow-ups). Crisis messages count in the figures but are never shown as examples, and
examples are masked (phone numbers, ids).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select

from bot.activities.models import Activity, ActivityStatus
from bot.activities.service import ActivityService, SignupFigures
from bot.console.dashboard import Figures, figures
from bot.console.period import Period
from bot.diary.report import DiaryDigest, digest
from bot.faq.model import EntryKind, FaqEntry
from bot.grid.model import Grid
from bot.qa.models import Question
from bot.safety.masking import mask_pii
from bot.storage.database import Database
from bot.wishes.models import Wish, WishStatus

MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?")
OTHER = "其他"
BAD_MONTH = "月份请写成 2026-11 或 11月"
TOPICS_SHOWN = 10
EXAMPLES = 3
TEXTS_READ = 20000
"""Most distinct texts read to find topics by words (those no tagged FAQ entry matched)."""
EXAMPLE_ROWS = 1000
"""The newest questions the examples are taken from."""


class ReportError(ValueError):
    """A month or org that cannot be reported on (the message is for the user)."""


@dataclass(frozen=True, slots=True)
class Topic:
    """One hot topic of the month."""

    name: str
    count: int
    last_month: int
    examples: tuple[str, ...]

    @property
    def is_new(self) -> bool:
        """Asked this month and not the month before."""
        return self.last_month == 0


@dataclass(frozen=True, slots=True)
class HeldActivity:
    """An activity of the month and its turnout."""

    activity: Activity
    figures: SignupFigures


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """Everything the report shows."""

    scope: str
    """The org's name, or 全部."""
    org_id: str | None
    month: date
    """The first day of the month."""
    figures: Figures
    previous: Figures
    topics: list[Topic]
    activities: list[HeldActivity]
    wishes_lit: int
    wishes_open: int
    zone: ZoneInfo
    diaries: DiaryDigest

    @property
    def answer_rate(self) -> float:
        """Share of the month's questions answered by the FAQ or by a person."""
        f = self.figures
        return (f.by_faq + f.by_people) / f.collected if f.collected else 0.0

    @property
    def signed(self) -> int:
        return sum(held.figures.signed for held in self.activities)

    @property
    def checked(self) -> int:
        return sum(held.figures.checked for held in self.activities)


def this_month(now: datetime, zone: ZoneInfo) -> date:
    """The first day of the current local month."""
    return now.astimezone(zone).date().replace(day=1)


def parse_month(text: str | None, now: datetime, zone: ZoneInfo) -> date:
    """The month of `text` (2026-11, 2026年11月, 11月: the latest November up to now); empty:
    last month."""
    today = now.astimezone(zone).date()
    text = (text or "").strip()
    if not text:
        first = today.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    match = MONTH.fullmatch(text)
    bare = text.rstrip("月")
    if match:
        year, month = int(match.group(1)), int(match.group(2))
    elif bare.isdecimal():
        year, month = today.year, int(bare)
    else:
        raise ReportError(BAD_MONTH)
    if not 1 <= month <= 12 or year < 1:
        raise ReportError(BAD_MONTH)
    chosen = date(year, month, 1)
    if chosen > today and not match:
        chosen = chosen.replace(year=year - 1)  # in January, 12月 is the December just past
    if chosen > today:
        raise ReportError("这个月还没到")
    return chosen


def month_period(month: date, zone: ZoneInfo) -> Period:
    """The local days of `month`."""
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(month, following - timedelta(days=1), zone)


def _previous(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def topic_of(entry: FaqEntry | None, text: str, grid: Grid) -> str | None:
    """A question's topic; None for small talk and out-of-remit questions."""
    if entry is not None:
        if entry.kind is not EntryKind.FAQ:
            return None
        if entry.tags:
            return entry.tags[0]
    return grid.topic_of(text) or OTHER


async def _topic_counts(
    db: Database,
    period: Period,
    orgs: Collection[str] | None,
    entries: Mapping[str, FaqEntry],
    grid: Grid,
    examples: int,
) -> tuple[Counter[str], dict[str, list[str]]]:
    """Questions by topic, and up to `examples` masked examples of each (from the newest
    `EXAMPLE_ROWS`). Counted in SQL, by the entry that answered, else by the entry that matched
    best (`Question.nearest_id`), in one grouped read of the index of time, org, entry and best
    match; only the questions whose topic needs their words are read, one row per text."""
    where = [Question.created_at >= period.since, Question.created_at < period.until]
    if orgs is not None:
        where.append(Question.org_id.in_(orgs))
    nearest = Question.nearest_id
    counts: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    async with db.session() as session:
        keys = await session.execute(
            select(Question.entry_id, nearest, func.count())
            .where(*where)
            .group_by(Question.entry_id, nearest)
        )
        by_words = []
        wordy: list[str] = []
        unmatched = False
        for entry_id, nearest_id, count in keys.all():
            if entry_id is not None:
                topic = topic_of(entries.get(entry_id), "", grid)
                if topic is not None:
                    counts[topic] += int(count)
                continue
            # Not answered from the FAQ: by the entry that matched best (its first tag), and
            # the words where no tagged entry matched.
            entry = entries.get(nearest_id or "")
            if entry is not None and (entry.kind is not EntryKind.FAQ or entry.tags):
                topic = topic_of(entry, "", grid)
                if topic is not None:
                    counts[topic] += int(count)
            elif nearest_id:
                wordy.append(nearest_id)  # an untagged or removed entry: the words decide
            else:
                unmatched = True
        if unmatched:
            by_words.append(nearest.is_(None))
        if wordy:
            by_words.append(nearest.in_(wordy))
        if by_words:
            texts = await session.execute(
                select(func.min(Question.text), func.count(Question.id))
                .where(*where, Question.entry_id.is_(None), or_(*by_words))
                .group_by(Question.normalized)
                .order_by(func.count(Question.id).desc())
                .limit(TEXTS_READ)
            )
            for text, count in texts.all():
                counts[topic_of(None, text or "", grid) or OTHER] += int(count)
        if not examples:
            return counts, shown
        rows = await session.execute(
            select(Question.text, Question.entry_id, nearest)
            .where(*where, Question.risk_level.is_(None), Question.text != "")
            # Newest first along the index of time (ids break ties): the first rows found are
            # the ones kept, where ordering by id alone sorted the month's rows first.
            .order_by(Question.created_at.desc(), Question.id.desc())
            .limit(EXAMPLE_ROWS)
        )
        for text, entry_id, best in rows.all():
            topic = topic_of(entries.get(entry_id or best or ""), text, grid)
            if topic is not None and len(shown.setdefault(topic, [])) < examples:
                example = mask_pii(text.strip())[:60]
                if example not in shown[topic]:
                    shown[topic].append(example)
    return counts, shown


async def build(
    db: Database,
    grid: Grid,
    entries: Mapping[str, FaqEntry],
    activities: ActivityService,
    now: datetime,
    zone: ZoneInfo,
    month: date,
    org_id: str | None = None,
) -> MonthlyReport:
    """The report of `month` for `org_id` and the orgs below it (None: everywhere)."""
    if org_id is not None and org_id not in grid.orgs:
        raise ReportError(f"没有编号为 {org_id} 的组织")
    orgs = grid.descendants(org_id) if org_id else None
    period, before = month_period(month, zone), month_period(_previous(month), zone)
    # Independent reads: at once where the database serves several connections (PostgreSQL).
    this, last, (counts, shown), (previous_counts, _) = await asyncio.gather(
        figures(db, now, orgs, period),
        figures(db, now, orgs, before),
        _topic_counts(db, period, orgs, entries, grid, EXAMPLES),
        _topic_counts(db, before, orgs, entries, grid, 0),
    )
    topics = [
        Topic(name, count, previous_counts.get(name, 0), tuple(shown.get(name, ())))
        for name, count in counts.most_common(TOPICS_SHOWN)
    ]
    held_where = [
        Activity.starts_at >= period.since,
        Activity.starts_at < period.until,
        Activity.status == ActivityStatus.ANNOUNCED.value,
    ]
    if orgs is not None:
        held_where.append(Activity.org_id.in_(orgs))
    async with db.session() as session:
        held = list(
            (
                await session.scalars(
                    select(Activity).where(*held_where).order_by(Activity.starts_at)
                )
            ).all()
        )
        wish_where = [] if orgs is None else [Wish.org_id.in_(orgs)]
        lit = await session.scalar(
            select(func.count(Wish.id)).where(
                *wish_where,
                Wish.status == WishStatus.LIT.value,
                Wish.lit_at >= period.since,
                Wish.lit_at < period.until,
            )
        )
        waiting = await session.scalar(
            select(func.count(Wish.id)).where(*wish_where, Wish.status == WishStatus.OPEN.value)
        )
    turnout = await activities.figures([a.id for a in held])
    diaries = await digest(db, grid, month, orgs)
    return MonthlyReport(
        scope=grid.orgs[org_id].name if org_id else "全部",
        org_id=org_id,
        month=month,
        figures=this,
        previous=last,
        topics=topics,
        activities=[HeldActivity(a, turnout[a.id]) for a in held],
        wishes_lit=int(lit or 0),
        wishes_open=int(waiting or 0),
        zone=zone,
        diaries=diaries,
    )

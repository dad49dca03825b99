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

from sqlalchemy import case, func, or_, select

from bot.activities.models import Activity, ActivityStatus
from bot.activities.service import ActivityService, SignupFigures
from bot.console.dashboard import Figures, figures, questions_in
from bot.console.period import Period
from bot.diary.report import DiaryDigest, digest
from bot.faq.model import EntryKind, FaqEntry
from bot.grid.model import Grid
from bot.qa.models import Question
from bot.safety.masking import mask_pii
from bot.storage.database import Database
from bot.storage.planner import unindexed
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


Key = tuple[str, str | None, str | None]
"""A question's outcome, the entry that answered it and the entry that matched it best."""


@dataclass(frozen=True, slots=True)
class _Month:
    """A month's questions counted by `Key`, and the topics worked out from them."""

    keys: Counter[Key]
    topics: Counter[str]

    def by_outcome(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (outcome, _, _), count in self.keys.items():
            counts[outcome] += count
        return dict(counts)


async def _keys(
    db: Database, before: Period, period: Period, orgs: Collection[str] | None
) -> tuple[Counter[Key], Counter[Key]]:
    """The questions of the month before and of the month, counted by `Key` in one grouped read
    of both, in the order of the index `ix_questions_report` (its columns lead with the key)."""
    if before.until != period.since:
        raise ValueError("the months must follow each other")
    # On SQLite, not by the time's indexes: it walks ix_questions_report in group order instead
    # of sorting two months of keys (that sort was most of the report's time; the walk reads
    # the index once, several times faster at 100k questions). PostgreSQL hashes the keys.
    time = unindexed(Question.created_at, db.dialect)
    both = Period(before.first, period.last, period.zone)
    key = (Question.outcome, Question.entry_id, Question.nearest_id)
    earlier = func.sum(case((time < period.since, 1), else_=0))
    last: Counter[Key] = Counter()
    this: Counter[Key] = Counter()
    async with db.session() as session:
        rows = await session.execute(
            select(*key, earlier, func.count())
            .where(*questions_in(both, orgs, time))
            .group_by(*key)
        )
        for outcome, entry_id, nearest_id, early, count in rows.all():
            if early:
                last[outcome, entry_id, nearest_id] = int(early)
            if count - early:
                this[outcome, entry_id, nearest_id] = int(count - early)
    return last, this


async def _months(
    db: Database,
    before: Period,
    period: Period,
    orgs: Collection[str] | None,
    entries: Mapping[str, FaqEntry],
    grid: Grid,
) -> tuple[_Month, _Month]:
    """The month before and the month: questions by `Key`, and by topic (by the entry that
    answered, else by the entry that matched best; only the questions whose topic needs their
    words are read, one row per text, for both months at once)."""
    keyed = await _keys(db, before, period, orgs)
    topics: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    wordy: set[str] = set()
    unmatched = False
    for counts, keys in zip(topics, keyed, strict=True):
        for (_, entry_id, nearest_id), count in keys.items():
            if entry_id is not None:
                topic = topic_of(entries.get(entry_id), "", grid)
                if topic is not None:
                    counts[topic] += count
                continue
            # Not answered from the FAQ: by the entry that matched best (its first tag), and
            # the words where no tagged entry matched.
            entry = entries.get(nearest_id or "")
            if entry is not None and (entry.kind is not EntryKind.FAQ or entry.tags):
                topic = topic_of(entry, "", grid)
                if topic is not None:
                    counts[topic] += count
            elif nearest_id:
                wordy.add(nearest_id)  # an untagged or removed entry: the words decide
            else:
                unmatched = True
    nearest = Question.nearest_id
    by_words = ([nearest.is_(None)] if unmatched else []) + (
        [nearest.in_(sorted(wordy))] if wordy else []
    )
    if by_words:
        earlier = func.sum(case((Question.created_at < period.since, 1), else_=0))
        both = Period(before.first, period.last, period.zone)
        async with db.session() as session:
            texts = await session.execute(
                select(func.min(Question.text), earlier, func.count(Question.id))
                .where(*questions_in(both, orgs), Question.entry_id.is_(None), or_(*by_words))
                .group_by(Question.normalized)
                .order_by(func.count(Question.id).desc())
                .limit(TEXTS_READ)
            )
            for text, early, count in texts.all():
                topic = topic_of(None, text or "", grid) or OTHER
                topics[0][topic] += int(early)
                topics[1][topic] += int(count - early)
    return (
        _Month(keyed[0], +topics[0]),
        _Month(keyed[1], +topics[1]),
    )


async def _examples(
    db: Database,
    period: Period,
    orgs: Collection[str] | None,
    entries: Mapping[str, FaqEntry],
    grid: Grid,
) -> dict[str, list[str]]:
    """Up to `EXAMPLES` masked examples of each topic, from the month's newest `EXAMPLE_ROWS`
    questions (crisis messages never)."""
    shown: dict[str, list[str]] = {}
    async with db.session() as session:
        rows = await session.execute(
            select(Question.text, Question.entry_id, Question.nearest_id)
            .where(*questions_in(period, orgs), Question.risk_level.is_(None), Question.text != "")
            # Newest first along the index of time (ids break ties): the first rows found are
            # the ones kept, where ordering by id alone sorted the month's rows first.
            .order_by(Question.created_at.desc(), Question.id.desc())
            .limit(EXAMPLE_ROWS)
        )
        for text, entry_id, best in rows.all():
            topic = topic_of(entries.get(entry_id or best or ""), text, grid)
            if topic is not None and len(shown.setdefault(topic, [])) < EXAMPLES:
                example = mask_pii(text.strip())[:60]
                if example not in shown[topic]:
                    shown[topic].append(example)
    return shown


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
    if db.dialect == "sqlite":  # one read at a time: the figures reuse the grouped read's outcomes
        (earlier, current), shown = await asyncio.gather(
            _months(db, before, period, orgs, entries, grid),
            _examples(db, period, orgs, entries, grid),
        )
        this, last = await asyncio.gather(
            figures(db, now, orgs, period, current.by_outcome()),
            figures(db, now, orgs, before, earlier.by_outcome()),
        )
    else:  # several connections: everything at once, each figure with its own count
        (earlier, current), shown, this, last = await asyncio.gather(
            _months(db, before, period, orgs, entries, grid),
            _examples(db, period, orgs, entries, grid),
            figures(db, now, orgs, period),
            figures(db, now, orgs, before),
        )
    topics = [
        Topic(name, count, earlier.topics.get(name, 0), tuple(shown.get(name, ())))
        for name, count in current.topics.most_common(TOPICS_SHOWN)
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

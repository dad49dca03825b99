"""The dashboard's figures: questions collected and how they were answered, likes and 没用,
open and overdue cases, the median first response; by day and by org.

The totals come from the service /统计 uses (`bot.cases.stats.report`), so the console and the
chat command never disagree; the breakdown by day and by org is one grouped scan of the same
questions. Everything counts questions asked (cases opened) in the period, in the orgs chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, select

from bot.cases.models import Case
from bot.cases.service import ACTIVE
from bot.cases.stats import report
from bot.console.period import Period
from bot.grid.model import Grid, Org
from bot.qa.model import Outcome
from bot.qa.models import Question
from bot.storage.database import Database

BY_FAQ = (Outcome.ANSWERED.value, Outcome.CHOSEN.value)
BY_PEOPLE = (Outcome.HUMAN.value,)


@dataclass(frozen=True, slots=True)
class Figures:
    """The dashboard's totals."""

    collected: int
    by_faq: int
    by_people: int
    likes: int
    not_helpful: int
    open_cases: int
    overdue: int
    median_first_response: timedelta | None


@dataclass(frozen=True, slots=True)
class Tally:
    """Questions of one day or one org."""

    collected: int = 0
    by_faq: int = 0
    by_people: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.collected + other.collected,
            self.by_faq + other.by_faq,
            self.by_people + other.by_people,
        )

    @classmethod
    def of(cls, outcome: str, count: int) -> Tally:
        """`count` questions of `outcome`."""
        return cls(
            count,
            count if outcome in BY_FAQ else 0,
            count if outcome in BY_PEOPLE else 0,
        )


def questions_in(
    period: Period, orgs: Collection[str] | None, time: Any = Question.created_at
) -> list:
    """The conditions of "questions asked in `period` in `orgs`" (None: everywhere); `time`:
    the creation time as the query should read it (e.g. `bot.storage.planner.unindexed`)."""
    where = [time >= period.since, time < period.until]
    if orgs is not None:
        where.append(Question.org_id.in_(orgs))
    return where


async def figures(
    db: Database,
    now: datetime,
    orgs: Collection[str] | None,
    period: Period,
    by_outcome: Mapping[str, int] | None = None,
) -> Figures:
    """The totals of questions asked in `period` in `orgs` (None: everywhere); `by_outcome`:
    their counts by outcome, where the caller has read them already."""
    cases = await report(db, now, orgs, period.since, period.until, by_outcome=by_outcome)
    where = [Case.status.in_(ACTIVE), Case.opened_at >= period.since, Case.opened_at < period.until]
    if orgs is not None:
        where.append(Case.origin_org_id.in_(orgs))
    async with db.session() as session:
        open_cases = int(await session.scalar(select(func.count(Case.id)).where(*where)) or 0)
    return Figures(
        collected=cases.collected,
        by_faq=cases.by_faq,
        by_people=cases.by_people,
        likes=cases.likes,
        not_helpful=cases.not_helpful,
        open_cases=open_cases,
        overdue=sum(cases.overdue_by_org.values()),
        median_first_response=cases.median_first_response,
    )


@dataclass(frozen=True, slots=True)
class OrgRow:
    """An org's questions, its own and those of every org below it."""

    org: Org | None
    """None: questions of no org (private chats, groups outside the grid)."""
    depth: int
    tally: Tally


@dataclass(frozen=True, slots=True)
class Breakdown:
    """The period's questions by local day and by org."""

    days: list[tuple[date, Tally]]
    """Every day of the period, days of none included."""
    orgs: list[OrgRow]


def _day_of(at: Any, starts: list[datetime], first: int, end: int) -> Any:
    """The index of the day (of `first` to `end` - 1) `at` falls on, `starts` being each day's
    first instant: halving the days at each step, five comparisons a row for a month where a
    list of cases made up to thirty."""
    if end - first <= 1:
        return literal(first)
    middle = (first + end) // 2
    return case(
        (at < starts[middle], _day_of(at, starts, first, middle)),
        else_=_day_of(at, starts, middle, end),
    )


async def breakdown(
    db: Database,
    grid: Grid,
    shown: list[tuple[Org, int]],
    orgs: Collection[str] | None,
    period: Period,
) -> Breakdown:
    """Questions of `period` in `orgs` by day, and a row per org in `shown` (tree order, with
    depth) counting its whole subtree; for an unlimited view (`orgs` None) also a row of
    questions of no org. One grouped query (day, org, outcome)."""
    # Day boundaries are computed here in the configured zone (DST-safe, either database).
    bucket = _day_of(Question.created_at, period.day_starts(), 0, len(period.days()))
    inner = (
        select(
            bucket.label("day"),
            Question.org_id.label("org_id"),
            Question.outcome.label("outcome"),
        )
        .where(*questions_in(period, orgs))
        .subquery()
    )
    query = select(inner.c.day, inner.c.org_id, inner.c.outcome, func.count()).group_by(
        inner.c.day, inner.c.org_id, inner.c.outcome
    )
    days = period.days()
    by_day = [Tally() for _ in days]
    own: dict[str | None, Tally] = {}
    async with db.session() as session:
        for index, org_id, outcome, count in (await session.execute(query)).all():
            tally = Tally.of(outcome, count)
            if 0 <= index < len(days):
                by_day[index] += tally
            own[org_id] = own.get(org_id, Tally()) + tally
    rows = []
    for org, depth in shown:
        total = Tally()
        for org_id in grid.descendants(org.id):
            total += own.get(org_id, Tally())
        rows.append(OrgRow(org, depth, total))
    if orgs is None:
        nowhere = Tally()
        for org_id, tally in own.items():
            if org_id is None or org_id not in grid.orgs:
                nowhere += tally
        rows.append(OrgRow(None, 0, nowhere))
    return Breakdown(list(zip(days, by_day, strict=True)), rows)

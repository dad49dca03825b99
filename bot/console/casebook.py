"""Cases as the console lists them: filtered by state, org and period, urgent first; one case
with its askers and its whole event log. Reading only: every change goes through
`bot.cases.service.CaseService`, as in chat."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import func, or_, select

from bot.cases.models import Case, CaseAsker, CaseEvent, CaseStatus
from bot.cases.service import ACTIVE, unnotified_cases
from bot.console.period import Period
from bot.console.scope import Viewer
from bot.storage.database import Database

LIST_LIMIT = 200


class State(str, Enum):
    """Which cases a list shows."""

    ACTIVE = "active"
    OVERDUE = "overdue"
    ANSWERED = "answered"
    CLOSED = "closed"
    ALL = "all"


STATE_NAMES = {
    State.ACTIVE: "未回复",
    State.OVERDUE: "已超时",
    State.ANSWERED: "已回复",
    State.CLOSED: "已关闭",
    State.ALL: "全部",
}


@dataclass(frozen=True, slots=True)
class CaseFile:
    """One case, its askers' number and its log."""

    case: Case
    askers: int
    events: list[CaseEvent]
    unnotified: bool = False
    """Assigned, but its assignee has not been reached yet (未通知到)."""
    group_platforms: frozenset[str] = frozenset()
    """The platforms of the askers who asked in a group."""


def _scope_filter(viewer: Viewer, chosen: Collection[str] | None) -> list:
    """Cases from the `chosen` orgs (an org and those below it, in scope: as the dashboard
    counts them), else every case the viewer sees (`Viewer.sees_case`)."""
    if chosen is not None:
        return [Case.origin_org_id.in_(chosen)]
    if viewer.orgs is None:
        return []
    seen = [Case.org_id.in_(viewer.orgs), Case.origin_org_id.in_(viewer.orgs)]
    if viewer.person is not None:
        seen.append(Case.assignee_id == viewer.person.id)
    return [or_(*seen)]


async def cases(
    db: Database,
    viewer: Viewer,
    state: State,
    chosen: Collection[str] | None,
    period: Period | None,
    now: datetime,
    limit: int = LIST_LIMIT,
) -> tuple[int, list[Case]]:
    """How many cases match, and the first `limit`: urgent first (highest risk first), then
    the longest waiting (active) or the newest (others). `chosen`: the orgs of a chosen org."""
    where = _scope_filter(viewer, chosen)
    if period is not None:
        where += [Case.opened_at >= period.since, Case.opened_at < period.until]
    if state is State.ACTIVE:
        where.append(Case.status.in_(ACTIVE))
    elif state is State.OVERDUE:
        where += [Case.status.in_(ACTIVE), Case.due_at < now]
    elif state is State.ANSWERED:
        where.append(Case.status == CaseStatus.ANSWERED.value)
    elif state is State.CLOSED:
        where.append(Case.status == CaseStatus.CLOSED.value)
    order = (
        (Case.opened_at, Case.id)
        if state in (State.ACTIVE, State.OVERDUE)
        else (Case.opened_at.desc(), Case.id.desc())
    )
    async with db.session() as session:
        total = int(await session.scalar(select(func.count(Case.id)).where(*where)) or 0)
        found = (
            await session.scalars(
                select(Case)
                .where(*where)
                .order_by(Case.urgent.desc(), Case.risk_level.desc(), *order)
                .limit(limit)
            )
        ).all()
    return total, list(found)


async def case_file(db: Database, viewer: Viewer, case_id: int) -> CaseFile | None:
    """One case the viewer sees, or None (unknown, or outside their scope)."""
    async with db.session() as session:
        case = await session.get(Case, case_id)
        if case is None or not viewer.sees_case(case):
            return None
        askers = int(
            await session.scalar(
                select(func.count(CaseAsker.id)).where(CaseAsker.case_id == case_id)
            )
            or 0
        )
        events = (
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ).all()
        in_groups = (
            await session.scalars(
                select(CaseAsker.platform)
                .where(CaseAsker.case_id == case_id, CaseAsker.group_id.is_not(None))
                .distinct()
            )
        ).all()
        unnotified = case.id in await unnotified_cases(session, [case])
    return CaseFile(case, askers, list(events), unnotified, frozenset(in_groups))


async def unnotified(db: Database, cases: Collection[Case]) -> set[int]:
    """The ids of the listed cases whose assignee has not been reached (未通知到)."""
    async with db.session() as session:
        return await unnotified_cases(session, list(cases))

"""/统计: questions, answers by the FAQ and by people, first response, overdue cases, likes."""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.cases.models import Case, CaseStatus
from bot.qa.models import Question
from bot.qa.stats import question_stats, unassigned_by_platform
from bot.storage.database import Database


@dataclass(frozen=True, slots=True)
class Report:
    """The figures of one /统计 report."""

    collected: int
    by_faq: int
    by_people: int
    likes: int
    median_first_response: timedelta | None
    overdue_by_org: dict[str | None, int]
    not_helpful: int = 0
    """没用 given to answers of those questions."""
    unassigned: dict[str, int] = field(default_factory=dict)
    """Of an everywhere report: platform -> questions that belong to no org (counted above)."""

    @property
    def answer_rate(self) -> float:
        """Share of collected questions answered by the FAQ or by a person."""
        return (self.by_faq + self.by_people) / self.collected if self.collected else 0.0


async def report(
    db: Database,
    now: datetime,
    orgs: Collection[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    unassigned_on: str | None = None,
    by_outcome: Mapping[str, int] | None = None,
) -> Report:
    """Figures for questions asked in [since, until), in `orgs` (None: everywhere).

    `unassigned_on`: instead, the questions of that platform that belong to no org (the try
    page's), and the cases they opened. `by_outcome`: the questions' counts by outcome, where the
    caller has them (see `question_stats`)."""
    questions = await question_stats(
        db, since, until, orgs, unassigned_on=unassigned_on, by_outcome=by_outcome
    )
    opened = []
    if orgs is not None:
        opened.append(Case.origin_org_id.in_(orgs))
    if unassigned_on is not None:
        opened.append(Case.origin_org_id.is_(None))
        opened.append(
            Case.question_id.in_(
                select(Question.id).where(
                    Question.platform == unassigned_on, Question.org_id.is_(None)
                )
            )
        )
    if since is not None:
        opened.append(Case.opened_at >= since)
    if until is not None:
        opened.append(Case.opened_at < until)
    async with db.session() as session:
        responses = (
            await session.execute(
                select(Case.opened_at, Case.answered_at).where(
                    Case.answered_at.is_not(None), *opened
                )
            )
        ).all()
        overdue = dict(
            (
                await session.execute(
                    select(Case.org_id, func.count())
                    .where(
                        Case.status.in_((CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value)),
                        Case.due_at < now,
                        *opened,
                    )
                    .group_by(Case.org_id)
                )
            ).all()
        )
    waits = [answered - opened_at for opened_at, answered in responses]
    return Report(
        collected=questions.collected,
        by_faq=questions.answered_by_faq,
        by_people=questions.answered_by_people,
        likes=questions.likes,
        median_first_response=statistics.median(waits) if waits else None,
        overdue_by_org=overdue,
        not_helpful=questions.not_helpful,
        unassigned=(
            await unassigned_by_platform(db, since, until)
            if orgs is None and unassigned_on is None
            else {}
        ),
    )

"""Counts of questions and feedback: what 青年之声 calls 问 / 答 / 赞."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.qa.model import Outcome
from bot.qa.models import Feedback, Question
from bot.storage.database import Database
from bot.storage.planner import unindexed


@dataclass(frozen=True, slots=True)
class QuestionStats:
    """Totals over a time range."""

    collected: int
    answered_by_faq: int
    suggested: int
    unanswered: int
    crisis: int
    likes: int
    not_helpful: int
    answered_by_people: int = 0


async def question_stats(
    db: Database,
    since: datetime | None = None,
    until: datetime | None = None,
    orgs: Collection[str] | None = None,
    *,
    unassigned_on: str | None = None,
    by_outcome: Mapping[str, int] | None = None,
) -> QuestionStats:
    """Questions by outcome and feedback counts, optionally within [since, until) and `orgs`.

    `unassigned_on`: only the questions of that platform that belong to no org (the try page's:
    the bucket 网页（未归属组织）). `by_outcome`: those questions' counts by outcome, where the
    caller has read them already (the monthly report, with its topics)."""
    where = []
    if orgs is not None:
        where.append(Question.org_id.in_(orgs))
    if unassigned_on is not None:
        where += [Question.org_id.is_(None), Question.platform == unassigned_on]
    rated = [*where]  # feedback's: read first, its questions looked up (few get feedback)
    for conditions, at in (
        (where, Question.created_at),
        (rated, unindexed(Question.created_at, db.dialect)),
    ):
        if since is not None:
            conditions.append(at >= since)
        if until is not None:
            conditions.append(at < until)
    async with db.session() as session:
        if by_outcome is None:
            by_outcome = dict(
                (
                    await session.execute(
                        select(Question.outcome, func.count())
                        .where(*where)
                        .group_by(Question.outcome)
                    )
                ).all()
            )
        by_feedback = dict(
            (
                await session.execute(
                    select(Feedback.helpful, func.count())
                    .join(Question, Question.id == Feedback.question_id)
                    .where(*rated)
                    .group_by(Feedback.helpful)
                )
            ).all()
        )
    return QuestionStats(
        collected=sum(by_outcome.values()),
        answered_by_faq=by_outcome.get(Outcome.ANSWERED.value, 0)
        + by_outcome.get(Outcome.CHOSEN.value, 0),
        suggested=by_outcome.get(Outcome.SUGGESTED.value, 0),
        unanswered=by_outcome.get(Outcome.UNANSWERED.value, 0),
        crisis=by_outcome.get(Outcome.CRISIS.value, 0),
        likes=by_feedback.get(True, 0),
        not_helpful=by_feedback.get(False, 0),
        answered_by_people=by_outcome.get(Outcome.HUMAN.value, 0),
    )


async def unassigned_by_platform(
    db: Database, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Platform -> questions that belong to no org (private chats, the try page) in the range."""
    where = [Question.org_id.is_(None)]
    if since is not None:
        where.append(Question.created_at >= since)
    if until is not None:
        where.append(Question.created_at < until)
    async with db.session() as session:
        rows = await session.execute(
            select(Question.platform, func.count()).where(*where).group_by(Question.platform)
        )
        return {str(platform): int(count) for platform, count in rows.all()}

"""The questions behind a dashboard figure: the drill-down list."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import exists, func, select

from bot.cases.models import CaseAsker
from bot.console.dashboard import BY_FAQ, BY_PEOPLE
from bot.console.period import Period
from bot.qa.model import Outcome
from bot.qa.models import Feedback, Question
from bot.safety.masking import mask_pii
from bot.storage.database import Database

LIST_LIMIT = 200
"""Most questions one list shows (the count above it is of all)."""

OUTCOME_NAMES = {
    Outcome.ANSWERED.value: "问答库回答",
    Outcome.CHOSEN.value: "选择后回答",
    Outcome.SUGGESTED.value: "给了选项",
    Outcome.UNANSWERED.value: "待人工",
    Outcome.CRISIS.value: "危机求助",
    Outcome.HUMAN.value: "人工回答",
    Outcome.SMALL_TALK.value: "闲聊",
    Outcome.OUT_OF_SCOPE.value: "非团务",
}


class Kind(str, Enum):
    """Which questions a list shows."""

    ALL = "all"
    BY_FAQ = "faq"
    BY_PEOPLE = "people"
    LIKED = "liked"
    NOT_HELPFUL = "not_helpful"


KIND_NAMES = {
    Kind.ALL: "收到的问题",
    Kind.BY_FAQ: "问答库回答的问题",
    Kind.BY_PEOPLE: "人工回答的问题",
    Kind.LIKED: "被点赞的问题",
    Kind.NOT_HELPFUL: "被点“没用”的问题",
}


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """One question as the list shows it (phone and ID numbers masked)."""

    id: int
    asked_at: datetime
    text: str
    outcome: str
    org_id: str | None
    entry_id: str | None
    case_id: int | None
    likes: int
    not_helpful: int


def _feedback(question_id: object, helpful: bool):
    return (
        select(func.count(Feedback.id))
        .where(Feedback.question_id == question_id, Feedback.helpful.is_(helpful))
        .scalar_subquery()
    )


async def questions(
    db: Database,
    kind: Kind,
    orgs: Collection[str] | None,
    period: Period,
    limit: int = LIST_LIMIT,
) -> tuple[int, list[QuestionRow]]:
    """How many questions of `kind` were asked in `period` in `orgs`, and the newest `limit`."""
    where = [Question.created_at >= period.since, Question.created_at < period.until]
    if orgs is not None:
        where.append(Question.org_id.in_(orgs))
    if kind is Kind.BY_FAQ:
        where.append(Question.outcome.in_(BY_FAQ))
    elif kind is Kind.BY_PEOPLE:
        where.append(Question.outcome.in_(BY_PEOPLE))
    elif kind in (Kind.LIKED, Kind.NOT_HELPFUL):
        where.append(
            exists().where(
                Feedback.question_id == Question.id,
                Feedback.helpful.is_(kind is Kind.LIKED),
            )
        )
    case_id = (
        select(func.min(CaseAsker.case_id))
        .where(CaseAsker.question_id == Question.id)
        .scalar_subquery()
    )
    async with db.session() as session:
        total = int(await session.scalar(select(func.count(Question.id)).where(*where)) or 0)
        rows = (
            await session.execute(
                select(
                    Question.id,
                    Question.created_at,
                    Question.text,
                    Question.outcome,
                    Question.org_id,
                    Question.entry_id,
                    case_id,
                    _feedback(Question.id, True),
                    _feedback(Question.id, False),
                )
                .where(*where)
                .order_by(Question.created_at.desc(), Question.id.desc())
                .limit(limit)
            )
        ).all()
    return total, [
        QuestionRow(
            id=row[0],
            asked_at=row[1],
            text=mask_pii(row[2]),
            outcome=row[3],
            org_id=row[4],
            entry_id=row[5],
            case_id=row[6],
            likes=int(row[7] or 0),
            not_helpful=int(row[8] or 0),
        )
        for row in rows
    ]

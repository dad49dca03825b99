"""团情日记 in the monthly 团情分析 report: visits by org, recurring problems, open follow-ups.

A problem's topic is the grid topic its words name (就业, 心理 …), else 其他; a topic raised in
two diaries or more is recurring. Open follow-ups are those of visits up to the month's end that
are not done yet (see `FollowUpView.open`), whenever the visit was. Texts are masked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.diary.models import Diary, FollowUp
from bot.diary.service import FollowUpView, case_statuses, lines_of, month_bounds
from bot.grid.model import Grid
from bot.safety.masking import mask_pii
from bot.storage.database import Database

OTHER = "其他"
EXAMPLES = 3
OPEN_SHOWN = 20
RECURRING = 2
"""Diaries that must raise a topic for it to be recurring."""


@dataclass(frozen=True, slots=True)
class OrgVisits:
    """The month's visits to one org."""

    org_id: str | None
    name: str
    visits: int
    youths: int


@dataclass(frozen=True, slots=True)
class ProblemTopic:
    """Problems of one topic raised in the month's diaries."""

    name: str
    diaries: int
    """Diaries that raised it."""
    examples: tuple[str, ...]

    @property
    def recurring(self) -> bool:
        return self.diaries >= RECURRING


@dataclass(frozen=True, slots=True)
class OpenFollowUp:
    """A follow-up not done yet."""

    id: int
    diary_id: int
    visited_on: date
    org: str
    text: str
    status: str


@dataclass(frozen=True, slots=True)
class DiaryDigest:
    """What the month's diaries say."""

    diaries: int
    authors: int
    youths: int
    by_org: list[OrgVisits]
    problems: list[ProblemTopic]
    open_followups: list[OpenFollowUp]
    """The oldest `OPEN_SHOWN` of them."""
    open_count: int

    @property
    def recurring(self) -> list[ProblemTopic]:
        return [p for p in self.problems if p.recurring]


def _org_name(grid: Grid, org_id: str | None) -> str:
    org = grid.orgs.get(org_id or "")
    return org.name if org else "未指定组织"


async def digest(
    db: Database, grid: Grid, month: date, orgs: Collection[str] | None
) -> DiaryDigest:
    """The diaries of visits in `month` to `orgs` (None: everywhere)."""
    first, following = month_bounds(month)
    scope = [] if orgs is None else [Diary.org_id.in_(sorted(orgs))]
    async with db.session() as session:
        diaries = (
            await session.scalars(
                select(Diary)
                .where(*scope, Diary.visited_on >= first, Diary.visited_on < following)
                .order_by(Diary.visited_on, Diary.id)
            )
        ).all()
        pending = (
            await session.execute(
                select(FollowUp, Diary.visited_on, Diary.org_id)
                .join(Diary, Diary.id == FollowUp.diary_id)
                .where(*scope, Diary.visited_on < following, FollowUp.done_at.is_(None))
                .order_by(Diary.visited_on, FollowUp.id)
            )
        ).all()
        statuses = await case_statuses(session, [f.case_id for f, _, _ in pending if f.case_id])
    visits: dict[str | None, list[int]] = {}
    topics: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for diary in diaries:
        count = visits.setdefault(diary.org_id, [0, 0])
        count[0] += 1
        count[1] += diary.youths_met
        raised: set[str] = set()
        for line in lines_of(diary.problems):
            topic = grid.topic_of(line) or OTHER
            raised.add(topic)
            shown = examples.setdefault(topic, [])
            example = mask_pii(line)[:60]
            if len(shown) < EXAMPLES and example not in shown:
                shown.append(example)
        topics.update(raised)
    opened = [
        OpenFollowUp(
            f.id,
            f.diary_id,
            visited_on,
            _org_name(grid, org_id),
            mask_pii(f.text),
            view.status,
        )
        for f, visited_on, org_id in pending
        if (view := FollowUpView(f, statuses.get(f.case_id or 0))).open
    ]
    return DiaryDigest(
        diaries=len(diaries),
        authors=len({d.author_id for d in diaries}),
        youths=sum(d.youths_met for d in diaries),
        by_org=sorted(
            (OrgVisits(org_id, _org_name(grid, org_id), n, y) for org_id, (n, y) in visits.items()),
            key=lambda v: (-v.visits, v.name),
        ),
        problems=[
            ProblemTopic(name, n, tuple(examples.get(name, ())))
            for name, n in sorted(topics.items(), key=lambda t: (-t[1], t[0] == OTHER, t[0]))
        ],
        open_followups=opened[:OPEN_SHOWN],
        open_count=len(opened),
    )

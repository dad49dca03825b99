"""团情日记: a cadre records a grassroots visit; the "四个一" of the month; follow-ups as cases.

A diary is written at once when its dialogue (or the console form) is complete: no drafts. Its
follow-ups are rows of their own. A follow-up becomes a case through the case service exactly as
a youth's unanswered question does (a question of the visited org, routed by the grid); the case
is the follow-up's status until it is answered or closed. The author asked it, so the answer
comes back to the author where they wrote the diary.

台州's "四个一" per cadre per month: days of grassroots work (distinct visit days), 一件实事, 一篇
调研报告, 结对一个团支部书记 (diaries marked so), 结交一批青年 (youths met, summed).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cases import texts as case_texts
from bot.cases.models import Case, CaseAsker
from bot.cases.service import ACTIVE, CaseService
from bot.chat.speaker import Speaker, speaker_of
from bot.diary import texts
from bot.diary.models import Diary, FollowUp
from bot.faq.model import Band
from bot.faq.normalize import normalize
from bot.grid.model import Grid
from bot.grid.model import Role as GridRole
from bot.grid.service import GridService
from bot.qa.model import Outcome
from bot.qa.models import Question
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

TEXT_LIMIT = 1000
"""Most characters of what was heard, and of the problems."""
FOLLOWUP_LIMIT = 300
FOLLOWUPS_MAX = 10
YOUTHS_MAX = 10000
PLACE_LIMIT = 100
MARKS = ("deed", "research", "paired")
"""The "四个一" a diary is marked with (the other two are counted)."""
NOTHING_WORDS = frozenset({"无", "没有", "暂无", "没", "否", "不用", "不需要"})
_LINES = re.compile(r"[\n；;]+")
_PENDING = 0
"""`FollowUp.case_id` while its case is being opened (claimed against a second click)."""


DEMO_DIARIES = (
    (
        "8 高三学生和班主任",
        "盼着学校多开职业规划讲座，想知道暑期实习的门路。",
        "找实习没有渠道\n晚自习后回家路上没有路灯",
        "联系区人社局进校开一次就业讲座\n反映路灯问题到街道",
        ("deed",),
    ),
    (
        "12 外卖骑手和快递小哥",
        "希望有个能歇脚、充电、喝口热水的地方，想多交朋友。",
        "被拖欠工资不知道找谁维权\n工作压力大睡不好",
        "对接法律援助律师来驿站答疑",
        ("research", "paired"),
    ),
)
"""The local demo's diaries: (youths met, heard, problems, follow-ups, marks)."""


class DiaryError(Exception):
    """A request refused; the message says why (in Chinese)."""


@dataclass(slots=True)
class Entry:
    """What a cadre wrote about one visit (the dialogue's answers, or the console's form)."""

    visited_on: date
    org_id: str | None
    place: str = ""
    youths_met: int = 0
    youths_note: str = ""
    heard: str = ""
    problems: str = ""
    followups: list[str] = field(default_factory=list)
    marks: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Progress:
    """One cadre's "四个一" in one month."""

    month: date
    workdays: int
    deed: int
    research: int
    paired: int
    youths: int
    targets: dict[str, int]

    def items(self) -> list[tuple[str, int, int]]:
        """(key, done, target) in the order of `texts.FOUR_ONES`."""
        return [(key, getattr(self, key), self.targets[key]) for key in texts.FOUR_ONES]

    @property
    def complete(self) -> bool:
        return all(done >= target for _, done, target in self.items())


@dataclass(frozen=True, slots=True)
class FollowUpView:
    """A follow-up with what became of it."""

    followup: FollowUp
    case_status: str | None
    """The status of its case (None: no case)."""

    @property
    def open(self) -> bool:
        """Not done yet: no case and not marked done, or its case still waits for an answer."""
        if self.followup.case_id is not None:
            return self.case_status is None or self.case_status in ACTIVE
        return self.followup.done_at is None

    @property
    def status(self) -> str:
        f = self.followup
        if f.case_id == _PENDING:
            return texts.STATUS_PENDING
        if f.case_id is not None:
            name = case_texts.STATUS.get(self.case_status or "", "办理中")
            return texts.STATUS_CASE.format(case=f.case_id, status=name)
        return texts.STATUS_DONE if f.done_at is not None else texts.STATUS_OPEN


def lines_of(text: str) -> list[str]:
    """The items of a list a cadre typed: one a line (or split by ；), "无" for none."""
    items = [item.strip(" 　,，、.。") for item in _LINES.split(text.strip())]
    return [item for item in items if item and item not in NOTHING_WORDS]


_FULL_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_SHORT_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_AHEAD = timedelta(days=31)
_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}


def parse_day(text: str, today: date) -> date:
    """A day a cadre wrote: 今天, 昨天, 前天, 2026-12-01, 12-01, 12月1日 (this year's, or last
    year's when this year's is over a month ahead). Raises `DiaryError` for anything else."""
    text = text.strip()
    if text in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[text])
    try:
        full = _FULL_DAY.fullmatch(text)
        if full:
            return date(int(full.group(1)), int(full.group(2)), int(full.group(3)))
        short = _SHORT_DAY.fullmatch(text)
        if short:
            day = date(today.year, int(short.group(1)), int(short.group(2)))
            # 12-30 said on 1月2日 is the December just past; 12-05 said on 12-03 is a mistake.
            return day.replace(year=today.year - 1) if day > today + _AHEAD else day
    except ValueError:  # a day the calendar lacks (2-30): as bad as no date at all
        raise DiaryError(texts.BAD_DATE) from None
    raise DiaryError(texts.BAD_DATE)


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of `month` and of the month after."""
    first = month.replace(day=1)
    return first, (first.replace(day=28) + timedelta(days=4)).replace(day=1)


class DiaryService:
    """Diaries in the database, the grid for scopes, the case service for follow-ups."""

    def __init__(
        self,
        db: Database,
        grid: GridService,
        settings: Settings,
        cases: CaseService,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.grid_service = grid
        self.settings = settings
        self.cases = cases
        self.clock = clock

    @property
    def grid(self) -> Grid:
        return self.grid_service.grid

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    # ---- writing -------------------------------------------------------------------------

    def check(self, entry: Entry) -> None:
        """Refuse what cannot be saved, with the reason."""
        today = self.today()
        if entry.visited_on > today:
            raise DiaryError(texts.FUTURE_DATE)
        if entry.visited_on < today - timedelta(days=366):
            raise DiaryError(texts.OLD_DATE)
        if not 0 <= entry.youths_met <= YOUTHS_MAX:
            raise DiaryError(texts.BAD_YOUTHS_FORM.format(limit=YOUTHS_MAX))
        if not entry.heard.strip():
            raise DiaryError(texts.HEARD_REQUIRED)
        for text in (entry.heard, entry.problems):
            if len(text) > TEXT_LIMIT:
                raise DiaryError(texts.TOO_LONG.format(limit=TEXT_LIMIT))
        if any(len(f) > FOLLOWUP_LIMIT for f in entry.followups):
            raise DiaryError(texts.TOO_LONG.format(limit=FOLLOWUP_LIMIT))
        if len(entry.followups) > FOLLOWUPS_MAX:
            raise DiaryError(f"跟进事项最多 {FOLLOWUPS_MAX} 件。")

    async def record(self, author: Speaker, entry: Entry) -> tuple[Diary, list[FollowUp]]:
        """Save a visit of `author` and its follow-ups."""
        self.check(entry)
        reach = self._reach(author)
        name = author.person.name if author.person else author.account
        diary = Diary(
            author_id=author.id,
            author_name=name[:64],
            platform=reach.platform,
            account=reach.account,
            visited_on=entry.visited_on,
            org_id=entry.org_id,
            place=entry.place.strip()[:PLACE_LIMIT],
            youths_met=entry.youths_met,
            youths_note=entry.youths_note.strip()[:200],
            heard=entry.heard.strip(),
            problems=entry.problems.strip(),
            deed="deed" in entry.marks,
            research="research" in entry.marks,
            paired="paired" in entry.marks,
            created_at=self.clock(),
        )
        async with self.db.session() as session:
            session.add(diary)
            await session.flush()
            followups = [
                FollowUp(diary_id=diary.id, text=text, created_at=self.clock())
                for text in entry.followups
            ]
            session.add_all(followups)
            await session.flush()
        log.info("diary %s by %s at %s saved", diary.id, author.id, diary.org_id)
        return diary, followups

    def org_for(self, author: Speaker, named: str) -> tuple[str | None, str]:
        """(org id, place) of a place a cadre named: an org of the grid in their scope, else
        their own org with the place as written (a visit outside their scope counts in their
        own org's report, not in another's)."""
        org_id = self.grid.find_org(named)
        person = author.person
        if org_id is not None and (
            author.is_admin or (person is not None and self.grid.is_above_or_at(person, org_id))
        ):
            return org_id, ""
        place = self.grid.orgs[org_id].name if org_id is not None else named.strip()
        return (author.orgs[0] if author.orgs else None), place[:PLACE_LIMIT]

    def place_name(self, diary: Diary) -> str:
        org = self.grid.orgs.get(diary.org_id or "")
        if diary.place:
            return diary.place if org is None else f"{diary.place}（{org.name}）"
        return org.name if org else "未指定组织"

    # ---- reading -------------------------------------------------------------------------

    def sees(self, speaker: Speaker, diary: Diary) -> bool:
        """The author, admins, and people at or above the visited org see a diary."""
        if speaker.is_admin or diary.author_id == speaker.id:
            return True
        person = speaker.person
        return (
            person is not None
            and diary.org_id is not None
            and self.grid.is_above_or_at(person, diary.org_id)
        )

    async def get(self, speaker: Speaker, diary_id: int) -> Diary:
        async with self.db.session() as session:
            diary = await session.get(Diary, diary_id)
        if diary is None or not self.sees(speaker, diary):
            raise DiaryError(texts.NOT_FOUND.format(id=diary_id))
        return diary

    async def mine(self, author_id: str, limit: int = 10) -> list[Diary]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Diary)
                .where(Diary.author_id == author_id)
                .order_by(Diary.visited_on.desc(), Diary.id.desc())
                .limit(limit)
            )
            return list(rows.all())

    async def listing(
        self,
        orgs: Collection[str] | None,
        author_id: str | None,
        month: date | None = None,
        limit: int = 200,
    ) -> list[Diary]:
        """Diaries of `orgs` (None: all) and those `author_id` wrote, newest first."""
        query = select(Diary).order_by(Diary.visited_on.desc(), Diary.id.desc()).limit(limit)
        if orgs is not None:
            mine = Diary.author_id == (author_id or "")
            query = query.where(Diary.org_id.in_(sorted(orgs)) | mine)
        if month is not None:
            first, following = month_bounds(month)
            query = query.where(Diary.visited_on >= first, Diary.visited_on < following)
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def followups(self, diary_ids: Sequence[int]) -> dict[int, list[FollowUpView]]:
        """The follow-ups of each diary with their cases' status."""
        if not diary_ids:
            return {}
        async with self.db.session() as session:
            rows = (
                await session.scalars(
                    select(FollowUp)
                    .where(FollowUp.diary_id.in_(list(diary_ids)))
                    .order_by(FollowUp.id)
                )
            ).all()
            statuses = await case_statuses(session, [f.case_id for f in rows if f.case_id])
        found: dict[int, list[FollowUpView]] = {i: [] for i in diary_ids}
        for f in rows:
            found[f.diary_id].append(FollowUpView(f, statuses.get(f.case_id or 0)))
        return found

    async def diary_of_case(self, case_id: int) -> Diary | None:
        """The diary whose follow-up became case `case_id`, if one did."""
        async with self.db.session() as session:
            return await session.scalar(
                select(Diary)
                .join(FollowUp, FollowUp.diary_id == Diary.id)
                .where(FollowUp.case_id == case_id)
            )

    async def progress(self, author_id: str, month: date) -> Progress:
        """`author_id`'s "四个一" in `month`."""
        first, following = month_bounds(month)
        in_month = (
            Diary.author_id == author_id,
            Diary.visited_on >= first,
            Diary.visited_on < following,
        )
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(
                        func.count(func.distinct(Diary.visited_on)),
                        func.coalesce(func.sum(Diary.youths_met), 0),
                    ).where(*in_month)
                )
            ).one()
            marks = {}
            for mark in MARKS:
                column = getattr(Diary, mark)
                marks[mark] = int(
                    await session.scalar(
                        select(func.count(Diary.id)).where(*in_month, column.is_(True))
                    )
                    or 0
                )
        targets = {
            "workdays": self.settings.diary_workdays_target,
            "deed": 1,
            "research": 1,
            "paired": 1,
            "youths": self.settings.diary_youths_target,
        }
        return Progress(first, int(row[0]), youths=int(row[1]), targets=targets, **marks)

    def progress_text(self, progress: Progress) -> str:
        month = f"{progress.month.year}年{progress.month.month}月"
        lines = [texts.PROGRESS_HEADER.format(month=month)]
        for key, done, target in progress.items():
            name, unit = texts.FOUR_ONES[key]
            lines.append(
                texts.PROGRESS_LINE.format(
                    mark=texts.DONE_MARK if done >= target else texts.TODO_MARK,
                    name=name,
                    done=done,
                    target=target,
                    unit=unit,
                )
            )
        return "\n".join(lines)

    # ---- follow-ups ------------------------------------------------------------------------

    async def _open_followup(
        self, session: AsyncSession, speaker: Speaker, followup_id: int
    ) -> tuple[FollowUp, Diary]:
        """The follow-up `speaker` may act on, still open; else a DiaryError saying why."""
        followup = await session.get(FollowUp, followup_id)
        diary = await session.get(Diary, followup.diary_id) if followup else None
        if followup is None or diary is None or not self.sees(speaker, diary):
            raise DiaryError(texts.FOLLOWUP_NOT_FOUND.format(id=followup_id))
        _refuse_if_settled(followup)
        return followup, diary

    async def to_case(self, speaker: Speaker, followup_id: int) -> int:
        """Turn a follow-up into a case, routed like a youth's unanswered question from the
        visited org; the case's id. Whoever sees the diary may."""
        async with self.db.session() as session:
            followup, diary = await self._open_followup(session, speaker, followup_id)
            # One case per follow-up, whoever asks at the same instant.
            won = await session.execute(
                update(FollowUp)
                .where(
                    FollowUp.id == followup_id,
                    FollowUp.case_id.is_(None),
                    FollowUp.done_at.is_(None),
                )
                .values(case_id=_PENDING)
            )
            if not won.rowcount:
                raise DiaryError(texts.ALREADY_CASE.format(id=followup_id, case="办理中"))
        try:
            case_id = await self._open_case(diary, followup)
        except Exception:
            async with self.db.session() as session:
                await session.execute(
                    update(FollowUp)
                    .where(FollowUp.id == followup_id, FollowUp.case_id == _PENDING)
                    .values(case_id=None)
                )
            raise
        async with self.db.session() as session:
            await session.execute(
                update(FollowUp).where(FollowUp.id == followup_id).values(case_id=case_id)
            )
        log.info("diary follow-up %s became case %s", followup_id, case_id)
        return case_id

    async def _open_case(self, diary: Diary, followup: FollowUp) -> int:
        text = followup.text
        question = Question(
            platform=diary.platform,
            group_id=None,
            user_id=diary.account,
            message_id=f"diary-followup-{followup.id}",
            account="",
            text=text,
            normalized=normalize(text),
            matches=[],
            band=Band.ESCALATE.value,
            outcome=Outcome.UNANSWERED.value,
            org_id=diary.org_id,
            asker=texts.CASE_ASKER.format(name=diary.author_name)[:16],
            created_at=self.clock(),
        )
        async with self.db.session() as session:
            session.add(question)
            await session.flush()
        handed = await self.cases.hand_over(question, urgent=False, new=True)
        if handed.then is not None:
            await handed.then()
        async with self.db.session() as session:
            case_id = await session.scalar(
                select(CaseAsker.case_id).where(CaseAsker.question_id == question.id)
            )
        if case_id is None:
            raise RuntimeError(f"no case opened for diary follow-up {followup.id}")
        return int(case_id)

    async def mark_done(self, speaker: Speaker, followup_id: int) -> None:
        """A follow-up without a case is done."""
        async with self.db.session() as session:
            await self._open_followup(session, speaker, followup_id)
            won = await session.execute(
                update(FollowUp)
                .where(
                    FollowUp.id == followup_id,
                    FollowUp.case_id.is_(None),
                    FollowUp.done_at.is_(None),
                )
                .values(done_at=self.clock())
            )
            if not won.rowcount:
                raise DiaryError(texts.ALREADY_DONE.format(id=followup_id))

    def _reach(self, author: Speaker) -> Speaker:
        """Where the author hears of their follow-ups' answers: the chat they wrote from; from
        the console, their first account of the grid."""
        if author.platform == "console" and author.person is not None:
            return speaker_of(author.person)
        return author

    # ---- the local demo --------------------------------------------------------------------

    async def seed_demo(self) -> int:
        """On an empty table, a few diaries of the grid's first cadres at the orgs they look
        after (the local demo's DIARY_DEMO=true), one follow-up turned into a case; how many."""
        async with self.db.session() as session:
            if await session.scalar(select(func.count()).select_from(Diary)):
                return 0
        cadres = [p for p in self.grid.people.values() if p.orgs and p.role is GridRole.CADRE]
        if not cadres:
            return 0
        today = self.today()
        made = 0
        for n, (youths, heard, problems, followups, marks) in enumerate(DEMO_DIARIES):
            person = cadres[n % len(cadres)]
            count, _, note = youths.partition(" ")
            org_id = _lowest(self.grid, person.orgs[0], n)
            _, items = await self.record(
                speaker_of(person),
                Entry(
                    visited_on=max(today.replace(day=1), today - timedelta(days=2 * (1 - n))),
                    org_id=org_id,
                    youths_met=int(count),
                    youths_note=note,
                    heard=heard,
                    problems=problems,
                    followups=lines_of(followups),
                    marks=frozenset(marks),
                ),
            )
            if n == 0 and items:
                await self.to_case(speaker_of(person), items[0].id)
            made += 1
        log.info("diaries: %d demo diaries seeded", made)
        return made


def _refuse_if_settled(followup: FollowUp) -> None:
    if followup.case_id is not None:
        case = followup.case_id or "办理中"
        raise DiaryError(texts.ALREADY_CASE.format(id=followup.id, case=case))
    if followup.done_at is not None:
        raise DiaryError(texts.ALREADY_DONE.format(id=followup.id))


def _lowest(grid: Grid, org_id: str, n: int) -> str:
    """The `n`-th org (round the list) at the bottom of the tree under `org_id` (a 团支部 to
    visit), else `org_id` itself."""
    below = sorted(grid.descendants(org_id) - {org_id})
    leaves = [o for o in below if grid.descendants(o) == frozenset({o})]
    return leaves[n % len(leaves)] if leaves else org_id


async def case_statuses(session: AsyncSession, case_ids: Iterable[int]) -> dict[int, str]:
    """Case id -> its status."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = await session.execute(select(Case.id, Case.status).where(Case.id.in_(ids)))
    return {int(case_id): status for case_id, status in rows.all()}

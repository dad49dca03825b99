"""A youth's personal data: what is stored about them (我的数据), erasing it on request
(删除我的数据), and erasing old questions' personal fields after RETENTION_DAYS.

What "erase" means, table by table (the rows stay where statistics count them):
- questions: text, normalised text, account, message id and masked name are cleared; outcome,
  band, matched entries, org, group and times stay (问/答 counts, answer rates, hot entries).
- case_askers, deliveries: the account and message ids are cleared; answers still waiting for
  them are dropped. A case keeps its number, status and the cadre's answer; its question text
  passes to the next asker still in it, or is cleared (an open case nobody else waits for is
  closed: nobody is left to answer).
- feedback: the account is replaced by a per-row placeholder (likes still count).
- bot_messages of their questions: deleted (a quote of an old reply finds nothing).
- activity sign-ups (on request only): places in upcoming activities are given up (the waitlist
  moves up), then account, nickname and extra fields (name, phone, school) are cleared.
- WeChat reply records (but the one being answered) and customer-service windows, private
  outbox messages to them: deleted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import String, cast, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activities.export import remove_expired_exports
from bot.activities.models import Activity, Signup, SignupStatus
from bot.cases.models import (
    Case,
    CaseAsker,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Delivery,
    DeliveryStatus,
)
from bot.common.periodic import Periodic
from bot.delivery.models import OutboxMessage
from bot.groups.models import GroupMember, GroupVote, InterestGroup
from bot.privacy.models import EraseRequest
from bot.qa.models import BotMessage, Feedback, Question
from bot.safety.masking import mask_user
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore
from bot.wechat.models import WeChatReply, WeChatWindow

log = logging.getLogger(__name__)

ERASED = ""
"""What an erased account, text or message id becomes."""
CLOSED_REASON = "提问人已删除个人数据"
CONFIRM_WINDOW = timedelta(minutes=5)
"""How long a request to erase waits for its confirmation."""
_BATCH = 500
"""Questions erased per transaction by the retention job."""
_ACTIVE_CASE = (CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value)
_ACTIVE_SIGNUP = (SignupStatus.SIGNED.value, SignupStatus.WAITLISTED.value)


class SignupCanceller(Protocol):
    """Gives up a youth's place in an activity (the activity service)."""

    async def cancel_signup(self, activity_id: int, platform: str, user_id: str) -> object:
        """Withdraw the youth; the waitlist moves up."""
        ...


@dataclass(frozen=True, slots=True)
class DataSummary:
    """What is stored about one youth on one platform."""

    questions: int
    latest: tuple[str, ...]
    """Their latest question texts, newest first."""
    likes: int
    not_helpful: int
    cases: int
    """Questions of theirs handed to a person."""
    signups: tuple[tuple[str, tuple[str, ...]], ...]
    """(activity title, names of the extra fields they filled in) per sign-up."""
    wechat: int
    """WeChat records (callback replies, the customer-service window)."""
    groups: tuple[str, ...] = ()
    """The interest groups they are in."""
    votes: int = 0
    """Their votes in interest groups' polls."""


@dataclass(slots=True)
class Erased:
    """How many rows of each kind were erased or deleted."""

    questions: int = 0
    feedback: int = 0
    signups: int = 0
    cases_closed: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        """Every row touched."""
        return self.questions + self.feedback + self.signups + self.cases_closed + self.other


def _placeholder(column: Any) -> Any:
    """A per-row placeholder account ("erased:<row id>") for tables unique on the account."""
    return literal("erased:") + cast(column, String)


class PrivacyService:
    """Summary, erasure on request and retention of youths' personal data."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        activities: SignupCanceller | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.settings = settings
        self.activities = activities
        self.clock = clock
        self._timer = Periodic("privacy clean-up", self.tick, lambda: settings.privacy_tick_seconds)

    # ---- 我的数据 -----------------------------------------------------------------------------

    async def summary(self, platform: str, user_id: str, latest: int = 3) -> DataSummary:
        """What is stored about `user_id` on `platform`."""
        mine = (Question.platform == platform, Question.user_id == user_id)
        async with self.db.session() as session:
            questions = await session.scalar(select(func.count()).where(*mine)) or 0
            texts = (
                await session.scalars(
                    select(Question.text)
                    .where(*mine)
                    .order_by(Question.created_at.desc(), Question.id.desc())
                    .limit(latest)
                )
            ).all()
            feedback = dict(
                (
                    await session.execute(
                        select(Feedback.helpful, func.count())
                        .where(Feedback.platform == platform, Feedback.user_id == user_id)
                        .group_by(Feedback.helpful)
                    )
                ).all()
            )
            cases = (
                await session.scalar(
                    select(func.count(func.distinct(CaseAsker.case_id))).where(
                        CaseAsker.platform == platform, CaseAsker.user_id == user_id
                    )
                )
                or 0
            )
            signups = (
                await session.execute(
                    select(Activity.title, Signup.answers)
                    .join(Activity, Activity.id == Signup.activity_id)
                    .where(Signup.platform == platform, Signup.user_id == user_id)
                    .order_by(Signup.signed_up_at.desc())
                )
            ).all()
            groups = (
                await session.scalars(
                    select(InterestGroup.name)
                    .join(GroupMember, GroupMember.group_id == InterestGroup.id)
                    .where(GroupMember.platform == platform, GroupMember.user_id == user_id)
                    .order_by(InterestGroup.id)
                )
            ).all()
            votes = (
                await session.scalar(
                    select(func.count()).where(
                        GroupVote.platform == platform, GroupVote.user_id == user_id
                    )
                )
                or 0
            )
            wechat = 0
            if platform == "wechat":
                for table in (WeChatReply, WeChatWindow):
                    wechat += (
                        await session.scalar(
                            select(func.count()).select_from(table).where(table.openid == user_id)
                        )
                        or 0
                    )
        return DataSummary(
            questions=questions,
            latest=tuple(texts),
            likes=feedback.get(True, 0),
            not_helpful=feedback.get(False, 0),
            cases=cases,
            signups=tuple(
                (title, tuple(name for name, value in (answers or {}).items() if value))
                for title, answers in signups
            ),
            wechat=wechat,
            groups=tuple(groups),
            votes=votes,
        )

    # ---- 删除我的数据 ---------------------------------------------------------------------------

    async def request_forget(self, platform: str, user_id: str) -> None:
        """The youth asked to erase their data: `confirm_forget` within CONFIRM_WINDOW does it,
        in any process sharing the database (the request is stored there, not in memory)."""
        now = self.clock()
        async with self.db.session() as session:
            # Asking again restarts the window: one row per youth, replaced.
            await session.execute(
                delete(EraseRequest).where(
                    EraseRequest.platform == platform, EraseRequest.user_id == user_id
                )
            )
            await insert_ignore(
                session,
                EraseRequest,
                platform=platform,
                user_id=user_id,
                requested_at=now,
                expires_at=now + CONFIRM_WINDOW,
            )

    async def confirm_forget(self, platform: str, user_id: str) -> Erased | None:
        """Erase the youth's data if they asked within CONFIRM_WINDOW; None if they did not.
        The request is taken by one DELETE: of two processes confirming at once, one erases."""
        async with self.db.session() as session:
            taken = await session.execute(
                delete(EraseRequest).where(
                    EraseRequest.platform == platform,
                    EraseRequest.user_id == user_id,
                    EraseRequest.expires_at >= self.clock(),
                )
            )
        if not taken.rowcount:
            return None
        return await self.forget(platform, user_id)

    async def forget(self, platform: str, user_id: str) -> Erased:
        """Erase everything personal stored about `user_id` on `platform` (see the module)."""
        erased = Erased()
        if not user_id:
            return erased
        await self._give_up_places(platform, user_id)
        async with self.db.session() as session:
            ids = (
                await session.scalars(
                    select(Question.id).where(
                        Question.platform == platform, Question.user_id == user_id
                    )
                )
            ).all()
            erased.questions, erased.cases_closed = await self._erase_questions(session, ids)
            erased.feedback = (
                await session.execute(
                    update(Feedback)
                    .where(Feedback.platform == platform, Feedback.user_id == user_id)
                    .values(user_id=_placeholder(Feedback.id))
                )
            ).rowcount
            erased.signups = (
                await session.execute(
                    update(Signup)
                    .where(Signup.platform == platform, Signup.user_id == user_id)
                    .values(user_id=_placeholder(Signup.id), nickname="", answers={}, group_id=None)
                )
            ).rowcount
            for statement in (
                delete(OutboxMessage).where(
                    OutboxMessage.platform == platform,
                    OutboxMessage.chat_type == "private",
                    OutboxMessage.chat_id == user_id,
                ),
                # Interest groups: out of every group; their votes stay counted, by nobody.
                delete(GroupMember).where(
                    GroupMember.platform == platform, GroupMember.user_id == user_id
                ),
                update(GroupVote)
                .where(GroupVote.platform == platform, GroupVote.user_id == user_id)
                .values(user_id=_placeholder(GroupVote.id)),
                # Outbox messages held for their private chat (pull delivery) go with them.
                delete(Delivery).where(
                    Delivery.platform == platform,
                    Delivery.user_id == user_id,
                    Delivery.group_id.is_(None),
                    Delivery.asker_id.is_(None),
                ),
                *(
                    # The callback being answered keeps its record until done, so a retry of
                    # it still gets the same reply (which holds no personal data).
                    (
                        delete(WeChatReply).where(
                            WeChatReply.openid == user_id, WeChatReply.status != "pending"
                        ),
                        delete(WeChatWindow).where(WeChatWindow.openid == user_id),
                    )
                    if platform == "wechat"
                    else ()
                ),
            ):
                erased.other += (await session.execute(statement)).rowcount
        log.info(
            "personal data of %s user %s erased on request: %d rows",
            platform,
            mask_user(user_id),
            erased.total,
        )
        return erased

    async def _give_up_places(self, platform: str, user_id: str) -> None:
        """Withdraw the youth from upcoming activities, so the waitlist moves up."""
        if self.activities is None:
            return
        async with self.db.session() as session:
            activity_ids = (
                await session.scalars(
                    select(Signup.activity_id)
                    .join(Activity, Activity.id == Signup.activity_id)
                    .where(
                        Signup.platform == platform,
                        Signup.user_id == user_id,
                        Signup.status.in_(_ACTIVE_SIGNUP),
                        Activity.starts_at >= self.clock(),
                    )
                )
            ).all()
        for activity_id in activity_ids:
            try:
                await self.activities.cancel_signup(activity_id, platform, user_id)
            except Exception:
                # Cancelled meanwhile: nothing to give up; the row is erased just the same.
                log.info("activity %s: sign-up already withdrawn", activity_id)

    async def _erase_questions(self, session: AsyncSession, ids: Sequence[int]) -> tuple[int, int]:
        """Erase the personal fields of questions `ids` and of what points at them; returns
        (questions erased, cases closed)."""
        if not ids:
            return 0, 0
        closed = await self._release_cases(session, ids)
        asker_ids = select(CaseAsker.id).where(CaseAsker.question_id.in_(ids))
        await session.execute(
            delete(Delivery).where(
                Delivery.asker_id.in_(asker_ids), Delivery.status == DeliveryStatus.HELD.value
            )
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.asker_id.in_(asker_ids))
            .values(user_id=ERASED, text=ERASED, reply_to=None)
        )
        await session.execute(
            update(CaseAsker)
            .where(CaseAsker.question_id.in_(ids))
            .values(user_id=ERASED, message_id=ERASED)
        )
        await session.execute(delete(BotMessage).where(BotMessage.question_id.in_(ids)))
        count = (
            await session.execute(
                update(Question)
                .where(Question.id.in_(ids))
                .values(
                    text=ERASED, normalized=ERASED, user_id=ERASED, message_id=ERASED, asker=ERASED
                )
            )
        ).rowcount
        return count, closed

    async def _release_cases(self, session: AsyncSession, ids: Sequence[int]) -> int:
        """Cases whose question text is one of `ids`: it passes to the next asker still in the
        case, or is cleared; an open case nobody else waits for is closed. Returns how many."""
        gone = set(ids)
        cases = (await session.scalars(select(Case).where(Case.question_id.in_(ids)))).all()
        closed = 0
        for case in cases:
            others = (
                await session.execute(
                    select(Question.id, Question.text, Question.normalized)
                    .join(CaseAsker, CaseAsker.question_id == Question.id)
                    .where(CaseAsker.case_id == case.id, Question.user_id != ERASED)
                    .order_by(CaseAsker.id)
                )
            ).all()
            remaining = [row for row in others if row.id not in gone]
            if remaining:
                case.question_id, case.text, case.normalized = remaining[0]
                continue
            case.text = case.normalized = ERASED
            if case.status in _ACTIVE_CASE:
                case.status = CaseStatus.CLOSED.value
                case.closed_at = self.clock()
                case.close_reason = CLOSED_REASON
                case.remind_at = case.due_at = None
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        kind=CaseEventKind.CLOSED.value,
                        actor="system",
                        detail={"reason": CLOSED_REASON},
                        at=self.clock(),
                    )
                )
                closed += 1
        return closed

    # ---- retention -------------------------------------------------------------------------

    async def expire(self) -> int:
        """Erase the personal fields of questions older than RETENTION_DAYS (0: keep them),
        except those still waiting in an open case. Returns how many were erased."""
        days = self.settings.retention_days
        if days <= 0:
            return 0
        cutoff = self.clock() - timedelta(days=days)
        waiting = (
            select(CaseAsker.question_id)
            .join(Case, Case.id == CaseAsker.case_id)
            .where(Case.status.in_(_ACTIVE_CASE))
        )
        total = 0
        while True:
            async with self.db.session() as session:
                ids = (
                    await session.scalars(
                        select(Question.id)
                        .where(
                            Question.created_at < cutoff,
                            Question.user_id != ERASED,
                            Question.id.not_in(waiting),
                        )
                        .order_by(Question.id)
                        .limit(_BATCH)
                    )
                ).all()
                if not ids:
                    break
                count, _ = await self._erase_questions(session, ids)
                await session.execute(
                    update(Feedback)
                    .where(Feedback.question_id.in_(ids), Feedback.user_id.not_like("erased:%"))
                    .values(user_id=_placeholder(Feedback.id))
                )
                total += count
        if total:
            log.info(
                "retention: personal fields of %d questions older than %d days erased", total, days
            )
        return total

    async def tick(self) -> tuple[int, int]:
        """One clean-up round: (questions erased by retention, expired export files deleted);
        requests to erase that were never confirmed are dropped."""
        async with self.db.session() as session:
            await session.execute(
                delete(EraseRequest).where(EraseRequest.expires_at < self.clock())
            )
        erased = await self.expire()
        removed = await asyncio.get_running_loop().run_in_executor(
            None,
            remove_expired_exports,
            self.settings.data_dir / "exports",
            self.settings.export_ttl_hours,
            self.clock().timestamp(),
        )
        return erased, removed

    def start(self) -> None:
        """Run the clean-up every PRIVACY_TICK_SECONDS in the background."""
        self._timer.start()

    async def stop(self) -> None:
        """Stop the clean-up loop."""
        await self._timer.stop()

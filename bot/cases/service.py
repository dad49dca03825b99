"""The case service: open, route, notify, answer, deliver, remind and escalate.

Every state change is a compare-and-set UPDATE or happens inside one transaction, so several
bot processes sharing one PostgreSQL never act twice on the same case or timer.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.cases import texts
from bot.cases.learn import LearnedFileError, append_learned_entry, scope_of_case
from bot.cases.models import (
    RISKY_LEVEL,
    Case,
    CaseAsker,
    CaseEvent,
    CaseEventKind,
    CaseMessage,
    CaseStatus,
    Delivery,
    DeliveryStatus,
)
from bot.cases.routing import Route, escalation_target, levels_from, route
from bot.cases.similarity import Similarity
from bot.cases.sla import BusinessCalendar
from bot.chat.speaker import Speaker
from bot.common.periodic import Periodic
from bot.delivery.channel import AccountChannel, Channel, SendError, account_for
from bot.delivery.models import OutboxMessage, OutboxStatus
from bot.faq.model import EntryKind
from bot.faq.service import FaqService
from bot.grid.model import Grid, Person
from bot.grid.service import GridService
from bot.qa.model import Outcome
from bot.qa.models import BotMessage, Question
from bot.qa.service import HandedOver
from bot.safety.crisis import RiskLevel
from bot.safety.masking import mask_pii
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore

if TYPE_CHECKING:
    from bot.accounts.service import AccountLinks
    from bot.delivery.outbox import Outbox, OutboxSent

log = logging.getLogger(__name__)

PUSHED_NOTIFICATIONS = ("qq", "wecom")
"""Platforms `_notify` messages a person on unprompted (elsewhere a notification waits)."""

ACTIVE = (CaseStatus.OPEN.value, CaseStatus.ASSIGNED.value)
ROUTING_GRACE = timedelta(minutes=1)
"""How old an unassigned case must be before the timer tries to route it again (a new one is
routed right after the youth's reply; the timer is for nobody on duty, or a stop in between)."""
SYSTEM = "system"
NOT_REACHED = ("failed", "held")
"""`via` of a notification that did not reach its person (held: until they next message)."""
NOTIFY_KEY = "case:{case}:notify:"
"""The outbox key prefix of a case's notifications queued for a retry."""


class CaseError(Exception):
    """A refusal or a mistake the person can act on; the message is Chinese and safe to show."""


@dataclass(frozen=True, slots=True)
class AnswerResult:
    """How many askers got the answer now, and how many wait for their next message."""

    case_id: int
    sent: int
    held: int
    polled: int = 0
    """Of the held, those on a page that asks every few seconds (the try page)."""
    privately: int = 0
    """Askers of a risk case who asked in a group and get the answer in private instead."""
    private_waiting: int = 0
    """Of those, the ones it could not reach now: the group was told to look in private."""
    group_only: int = 0
    """Askers of a risk case in a group of a platform that cannot write privately (the official
    QQ bot): the answer, without their question, waits for their own next @ there."""


class CaseService:
    """Cases from open to closed. Implements `bot.qa.service.Handover`."""

    def __init__(
        self,
        db: Database,
        faq: FaqService,
        grid: GridService,
        settings: Settings,
        channels: Mapping[str, Channel],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.faq = faq
        self.grid_service = grid
        self.settings = settings
        self.channels = dict(channels)
        self.clock = clock
        self.calendar = BusinessCalendar.from_settings(settings)
        self._timers = Periodic("case timers", self.tick, lambda: self.settings.case_tick_seconds)
        self._held_chats: set[tuple[str, str]] | None = None
        """Chats that may have held answers (None: not read yet); spares every message a query."""
        self._similarity: Similarity | None = None
        self.links: AccountLinks | None = None
        """Accounts linked in the bot (official-QQ openids); None: the grid files' alone."""
        self.outbox: Outbox | None = None
        """Where a QQ notification that could not go out waits for a connected account and is
        retried (`outbox_sent` records it once sent); None: not retried."""

    @property
    def grid(self) -> Grid:
        """The grid being served now."""
        return self.grid_service.grid

    # ---- opening -------------------------------------------------------------------------

    async def hand_over(self, question: Question, *, urgent: bool, new: bool = False) -> HandedOver:
        """Open a case for `question` (or join an open one asking the same): the case the
        youth's reply names, and truthfully: "passed to a cadre" only when the person who has
        the case, or whom routing picks for it now, can be reached (`reachable`). Giving a new
        case to that person and telling them follow that reply; should the bot stop in between,
        the timer routes it (see `tick`). `new`: the question was asked just now, so no case can
        hold it yet."""
        case_id, merged, opened = await self._open(question, urgent, new)
        taker = await self._taker(case_id)
        if taker is not None and self.reachable(taker):
            told = texts.MERGED if merged else texts.OPENED
        else:
            told = texts.MERGED_NOBODY if merged else texts.OPENED_NOBODY
            log.info("case %s: nobody who can be reached takes it; the youth is told so", case_id)
        told = told.format(case=case_id)
        if not opened:
            return HandedOver(told)

        async def route_and_tell() -> None:
            await self._route(case_id, question, opening=True)

        return HandedOver(told, route_and_tell)

    async def _taker(self, case_id: int) -> Person | None:
        """Who has the case, or, while nobody has it, whom routing gives it to now (the same
        choice `_route` makes right after the reply)."""
        async with self.db.session() as session:
            case = await session.get(Case, case_id)
            if case is None:
                return None
            if case.assignee_id is not None:
                return self.grid.people.get(case.assignee_id)
            chosen = route(self.grid, case.origin_org_id, case.topic, await self._load(session))
        return chosen.person if chosen is not None else None

    def alerts_at_once(self, question: Question) -> bool:
        """Whether an urgent case of `question` reaches a person now: someone it alerts on
        opening (`_alert_list`), or every on-duty expert routing may give it to, can be messaged
        unprompted. Read from the grid alone, before the case opens."""
        level = question.risk_level or 0
        if any(self.reachable(p) for p in self._alert_list_for(question.org_id, level)):
            return True
        topic = self.grid.topic_of(question.text)
        experts = self.grid.experts(topic) if topic else []
        return bool(experts) and all(self.reachable(p) for p in experts)

    def accounts(self, person: Person) -> dict[str, str]:
        """Platform -> account of `person`: the grid files' and those linked in the bot."""
        return self.links.accounts(person) if self.links is not None else dict(person.accounts)

    def reachable(self, person: Person) -> bool:
        """Whether the bot can message `person` unprompted now: a contact of theirs on a
        channel that pushes (for QQ: with an account connected). Not whether a send succeeds;
        never through the official QQ bot, which only replies (notifications wait there)."""
        contacts = self.accounts(person)
        for platform in PUSHED_NOTIFICATIONS:
            channel = self.channels.get(platform)
            if not contacts.get(platform) or channel is None or not channel.can_push:
                continue
            if isinstance(channel, AccountChannel) and not channel.accounts():
                continue
            return True
        return False

    async def _open(self, question: Question, urgent: bool, new: bool) -> tuple[int, bool, bool]:
        """The case now holding `question`, whether it joined one, and whether it just opened."""
        async with self.db.session() as session:
            existing = None
            if not new:
                existing = await session.scalar(
                    select(CaseAsker.case_id).where(CaseAsker.question_id == question.id)
                )
            if existing is not None:
                # 转人工 twice for one question: it already waits in its case.
                return existing, False, False
            same = None if urgent else await self._same_open_case(session, question)
            if same is not None:
                same_id, asked_before = same
                if asked_before:
                    # The youth asked again: one case, one answer, no "someone asked it too".
                    return same_id, False, False
                self._add_asker(session, same_id, question)
                self._log(session, same_id, CaseEventKind.MERGED, None, question_id=question.id)
                log.info("question %s merged into case %s", question.id, same_id)
                return same_id, True, False
            case = Case(
                question_id=question.id,
                text=question.text,
                normalized=question.normalized,
                urgent=urgent,
                risk_level=(question.risk_level or 0) if urgent else 0,
                risk_reason=question.risk_reason if urgent else None,
                topic=self.grid.topic_of(question.text),
                origin_org_id=question.org_id,
                org_id=question.org_id,
                opened_at=self.clock(),
            )
            session.add(case)
            await session.flush()
            self._add_asker(session, case.id, question)
            self._log(session, case.id, CaseEventKind.OPENED, None, urgent=urgent)
        return case.id, False, True

    async def _route(
        self, case_id: int, question: Question | None = None, *, opening: bool = False
    ) -> None:
        """Give an unassigned case to a person, then tell them. `opening`: the case has just
        opened, so nobody on duty is logged, and an urgent one also alerts the on-duty cadres of
        its org and the city level (once; the timer's retries alert nobody)."""
        async with self.db.session() as session:
            case = await session.get(Case, case_id)
            if case is None or case.assignee_id is not None:
                return
            if question is None:
                question = await session.get(Question, case.question_id)
            chosen = route(self.grid, case.origin_org_id, case.topic, await self._load(session))
            notify: list[tuple[Person, str]] = []
            if chosen is not None and not await self._assign(session, case, chosen, self.clock()):
                # Another process gave it to someone first, and tells them.
                log.info("case %s was routed by another process", case.id)
                if not (opening and case.urgent):
                    return
                await session.refresh(case)
                chosen = None
            if chosen is not None:
                notify.append((chosen.person, self._notification(case, question)))
            elif opening and case.assignee_id is None:
                log.warning("case %s: nobody on duty to take it", case.id)
            if opening and case.urgent:
                notify += [
                    (person, self._notification(case, question))
                    for person in self._alert_list(case)
                    if person.id != case.assignee_id
                ]
                self._log(
                    session,
                    case.id,
                    CaseEventKind.ALERTED,
                    SYSTEM,
                    people=[p.id for p, _ in notify],
                )
        for person, text in notify:
            await self._notify(case, person, text)

    async def _same_open_case(
        self, session: AsyncSession, question: Question
    ) -> tuple[int, bool] | None:
        """The open case asking the same from the same org, and whether this youth is among its
        askers. One query for every question handed over: only ids and texts are loaded."""
        same_org = (
            Case.origin_org_id == question.org_id
            if question.org_id
            else Case.origin_org_id.is_(None)
        )
        asked = (
            select(CaseAsker.id)
            .where(
                CaseAsker.case_id == Case.id,
                CaseAsker.platform == question.platform,
                CaseAsker.user_id == question.user_id,
            )
            .exists()
        )
        candidates = await session.execute(
            select(Case.id, Case.normalized, asked).where(
                Case.status.in_(ACTIVE), Case.urgent.is_(False), same_org
            )
        )
        similarity = self._merge_similarity()
        best, best_score = None, self.settings.case_merge_similarity
        for case_id, normalized, asked_before in candidates:
            score = similarity.score(normalized, question.normalized)
            if score >= best_score:
                best, best_score = (case_id, bool(asked_before)), score
        return best

    def _merge_similarity(self) -> Similarity:
        """The similarity on the served FAQ's analyzer (a new one when a reload changed it)."""
        analyzer = self.faq.index.analyzer
        if self._similarity is None or self._similarity.analyzer is not analyzer:
            self._similarity = Similarity(analyzer)
        return self._similarity

    @staticmethod
    def _add_asker(session: AsyncSession, case_id: int, question: Question) -> None:
        session.add(
            CaseAsker(
                case_id=case_id,
                question_id=question.id,
                platform=question.platform,
                user_id=question.user_id,
                group_id=question.group_id,
                message_id=question.message_id,
            )
        )

    def _alert_list(self, case: Case) -> list[Person]:
        """Who hears of an urgent case at once (see `_alert_list_for`)."""
        return self._alert_list_for(case.origin_org_id, case.risk_level)

    def _alert_list_for(self, org_id: str | None, risk_level: int) -> list[Person]:
        """Who hears of an urgent case from `org_id` at once: the on-duty cadres of the nearest
        level of its org that has any; for imminent danger (or an ungraded case) also the city
        level (the roots)."""
        orgs: list[str] = []
        for org in levels_from(self.grid, org_id):
            if self.grid.cadres(org.id):
                orgs.append(org.id)
                break
        if risk_level >= RiskLevel.IMMINENT or not risk_level:
            orgs += [org.id for org in self.grid.orgs.values() if not org.parent]
        seen: dict[str, Person] = {}
        for org_id in orgs:
            for person in self.grid.cadres(org_id):
                seen.setdefault(person.id, person)
        return list(seen.values())

    async def _assign(
        self, session: AsyncSession, case: Case, chosen: Route, now: datetime
    ) -> bool:
        """Give the open, unassigned `case` to `chosen`: a compare-and-set, so of processes
        routing the same case at once one wins; False for the others."""
        level = (
            self.grid.orgs[chosen.org_id].level.value if chosen.org_id in self.grid.orgs else None
        )
        due_at, remind_at = self._deadlines(case, level, now)
        values = {
            "assignee_id": chosen.person.id,
            "org_id": chosen.org_id,
            "status": CaseStatus.ASSIGNED.value,
            "due_at": due_at,
            "remind_at": remind_at,
        }
        won = await session.execute(
            update(Case)
            .where(
                Case.id == case.id,
                Case.assignee_id.is_(None),
                Case.status == CaseStatus.OPEN.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not won.rowcount:
            return False
        for name, value in values.items():
            set_committed_value(case, name, value)
        self._log(
            session, case.id, CaseEventKind.ASSIGNED, SYSTEM, to=chosen.person.id, org=chosen.org_id
        )
        return True

    def _deadlines(self, case: Case, level: str | None, now: datetime) -> tuple[datetime, datetime]:
        """(due, remind) of a case owned at org `level` from `now`: an urgent case gets its
        risk level's limit in clock minutes, others the level's limit in business hours."""
        if case.urgent:
            limit = timedelta(minutes=self.settings.urgent_sla_minutes(case.risk_level))
            return now + limit, now + limit / 2
        hours = self.settings.sla_hours(level)
        return self.calendar.add(now, hours), self.calendar.add(now, hours / 2)

    async def _load(self, session: AsyncSession) -> dict[str, int]:
        """Active cases per assignee."""
        rows = await session.execute(
            select(Case.assignee_id, func.count())
            .where(Case.status.in_(ACTIVE), Case.assignee_id.is_not(None))
            .group_by(Case.assignee_id)
        )
        return dict(rows.all())

    # ---- notifying people ------------------------------------------------------------------

    def _place(self, case: Case, question: Question | None) -> str:
        org = self.grid.orgs.get(case.origin_org_id or "")
        where = f"群 {question.group_id}" if question and question.group_id else "私聊"
        return f"{org.name} · {where}" if org else where

    def _notification(self, case: Case, question: Question) -> str:
        # Only entries near enough to be offered as choices, and only League ones: a cadre
        # reading "相近的问答" expects something that could help answer.
        floor = self.settings.faq_suggest_threshold
        faq = [
            entry.question
            for entry in (
                self.faq.get(m["id"]) for m in question.matches[:3] if m.get("score", 0) >= floor
            )
            if entry is not None and entry.kind is EntryKind.FAQ
        ]
        urgent = texts.urgent(case.risk_level, case.risk_reason) if case.urgent else ""
        if case.risky and question.group_id:
            channel = self.channels.get(question.platform)
            pushes = channel is not None and channel.can_push
            urgent += texts.URGENT_PRIVATE if pushes else texts.URGENT_GROUP_ONLY
        return texts.NOTIFY.format(
            mark=texts.mark(case.urgent, case.risk_level),
            case=case.id,
            urgent=urgent,
            question=texts.shown(case.text),
            place=self._place(case, question),
            asker=question.asker or "同学",
            faq=texts.faq_block(faq),
            due=self.local_time(case.due_at) if case.due_at else "尽快",
        )

    def local_time(self, moment: datetime) -> str:
        """A moment as month-day hour:minute in the configured time zone."""
        return moment.astimezone(self.calendar.zone).strftime("%m-%d %H:%M")

    async def _notify(self, case: Case, person: Person, text: str) -> bool:
        """A private message to `person` (through an account they are a friend of); if that
        fails, the org's work group with an @ of them; then 企业微信; else, for a person on a
        platform that cannot push (the official QQ bot), held until they next message it. Not
        reached on QQ, it is also queued in the outbox for their QQ: sent when an account that
        can reach them is connected (e.g. none was at this moment)."""
        contacts = self.accounts(person)
        qq, wecom_id = contacts.get("qq"), contacts.get("wecom")
        channel = self.channels.get("qq")
        via, message_id, account = "failed", None, ""
        if channel is not None and qq:
            try:
                account = account_for(channel, "private", qq)
                message_id = await channel.send_private(qq, text, account=account)
                via = "private"
            except SendError as exc:
                # No QQ account connected (a web-only trial, a reconnect): not an error; the
                # outbox sends it when one connects (below), so no work group is tried now.
                (log.info if exc.offline else log.warning)(
                    "case %s: private message to %s failed: %s", case.id, person.id, exc
                )
                group = self.grid.work_group_of(case.org_id or case.origin_org_id or "")
                if group is not None and group.platform == "qq" and not exc.offline:
                    try:
                        account = account_for(channel, "group", group.id)
                        message_id = await channel.send_group(
                            group.id, text, at=qq, account=account
                        )
                        via = "work_group"
                    except SendError as group_exc:
                        log.error(
                            "case %s: work group %s failed too: %s", case.id, group, group_exc
                        )
        platform = "qq"
        wecom = self.channels.get("wecom")
        if via == "failed" and wecom is not None and wecom_id:
            # Next account of the person: 企业微信 (an app message; cadres answer with /答).
            try:
                message_id, via, platform, account = (
                    await wecom.send_private(wecom_id, text),
                    "wecom",
                    "wecom",
                    "",
                )
            except SendError as exc:
                log.warning("case %s: 企业微信 message to %s failed: %s", case.id, person.id, exc)
        if via == "failed":
            held = await self._hold_notification(case, contacts, text)
            if held is not None:
                # Not "notified" through that platform until shown: a cadre's next plain text
                # there is no answer to a case they have not seen yet.
                via = "held"
        queued = False
        if via in NOT_REACHED and qq and channel is not None and self.outbox is not None:
            # The outbox keeps it until a QQ account that can reach them is connected, then
            # sends it (retrying a failed send); `outbox_sent` records it as notified.
            key = NOTIFY_KEY.format(case=case.id) + f"{person.id}:{uuid.uuid4().hex[:12]}"
            queued = await self.outbox.enqueue(key, "qq", qq, text, chat_type="private")
            log.info(
                "case %s: notification to %s queued until QQ can reach them", case.id, person.id
            )
        async with self.db.session() as session:
            if message_id:
                await insert_ignore(
                    session,
                    CaseMessage,
                    platform=platform,
                    account=account,
                    message_id=message_id,
                    case_id=case.id,
                    sent_at=self.clock(),
                )
            detail: dict[str, object] = {"to": person.id, "via": via}
            if queued:
                detail["queued"] = True
            self._log(session, case.id, CaseEventKind.NOTIFIED, SYSTEM, **detail)
        return via != "failed"

    async def outbox_sent(self, sent: OutboxSent) -> None:
        """An outbox hook: a queued notification (see `_notify`) went out. Its message now
        answers the case when quoted, and its person counts as notified."""
        prefix, case_part, kind, rest = [*sent.key.split(":", 3), "", "", ""][:4]
        if prefix != "case" or kind != "notify" or not case_part.isdigit():
            return
        case_id, person_id = int(case_part), rest.rpartition(":")[0]
        async with self.db.session() as session:
            if await session.get(Case, case_id) is None:
                return
            if sent.message_id:
                await insert_ignore(
                    session,
                    CaseMessage,
                    platform=sent.platform,
                    account=sent.account,
                    message_id=sent.message_id,
                    case_id=case_id,
                    sent_at=self.clock(),
                )
            self._log(
                session,
                case_id,
                CaseEventKind.NOTIFIED,
                SYSTEM,
                to=person_id,
                via=sent.chat_type,
                retried=True,
            )
        log.info("case %s: queued notification reached %s", case_id, person_id)

    async def _drop_queued_notifications(self, case_id: int) -> None:
        """Once a case is answered or closed, its notifications still waiting are moot."""
        if self.outbox is not None:
            await self.outbox.cancel(NOTIFY_KEY.format(case=case_id))

    async def unnotified(self, cases: Sequence[Case]) -> set[int]:
        """Of `cases`, the assigned ones whose assignee has not been reached (see
        `unnotified_cases`)."""
        async with self.db.session() as session:
            return await unnotified_cases(session, cases)

    async def _hold_notification(
        self, case: Case, contacts: Mapping[str, str], text: str
    ) -> str | None:
        """Hold `text` for the person's private chat on a platform that only replies (the
        official QQ bot): it goes out with the bot's reply to their next message there, as
        answers held for youths do. The platform, or None if they have no such account."""
        for platform, account in contacts.items():
            channel = self.channels.get(platform)
            if channel is None or channel.can_push:
                continue
            if platform == "web":
                continue  # the try page acts as people; it is nobody's own chat
            async with self.db.session() as session:
                session.add(
                    Delivery(
                        case_id=case.id,
                        platform=platform,
                        user_id=account,
                        text=text,
                        created_at=self.clock(),
                    )
                )
            if self._held_chats is not None:
                self._held_chats.add(_chat_key(platform, account, None))
            log.info("case %s: notification held for %s on %s", case.id, account, platform)
            return platform
        return None

    # ---- what people do --------------------------------------------------------------------

    async def case_for_message(
        self, platform: str, message_id: str, account: str = ""
    ) -> int | None:
        """The case a bot notification was about (a cadre quoting it answers that case).

        `account`: the bot account the quote came through (QQ: the event's self_id); the same
        id is another message on another account. Rows from before accounts were told apart
        ("") match any account; "" here (cannot tell) matches any row."""
        where = [CaseMessage.platform == platform, CaseMessage.message_id == message_id]
        if account:
            where.append(CaseMessage.account.in_({account, ""}))
        async with self.db.session() as session:
            return await session.scalar(
                select(CaseMessage.case_id)
                .where(*where)
                .order_by(CaseMessage.account.desc(), CaseMessage.id)
                .limit(1)
            )

    async def latest_notified(self, person_id: str, via: str, look_back: int = 200) -> int | None:
        """The latest case not yet closed that `person_id` was notified of through `via`
        (a platform without quotes: a cadre's plain text there answers it)."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(CaseEvent.case_id, CaseEvent.detail)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(
                    CaseEvent.kind == CaseEventKind.NOTIFIED.value,
                    Case.status != CaseStatus.CLOSED.value,
                )
                .order_by(CaseEvent.id.desc())
                .limit(look_back)
            )
            for case_id, detail in rows.all():
                if (detail or {}).get("to") == person_id and (detail or {}).get("via") == via:
                    return int(case_id)
        return None

    async def _get(self, session: AsyncSession, case_id: int, actor: Speaker) -> Case:
        case = await session.get(Case, case_id, with_for_update=self.db.dialect == "postgresql")
        if case is None:
            raise CaseError(texts.UNKNOWN_CASE.format(case=case_id))
        if not self._may_act(actor, case):
            raise CaseError(texts.NOT_ALLOWED.format(case=case_id))
        return case

    def _may_act(self, actor: Speaker, case: Case) -> bool:
        if actor.is_admin or (actor.person is not None and self.grid.is_admin(actor.person)):
            return True
        person = actor.person
        if person is None:
            return False
        if person.id == case.assignee_id:
            return True
        org = case.org_id or case.origin_org_id
        return org is not None and self.grid.is_above_or_at(person, org)

    async def answer(self, case_id: int, actor: Speaker, answer: str) -> AnswerResult:
        """Record a person's answer and send it to every asker (or hold it where it can't go now)."""
        now = self.clock()
        async with self.db.session() as session:
            case = await self._get(session, case_id, actor)
            if case.status == CaseStatus.CLOSED.value:
                raise CaseError(texts.CASE_CLOSED.format(case=case_id))
            case.answer = answer
            case.answered_by = actor.id
            case.answered_at = case.answered_at or now
            case.status = CaseStatus.ANSWERED.value
            case.remind_at = case.due_at = None
            self._log(session, case.id, CaseEventKind.ANSWERED, actor.id, length=len(answer))
            deliveries = await self._queue(
                session,
                case,
                lambda asked: (
                    texts.ANSWER_TO_YOUTH.format(question=_short(asked), answer=answer)
                    if asked is not None
                    else texts.ANSWER_UNQUOTED.format(case=case.id, answer=answer)
                ),
            )
            askers = (
                await session.scalars(
                    select(CaseAsker.question_id).where(CaseAsker.case_id == case.id)
                )
            ).all()
            await session.execute(
                update(Question)
                .where(Question.id.in_(askers))
                .values(outcome=Outcome.HUMAN.value, answered_at=now)
            )
        await self._drop_queued_notifications(case_id)
        sent = polled = privately = private_waiting = group_only = 0
        for delivery, asked_in in deliveries:
            pushed = await self._push(delivery, asked_in)
            sent += pushed
            channel = self.channels.get(delivery.platform)
            polled += not pushed and bool(getattr(channel, "polled", False))
            if asked_in is not None:
                privately += 1
                private_waiting += not pushed
            elif case.risky and delivery.group_id:
                group_only += 1
        log.info(
            "case %s answered by %s: %d sent, %d held, %d privately to group askers",
            case_id,
            actor.id,
            sent,
            len(deliveries) - sent,
            privately,
        )
        return AnswerResult(
            case_id,
            sent,
            len(deliveries) - sent,
            polled,
            privately=privately,
            private_waiting=private_waiting,
            group_only=group_only,
        )

    async def _queue(
        self, session: AsyncSession, case: Case, text_for: Callable[[str | None], str]
    ) -> list[tuple[Delivery, str | None]]:
        """One held delivery per asker, with the group it was asked in when it goes to the
        youth privately instead. `text_for` turns the asker's question into the message (masked
        for a group: the bot never repeats a phone or ID number there; None: the message must
        not repeat it).

        A risk case asked in a group is answered in private where the platform can write to
        the youth unprompted (QQ); where it cannot (the official QQ bot) the answer waits for the
        youth's own next message in the group, and never repeats the question there."""
        rows = await session.execute(
            select(CaseAsker, Question.text, Question.account)
            .join(Question, Question.id == CaseAsker.question_id)
            .where(CaseAsker.case_id == case.id)
        )
        queued: list[tuple[Delivery, str | None]] = []
        for asker, question_text, account in rows.all():
            group, asked_in = asker.group_id, None
            if case.risky and group:
                channel = self.channels.get(asker.platform)
                if channel is not None and channel.can_push:
                    group, asked_in = None, asker.group_id
            if group is None:
                text = text_for(question_text)
            elif case.risky:
                text = text_for(None)
            else:
                text = text_for(mask_pii(question_text))
            delivery = Delivery(
                case_id=case.id,
                asker_id=asker.id,
                platform=asker.platform,
                user_id=asker.user_id,
                group_id=group,
                reply_to=asker.message_id if group else None,
                account=account or "",
                text=text,
                created_at=self.clock(),
            )
            queued.append((delivery, asked_in))
        session.add_all([delivery for delivery, _ in queued])
        await session.flush()
        return queued

    async def _push(self, delivery: Delivery, asked_in: str | None = None) -> bool:
        """Send one delivery now if its platform allows a late push; else leave it held. It goes
        through the account that received the question if that one is connected (the quoted
        question is that account's message), else through one in the chat. `asked_in`: the
        group of a youth answered privately (a risk case); if the private message cannot go,
        that group hears only that the answer waits in private."""
        channel = self.channels.get(delivery.platform)
        sent, message_id, account = False, None, ""
        if channel is not None and channel.can_push:
            try:
                if delivery.group_id:
                    account = account_for(channel, "group", delivery.group_id, delivery.account)
                    # The question is a message of the account that received it: another
                    # account cannot quote it.
                    quoted = not delivery.account or account == delivery.account
                    message_id = await channel.send_group(
                        delivery.group_id,
                        delivery.text,
                        reply_to=delivery.reply_to if quoted else None,
                        at=delivery.user_id,
                        account=account,
                    )
                else:
                    account = account_for(channel, "private", delivery.user_id, delivery.account)
                    message_id = await channel.send_private(
                        delivery.user_id, delivery.text, account=account
                    )
                sent = True
            except SendError as exc:
                log.warning("delivery %s held: %s", delivery.id, exc)
        if not sent and asked_in is not None and channel is not None and channel.can_push:
            await self._tell_answer_waits(delivery, asked_in, channel)
        async with self.db.session() as session:
            if sent:
                await self._mark_sent(session, delivery, message_id, account)
            else:
                self._log(
                    session, delivery.case_id, CaseEventKind.HELD, SYSTEM, delivery=delivery.id
                )
                if self._held_chats is not None:
                    self._held_chats.add(
                        _chat_key(delivery.platform, delivery.user_id, delivery.group_id)
                    )
        return sent

    async def _tell_answer_waits(self, delivery: Delivery, group: str, channel: Channel) -> None:
        """@ the youth in the group they asked in: their answer waits in private. No quote of
        their message and no word of the question or the answer (others read the group)."""
        notice = texts.ANSWER_PRIVATE_NOTICE.format(case=delivery.case_id)
        try:
            account = account_for(channel, "group", group, delivery.account)
            await channel.send_group(group, notice, at=delivery.user_id, account=account)
        except SendError as exc:
            log.warning("delivery %s: the group notice failed too: %s", delivery.id, exc)

    async def _mark_sent(
        self, session: AsyncSession, delivery: Delivery, message_id: str | None, account: str = ""
    ) -> bool:
        claimed = await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.status == DeliveryStatus.HELD.value)
            .values(
                status=DeliveryStatus.SENT.value,
                sent_at=self.clock(),
                attempts=Delivery.attempts + 1,
            )
        )
        if not claimed.rowcount:
            return False
        if delivery.case_id is not None:
            self._log(
                session, delivery.case_id, CaseEventKind.DELIVERED, SYSTEM, delivery=delivery.id
            )
        if message_id and delivery.asker_id is not None:
            asker = await session.get(CaseAsker, delivery.asker_id)
            await insert_ignore(
                session,
                BotMessage,
                platform=delivery.platform,
                account=account,
                message_id=message_id,
                question_id=asker.question_id,
                sent_at=self.clock(),
            )
        return True

    async def release_held(self, platform: str, user_id: str, group_id: str | None) -> list[str]:
        """Deliver held answers now that the youth (or, in a group, anyone) talks to the bot.

        Answers held for a group are released only in that group, private ones only in private,
        so nothing asked in private ever shows in a group. Where the platform can push, they are
        sent here; otherwise their texts are returned for the caller to put in its reply.
        """
        chat = _chat_key(platform, user_id, group_id)
        if self._held_chats is None:
            await self.refresh_held_chats()
        assert self._held_chats is not None
        if chat not in self._held_chats:
            return []
        where = [Delivery.platform == platform, Delivery.status == DeliveryStatus.HELD.value]
        where += (
            [Delivery.group_id == group_id]
            if group_id
            else [Delivery.group_id.is_(None), Delivery.user_id == user_id]
        )
        channel = self.channels.get(platform)
        push = channel is not None and channel.can_push
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Delivery, Case.urgent, Case.risk_level)
                    .outerjoin(Case, Case.id == Delivery.case_id)
                    .where(*where)
                    .order_by(Delivery.id)
                )
            ).all()
        # An answer to a risk case waits in a group for its own youth alone: someone else's @
        # there does not bring it out.
        held = [
            delivery
            for delivery, urgent, level in rows
            if not group_id
            or delivery.asker_id is None
            or not (urgent or (level or 0) >= RISKY_LEVEL)
            or delivery.user_id == user_id
        ]
        if len(held) == len(rows):
            self._held_chats.discard(chat)
        texts_out: list[str] = []
        for delivery in held:
            if push and delivery.asker_id is not None:
                await self._push(delivery)
                continue
            async with self.db.session() as session:
                if await self._mark_sent(session, delivery, None):
                    texts_out.append(delivery.text)
                    await self._shown(session, delivery)
        return texts_out

    async def _shown(self, session: AsyncSession, delivery: Delivery) -> None:
        """What a held delivery that is not an answer did on its way out: a case notification
        now counts as sent there (a cadre's plain text answers it); an outbox row is sent."""
        if delivery.outbox_id is not None:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == delivery.outbox_id)
                .values(status=OutboxStatus.SENT.value, sent_at=self.clock(), last_error=None)
            )
        if delivery.case_id is not None and delivery.asker_id is None:
            person = (
                self.links.person(delivery.platform, delivery.user_id)
                if self.links is not None
                else self.grid.person_by_account(delivery.platform, delivery.user_id)
            )
            if person is not None:
                self._log(
                    session,
                    delivery.case_id,
                    CaseEventKind.NOTIFIED,
                    SYSTEM,
                    to=person.id,
                    via=delivery.platform,
                )

    def note_held(self, platform: str, user_id: str, group_id: str | None) -> None:
        """Something else (the outbox) held a delivery for this chat: release it there."""
        if self._held_chats is not None:
            self._held_chats.add(_chat_key(platform, user_id, group_id))

    async def refresh_held_chats(self) -> None:
        """Re-read which chats have held answers (other processes may have held some too)."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(Delivery.platform, Delivery.user_id, Delivery.group_id)
                .where(Delivery.status == DeliveryStatus.HELD.value)
                .distinct()
            )
            self._held_chats = {_chat_key(*row) for row in rows.all()}

    async def claim(self, case_id: int, actor: Speaker) -> datetime:
        """Take a case (a cadre of its org or above, or an admin): the time limit starts again
        at the claimant's level, and whoever had it is told. Returns the new deadline."""
        async with self.db.session() as session:
            case = await self._get(session, case_id, actor)
            if case.status == CaseStatus.CLOSED.value:
                raise CaseError(texts.CASE_CLOSED.format(case=case_id))
            previous = case.assignee_id
            case.assignee_id = actor.id
            if actor.person is not None:
                self._move_to(case, actor.person)
            if case.status == CaseStatus.OPEN.value:
                case.status = CaseStatus.ASSIGNED.value
            self._restart_clock(case)
            due = case.due_at
            self._log(session, case.id, CaseEventKind.CLAIMED, actor.id, previous=previous)
        before = self.grid.people.get(previous or "")
        if before is not None and previous != actor.id:
            name = actor.person.name if actor.person else "管理员"
            await self._notify(case, before, texts.CLAIMED_FROM.format(case=case_id, name=name))
        assert due is not None
        return due

    def _move_to(self, case: Case, person: Person) -> None:
        """The case belongs to the level of `person` on its way up: escalation starts there."""
        chain = [org.id for org in levels_from(self.grid, case.origin_org_id)]
        case.org_id = next((org for org in chain if org in person.orgs), case.org_id)

    def _restart_clock(self, case: Case) -> None:
        """A new owner gets the whole time limit of the case's level from now."""
        org = self.grid.orgs.get(case.org_id or "")
        level = org.level.value if org is not None else None
        case.due_at, case.remind_at = self._deadlines(case, level, self.clock())

    async def reassign(self, case_id: int, actor: Speaker, who: str) -> Person:
        """Hand a case to another person (by grid id, name or QQ number) and notify them."""
        target = self.find_person(who)
        if target is None:
            raise CaseError(texts.UNKNOWN_PERSON.format(who=who))
        async with self.db.session() as session:
            case = await self._get(session, case_id, actor)
            if case.status == CaseStatus.CLOSED.value:
                raise CaseError(texts.CASE_CLOSED.format(case=case_id))
            previous = case.assignee_id
            case.assignee_id = target.id
            # Handed up the tree, the case now belongs to that level: escalation starts there.
            self._move_to(case, target)
            if case.status == CaseStatus.OPEN.value:
                case.status = CaseStatus.ASSIGNED.value
            self._restart_clock(case)
            self._log(
                session,
                case.id,
                CaseEventKind.REASSIGNED,
                actor.id,
                previous=previous,
                to=target.id,
            )
            question = await session.get(Question, case.question_id)
            text = self._notification(case, question)
        await self._notify(case, target, text)
        return target

    def find_person(self, who: str) -> Person | None:
        """A grid person by id, an account of theirs (a QQ number, a 企业微信 userid…; written
        bare, or as platform:account) or exact name."""
        who = who.strip().lstrip("@")
        people = self.grid.people
        if who in people:
            return people[who]
        platform, colon, account = who.partition(":")
        tries = [(platform.lower(), account)] if colon else []
        tries += [(p, who) for p in ("qq", "wecom", "qqbot", "wechat")]
        for platform, account in tries:
            found = (
                self.links.person(platform, account)
                if self.links is not None
                else self.grid.person_by_account(platform, account)
            )
            if found is not None:
                return found
        named = [p for p in people.values() if p.name == who]
        return named[0] if len(named) == 1 else None

    async def close(self, case_id: int, actor: Speaker, reason: str) -> None:
        """Close a case with a reason; askers still waiting are told why."""
        async with self.db.session() as session:
            case = await self._get(session, case_id, actor)
            if case.status == CaseStatus.CLOSED.value:
                raise CaseError(texts.CASE_CLOSED.format(case=case_id))
            unanswered = case.status != CaseStatus.ANSWERED.value
            case.status = CaseStatus.CLOSED.value
            case.closed_at = self.clock()
            case.close_reason = reason
            case.remind_at = case.due_at = None
            self._log(session, case.id, CaseEventKind.CLOSED, actor.id, reason=reason)
            notice = texts.CLOSED_TO_YOUTH.format(case=case.id, reason=reason)
            deliveries = await self._queue(session, case, lambda _: notice) if unanswered else []
        await self._drop_queued_notifications(case_id)
        for delivery, asked_in in deliveries:
            await self._push(delivery, asked_in)

    async def learn(self, case_id: int, actor: Speaker) -> str:
        """Turn a case's question and answer into an FAQ entry; it waits for an admin's review
        (see `bot.cases.review`) unless FAQ_LEARNED_AUTO_PUBLISH is on."""
        async with self.db.session() as session:
            case = await self._get(session, case_id, actor)
            if case.learned_entry_id:
                raise CaseError(
                    texts.ALREADY_LEARNED.format(case=case_id, entry=case.learned_entry_id)
                )
            if not case.answer:
                raise CaseError(texts.NOT_ANSWERED_YET.format(case=case_id))
            others = (
                await session.scalars(
                    select(Question.text)
                    .join(CaseAsker, CaseAsker.question_id == Question.id)
                    .where(CaseAsker.case_id == case.id, Question.id != case.question_id)
                )
            ).all()
            entry_id = f"learned-{case.id}"
            path = self.settings.faq_dir / "faq" / "learned.yaml"
            # An FAQ question is shown to every youth (您是不是想问): no one's number in it.
            write = partial(
                append_learned_entry,
                path,
                entry_id,
                mask_pii(case.text),
                [mask_pii(text) for text in others],
                case.answer,
                pending=not self.settings.faq_learned_auto_publish,
                orgs=self.learned_scope(case),
            )
            try:
                await asyncio.get_running_loop().run_in_executor(None, write)
            except LearnedFileError as exc:
                raise CaseError(texts.LEARNED_FILE_BROKEN.format(error=exc)) from exc
            case.learned_entry_id = entry_id
            self._log(session, case.id, CaseEventKind.LEARNED, actor.id, entry=entry_id)
        await self.faq.reload(reason=f"/入库 #{case_id}")
        return entry_id

    def learned_scope(self, case: Case) -> list[str]:
        """Where the case's learned entry answers: see `bot.cases.learn.scope_of_case`."""
        roots = [org.id for org in self.grid.orgs.values() if not org.parent]
        return scope_of_case(case.origin_org_id, case.org_id, roots)

    async def record_feedback(self, question: Question, helpful: bool) -> None:
        """Log a like (or "not helpful") on a person's answer in its case."""
        if question.outcome != Outcome.HUMAN.value:
            return
        async with self.db.session() as session:
            case_id = await session.scalar(
                select(CaseAsker.case_id).where(CaseAsker.question_id == question.id)
            )
            if case_id is not None:
                self._log(session, case_id, CaseEventKind.LIKED, None, helpful=helpful)

    async def todo(self, actor: Speaker) -> list[Case]:
        """The actor's active cases, plus unassigned ones in their orgs: urgent ones first (the
        highest risk first), then oldest first."""
        async with self.db.session() as session:
            cases = (
                await session.scalars(
                    select(Case)
                    .where(Case.status.in_(ACTIVE))
                    .order_by(Case.urgent.desc(), Case.risk_level.desc(), Case.opened_at, Case.id)
                )
            ).all()
        return [
            case
            for case in cases
            if case.assignee_id == actor.id
            or (case.assignee_id is None and self._may_act(actor, case))
        ]

    async def cases_of_questions(self, question_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """question id -> (case id, shown status) for 我的问题; 待送达 while an answer is held."""
        if not question_ids:
            return {}
        async with self.db.session() as session:
            rows = await session.execute(
                select(CaseAsker.question_id, Case.id, Case.status, Delivery.status)
                .join(Case, Case.id == CaseAsker.case_id)
                .outerjoin(Delivery, Delivery.asker_id == CaseAsker.id)
                .where(CaseAsker.question_id.in_(question_ids))
            )
            result: dict[int, tuple[int, str]] = {}
            for question_id, case_id, status, delivery in rows.all():
                shown = "待送达" if delivery == DeliveryStatus.HELD.value else texts.STATUS[status]
                if result.get(question_id, (0, ""))[1] != "待送达":
                    result[question_id] = (case_id, shown)
        return result

    # ---- timers ----------------------------------------------------------------------------

    async def tick(self) -> tuple[int, int]:
        """Send due reminders and escalate overdue cases; returns (reminded, escalated)."""
        await self.refresh_held_chats()
        now = self.clock()
        reminded = escalated = 0
        async with self.db.session() as session:
            due_reminders = (
                await session.scalars(
                    select(Case).where(
                        Case.status == CaseStatus.ASSIGNED.value, Case.remind_at <= now
                    )
                )
            ).all()
            overdue = (
                await session.scalars(
                    select(Case).where(Case.status.in_(ACTIVE), Case.due_at <= now)
                )
            ).all()
            unassigned = (
                await session.scalars(
                    select(Case).where(
                        Case.status == CaseStatus.OPEN.value,
                        Case.assignee_id.is_(None),
                        # A new case is routed right after the youth's reply; the timer
                        # takes the ones left over (nobody on duty, or a stop in between).
                        Case.opened_at <= now - ROUTING_GRACE,
                    )
                )
            ).all()
        for case in due_reminders:
            reminded += await self._remind(case)
        for case in overdue:
            escalated += await self._escalate(case)
        for case in unassigned:
            await self._route(case.id)
        return reminded, escalated

    async def _remind(self, case: Case) -> bool:
        async with self.db.session() as session:
            won = await session.execute(
                update(Case)
                .where(Case.id == case.id, Case.remind_at == case.remind_at)
                .values(remind_at=None)
            )
            if not won.rowcount:
                return False
            self._log(session, case.id, CaseEventKind.REMINDED, SYSTEM, to=case.assignee_id)
        person = self.grid.people.get(case.assignee_id or "")
        if person is not None:
            text = texts.REMIND.format(
                mark=texts.mark(case.urgent, case.risk_level),
                case=case.id,
                due=self.local_time(case.due_at) if case.due_at else "尽快",
                question=texts.shown(case.text),
            )
            await self._notify(case, person, text)
        return True

    async def _escalate(self, case: Case) -> bool:
        now = self.clock()
        async with self.db.session() as session:
            target = escalation_target(
                self.grid, case.org_id, await self._load(session), exclude={case.assignee_id or ""}
            )
            if target is None:
                # Already at the top (or nobody above is on duty): re-arm, remind the top again.
                due, _ = self._deadlines(case, None, now)
                values = {"due_at": due, "remind_at": now}
            else:
                due, remind = self._deadlines(case, self.grid.orgs[target.org_id].level.value, now)
                values = {
                    "org_id": target.org_id,
                    "assignee_id": target.person.id,
                    "status": CaseStatus.ASSIGNED.value,
                    "due_at": due,
                    "remind_at": remind,
                    "escalations": Case.escalations + 1,
                }
            won = await session.execute(
                update(Case).where(Case.id == case.id, Case.due_at == case.due_at).values(**values)
            )
            if not won.rowcount:
                return False
            if target is None:
                self._log(session, case.id, CaseEventKind.ESCALATED, SYSTEM, top=True)
                return False
            self._log(
                session,
                case.id,
                CaseEventKind.ESCALATED,
                SYSTEM,
                from_org=case.org_id,
                to_org=target.org_id,
                previous=case.assignee_id,
                to=target.person.id,
            )
            history = await self._history(session, case.id)
            question = await session.get(Question, case.question_id)
        from_org = self.grid.orgs.get(case.org_id or "")
        text = texts.ESCALATED.format(
            mark=texts.mark(case.urgent, case.risk_level),
            case=case.id,
            org=from_org.name if from_org else "下级",
            question=texts.shown(case.text),
            place=self._place(case, question),
            history=history,
        )
        await self._notify(case, target.person, text)
        log.warning("case %s escalated from %s to %s", case.id, case.org_id, target.org_id)
        return True

    async def _history(self, session: AsyncSession, case_id: int) -> str:
        events = (
            await session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ).all()
        names = {p.id: p.name for p in self.grid.people.values()}
        lines = []
        for event in events:
            who = names.get(str(event.detail.get("to", "")), "")
            lines.append(
                f"{self.local_time(event.at)} {texts.EVENT_NAMES.get(event.kind, event.kind)} {who}".rstrip()
            )
        return "\n".join(lines[-8:])

    def start(self) -> None:
        """Start the timer loop in the background."""
        self._timers.start()

    async def stop(self) -> None:
        """Stop the timer loop; timers stay in the database for the next start."""
        await self._timers.stop()

    # ---- the log ---------------------------------------------------------------------------

    def _log(
        self,
        session: AsyncSession,
        case_id: int,
        kind: CaseEventKind,
        actor: str | None,
        **detail: object,
    ) -> None:
        session.add(
            CaseEvent(case_id=case_id, kind=kind.value, actor=actor, detail=detail, at=self.clock())
        )

    async def events(self, case_id: int) -> list[CaseEvent]:
        """The case's event log, oldest first."""
        async with self.db.session() as session:
            return list(
                (
                    await session.scalars(
                        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
                    )
                ).all()
            )


async def unnotified_cases(session: AsyncSession, cases: Sequence[Case]) -> set[int]:
    """Of `cases`, the ids of the assigned ones whose assignee has not been reached: no
    notification about the case got through to them (it failed, or waits for their next message
    on the official QQ bot) and they did not take it themselves (/认领). Shown as 未通知到."""
    assigned = {
        case.id: case.assignee_id
        for case in cases
        if case.status == CaseStatus.ASSIGNED.value and case.assignee_id
    }
    if not assigned:
        return set()
    rows = await session.execute(
        select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.actor, CaseEvent.detail).where(
            CaseEvent.case_id.in_(assigned),
            CaseEvent.kind.in_((CaseEventKind.NOTIFIED.value, CaseEventKind.CLAIMED.value)),
        )
    )
    reached: set[tuple[int, str | None]] = set()
    for case_id, kind, actor, detail in rows.all():
        if kind == CaseEventKind.CLAIMED.value:
            reached.add((case_id, actor))
        elif (detail or {}).get("via") not in NOT_REACHED:
            reached.add((case_id, (detail or {}).get("to")))
    return {case_id for case_id, person in assigned.items() if (case_id, person) not in reached}


def _chat_key(platform: str, user_id: str, group_id: str | None) -> tuple[str, str]:
    """Where held answers are released: the group, or the private chat with the youth."""
    return (platform, f"g{group_id}" if group_id else f"u{user_id}")


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

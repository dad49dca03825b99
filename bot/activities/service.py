"""The activity service: create, announce through the outbox, sign up, remind, check in, export.

State changes are compare-and-set UPDATEs or happen with the activity row locked (FOR UPDATE on
PostgreSQL), so several bot processes never oversubscribe a quota or fire a reminder twice. Every
message goes through the outbox under a unique key, so a restart mid-announcement sends each
group its announcement once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.activities import texts
from bot.activities.models import (
    Activity,
    ActivityReminder,
    ActivityStatus,
    Signup,
    SignupStatus,
)
from bot.activities.when import parse_local, show
from bot.chat.speaker import Speaker
from bot.common.periodic import Periodic
from bot.grid.model import ChatRef, Grid
from bot.grid.service import GridService
from bot.safety.masking import mask_user
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

ACTIVE = (SignupStatus.SIGNED.value, SignupStatus.WAITLISTED.value)
FIELDS = ("name", "phone", "school")
CHECKIN_OPENS_HOURS = 2
"""Check-in opens this long before the start."""
_CHAT = re.compile(r"(?:(?P<platform>[A-Za-z][A-Za-z0-9_]*)\s*[:：]\s*)?(?P<id>\d{5,12})")
_PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person an activity is announced to in private chat (an audience's member)."""

    platform: str
    user_id: str
    account: str = "default"


class Audience(Protocol):
    """People, not chat groups, an activity is announced to privately: `targets["audience"]`
    names one (`kind:ref`, e.g. ``interest_group:3``) and the feature that owns it resolves it
    at announcement time (bot/groups registers the members of an interest group)."""

    def label(self, ref: str) -> str:
        """How the organiser's preview names it (烘焙 小组成员)."""
        ...

    async def recipients(self, ref: str) -> list[Recipient]:
        """Who hears of the activity, each once."""
        ...


class OutboxLike(Protocol):
    """What the activities need of `bot.delivery.outbox.Outbox`."""

    async def enqueue(
        self,
        key: str,
        platform: str,
        chat_id: str,
        text: str,
        *,
        chat_type: str = "group",
        account: str = "default",
        not_before: datetime | None = None,
    ) -> bool: ...

    async def progress(self, key_prefix: str) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class SignupFigures:
    """How many signed up, wait, and checked in for one activity."""

    signed: int = 0
    waitlisted: int = 0
    checked: int = 0


@dataclass(frozen=True, slots=True)
class GroupProgress:
    """Where an activity's announcement stands in one target group."""

    platform: str
    chat_id: str
    name: str
    """The group's org name (or 群 for a group outside the grid)."""
    status: str
    """The outbox status (`sent`, `failed`, `held`…), `pending` before it is queued."""
    error: str | None = None


class ActivityError(Exception):
    """A refusal or a mistake the person can act on; the message is Chinese and safe to show."""


@dataclass(slots=True)
class ActivityDraft:
    """What an organiser has said about a new activity so far."""

    title: str
    starts_at: datetime
    place: str = ""
    details: str = ""
    quota: int | None = None
    signup_deadline: datetime | None = None
    targets: dict[str, list[str]] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    checkin_code: str | None = None
    source: str | None = None
    org_id: str | None = None
    """The activity's org (default: the organiser's first org)."""


@dataclass(frozen=True, slots=True)
class SignupResult:
    """The outcome of `报名`."""

    activity: Activity
    status: str
    rank: int
    """Place on the waitlist (1-based); 0 when signed."""
    already: bool
    missing: tuple[str, ...]
    """Fields still to collect in private chat."""


class ActivityService:
    """Activities from draft to export."""

    def __init__(
        self,
        db: Database,
        grid: GridService,
        settings: Settings,
        outbox: OutboxLike | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.grid_service = grid
        self.settings = settings
        self.outbox = outbox
        self.clock = clock
        self.zone = ZoneInfo(settings.timezone)
        self.audiences: dict[str, Audience] = {}
        """Audiences by kind (`targets["audience"]` is ``kind:ref``), registered by features."""
        self._timers = Periodic(
            "activity timers", self.tick, lambda: self.settings.activity_tick_seconds
        )

    @property
    def grid(self) -> Grid:
        """The grid being served now."""
        return self.grid_service.grid

    def show(self, moment: datetime) -> str:
        """A moment as youths read it (local time zone)."""
        return show(moment, self.zone)

    # ---- targets -----------------------------------------------------------------------------

    def tags(self) -> list[str]:
        """Every org tag in the grid, in file order."""
        return list(dict.fromkeys(tag for org in self.grid.orgs.values() for tag in org.tags))

    def parse_targets(self, text: str) -> dict[str, list[str]]:
        """Targets from words: org ids or names, tags, `qq:群号`, or 全部. Raises ActivityError."""
        grid = self.grid
        targets: dict[str, list[str]] = {"orgs": [], "tags": [], "groups": []}
        by_name = {org.name: org.id for org in grid.orgs.values()}
        tags = set(self.tags())
        for word in re.split(r"[\s,，、;；]+", text.strip()):
            if not word:
                continue
            if word in ("全部", "所有", "all"):
                targets["orgs"] += [org.id for org in grid.orgs.values() if org.parent is None]
            elif word in grid.orgs or word in by_name:
                targets["orgs"].append(by_name.get(word, word))
            elif word in tags:
                targets["tags"].append(word)
            elif (match := _CHAT.fullmatch(word)) is not None:
                platform = (match.group("platform") or "qq").lower()
                targets["groups"].append(f"{platform}:{match.group('id')}")
            else:
                raise ActivityError(texts.BAD_TARGET.format(word=word, orgs=self.org_choices()))
        return {key: list(dict.fromkeys(values)) for key, values in targets.items() if values}

    def org_choices(self) -> str:
        """Org ids and names for prompts."""
        return "、".join(f"{org.name}（{org.id}）" for org in self.grid.orgs.values()) or "无"

    def resolve(self, targets: dict[str, Any]) -> list[ChatRef]:
        """The chat groups the targets reach: orgs with their children, tagged orgs with theirs,
        and named groups; each once, in grid order then named order."""
        grid = self.grid
        org_ids: set[str] = set()
        for org_id in targets.get("orgs", []):
            org_ids |= grid.descendants(org_id)
        wanted_tags = set(targets.get("tags", []))
        for org in grid.orgs.values():
            if wanted_tags & set(org.tags):
                org_ids |= grid.descendants(org.id)
        groups = [chat for org in grid.orgs.values() if org.id in org_ids for chat in org.groups]
        for text in targets.get("groups", []):
            platform, _, chat_id = str(text).partition(":")
            groups.append(ChatRef(platform, chat_id) if chat_id else ChatRef("qq", platform))
        return list(dict.fromkeys(groups))

    def _check_targets(self, organiser: Speaker, groups: Sequence[ChatRef]) -> None:
        """A cadre reaches only the groups of their own orgs and below; admins reach any."""
        if organiser.is_admin:
            return
        mine: set[str] = set()
        for org_id in organiser.orgs:
            mine |= self.grid.descendants(org_id)
        outside = []
        for chat in groups:
            org = self.grid.org_of_chat(chat.platform, chat.id)
            if org is None or org.id not in mine:
                outside.append(f"{org.name if org else '未登记的群'}（{chat}）")
        if outside:
            raise ActivityError(texts.TARGET_NOT_YOURS.format(what="、".join(outside[:5])))

    # ---- lifecycle ---------------------------------------------------------------------------

    async def create(self, organiser: Speaker, draft: ActivityDraft) -> Activity:
        """A draft activity (not announced yet). Raises ActivityError for targets out of reach."""
        if not organiser.is_staff:
            raise ActivityError(texts.NOT_CADRE)
        groups = self.resolve(draft.targets)
        if not groups and self._audience(draft.targets) is None:
            raise ActivityError(texts.NO_GROUPS)
        self._check_targets(organiser, groups)
        async with self.db.session() as session:
            activity = Activity(
                title=draft.title,
                starts_at=draft.starts_at,
                place=draft.place,
                details=draft.details,
                quota=draft.quota,
                signup_deadline=draft.signup_deadline,
                targets=draft.targets,
                target_groups=[str(chat) for chat in groups],
                fields=list(draft.fields),
                checkin_code=draft.checkin_code or await self._new_code(session),
                status=ActivityStatus.DRAFT.value,
                org_id=draft.org_id or (organiser.orgs[0] if organiser.orgs else None),
                created_by=organiser.id,
                creator_platform=organiser.platform,
                creator_account=organiser.account,
                source=draft.source,
                created_at=self.clock(),
            )
            session.add(activity)
        log.info("activity %s drafted by %s: %d groups", activity.id, organiser.id, len(groups))
        return activity

    async def _new_code(self, session: AsyncSession) -> str:
        """A 6-digit check-in code no open activity uses."""
        while True:
            code = f"{secrets.randbelow(900000) + 100000}"
            taken = await session.scalar(
                select(Activity.id).where(
                    Activity.checkin_code == code,
                    Activity.status != ActivityStatus.CANCELLED.value,
                )
            )
            if taken is None:
                return code

    def announcement(self, activity: Activity) -> str:
        """The group announcement text (plain text, no links)."""
        quota = texts.QUOTA.format(quota=activity.quota) if activity.quota else texts.QUOTA_NONE
        deadline = (
            texts.DEADLINE.format(time=self.show(activity.signup_deadline))
            if activity.signup_deadline
            else ""
        )
        return texts.ANNOUNCEMENT.format(
            id=activity.id,
            title=activity.title,
            time=self.show(activity.starts_at),
            place=activity.place or "另行通知",
            quota=quota,
            deadline=deadline,
            details=f"{activity.details}\n" if activity.details else "",
        )

    def preview(self, activity: Activity) -> str:
        """What the organiser checks before confirming."""
        targets = activity.targets
        names = {org.id: org.name for org in self.grid.orgs.values()}
        parts = [names.get(o, o) + "及下级" for o in targets.get("orgs", [])]
        parts += [f"标签「{t}」" for t in targets.get("tags", [])]
        parts += [f"群 {g}" for g in targets.get("groups", [])]
        audience = self._audience(targets)
        if audience is not None:
            parts.append(audience[0].label(audience[1]))
        fields = "、".join(texts.FIELD_NAMES[f] for f in activity.fields) or "无"
        return texts.PREVIEW.format(
            count=len(activity.target_groups),
            text=self.announcement(activity),
            targets="、".join(parts),
            fields=fields,
            code=activity.checkin_code,
        )

    async def get(self, activity_id: int) -> Activity:
        """The activity, or ActivityError if there is none."""
        async with self.db.session() as session:
            activity = await session.get(Activity, activity_id)
        if activity is None:
            raise ActivityError(texts.NO_SUCH_ACTIVITY.format(id=activity_id))
        return activity

    async def _managed(self, organiser: Speaker, activity_id: int) -> Activity:
        """The activity, if `organiser` may manage it: its creator, an admin, or a cadre at or
        above its org. Raises ActivityError (youths hear they are not cadres, before anything)."""
        if not organiser.is_staff:
            raise ActivityError(texts.NOT_CADRE)
        activity = await self.get(activity_id)
        if organiser.is_admin or organiser.id == activity.created_by:
            return activity
        person = self.grid.people.get(organiser.person_id or "")
        if (
            person is not None
            and activity.org_id
            and self.grid.is_above_or_at(person, activity.org_id)
        ):
            return activity
        raise ActivityError(texts.NOT_YOURS.format(id=activity.id))

    async def schedule(
        self, organiser: Speaker, activity_id: int, announce_at: datetime | None = None
    ) -> tuple[Activity, int]:
        """Confirm a draft: announce now (`announce_at` None or past) or at `announce_at`.

        Returns the activity and how many groups were queued now (0 if scheduled for later).
        """
        activity = await self._managed(organiser, activity_id)
        now = self.clock()
        when = max(announce_at or now, now)
        async with self.db.session() as session:
            await session.execute(
                update(Activity)
                .where(Activity.id == activity_id, Activity.status == ActivityStatus.DRAFT.value)
                .values(status=ActivityStatus.SCHEDULED.value, announce_at=when)
            )
            self._arm_reminders(session, activity)
        if when <= now:
            return activity, await self.announce(activity_id)
        return await self.get(activity_id), 0

    async def rearm_reminders(self, activity_id: int) -> None:
        """Re-arm the reminders of a scheduled or announced activity whose start moved."""
        async with self.db.session() as session:
            activity = await session.get(Activity, activity_id)
            if activity is not None and activity.status in (
                ActivityStatus.SCHEDULED.value,
                ActivityStatus.ANNOUNCED.value,
            ):
                await self._rearm(session, activity)

    async def _rearm(self, session: AsyncSession, activity: Activity) -> None:
        await session.execute(
            delete(ActivityReminder).where(
                ActivityReminder.activity_id == activity.id, ActivityReminder.sent_at.is_(None)
            )
        )
        self._arm_reminders(session, activity)

    def _arm_reminders(self, session: AsyncSession, activity: Activity) -> None:
        now = self.clock()
        for hours in self.settings.activity_reminder_hours:
            due = activity.starts_at - timedelta(hours=hours)
            if due > now:
                session.add(ActivityReminder(activity_id=activity.id, hours=hours, due_at=due))

    async def announce(self, activity_id: int) -> int:
        """Queue the announcement for every target group; idempotent (unique outbox keys).

        The activity turns `announced` only after every group is queued, so a process killed
        half-way is finished by the next tick, and groups already queued are not queued twice.
        """
        activity = await self.get(activity_id)
        if activity.status not in (ActivityStatus.SCHEDULED.value, ActivityStatus.ANNOUNCED.value):
            return 0
        if self.outbox is None:
            log.warning("activity %s waits: no outbox to announce through yet", activity_id)
            return 0
        groups = self.resolve(activity.targets)
        text = self.announcement(activity)
        outbox = self.outbox
        for chat in groups:
            await outbox.enqueue(
                f"activity:{activity.id}:{chat.platform}:{chat.id}", chat.platform, chat.id, text
            )
        audience = self._audience(activity.targets)
        if audience is not None:
            people = await audience[0].recipients(audience[1])
            for person in people:
                await outbox.enqueue(
                    f"activity:{activity.id}:dm:{person.platform}:{person.user_id}",
                    person.platform,
                    person.user_id,
                    text,
                    chat_type="private",
                    account=person.account,
                )
            log.info("activity %s announced privately to %d people", activity_id, len(people))
        async with self.db.session() as session:
            await session.execute(
                update(Activity)
                .where(
                    Activity.id == activity_id, Activity.status == ActivityStatus.SCHEDULED.value
                )
                .values(
                    status=ActivityStatus.ANNOUNCED.value,
                    announced_at=self.clock(),
                    target_groups=[str(chat) for chat in groups],
                )
            )
        log.info("activity %s announced to %d groups", activity_id, len(groups))
        return len(groups)

    def _audience(self, targets: dict[str, Any]) -> tuple[Audience, str] | None:
        """The audience `targets` name and its ref, if any (and its feature is registered)."""
        kind, _, ref = str(targets.get("audience") or "").partition(":")
        audience = self.audiences.get(kind)
        return (audience, ref) if audience is not None and ref else None

    async def private_progress(self, activity: Activity) -> dict[str, int]:
        """How the private announcements of an audience stand: outbox status -> count."""
        if self.outbox is None or self._audience(activity.targets) is None:
            return {}
        found: dict[str, int] = {}
        for row in await self.outbox.progress(f"activity:{activity.id}:dm:"):
            status = _status(row)
            found[status] = found.get(status, 0) + 1
        return found

    def _outbox(self) -> OutboxLike:
        if self.outbox is None:
            raise RuntimeError("activities need the outbox (runtime.outbox) to send")
        return self.outbox

    async def _tell(self, key: str, platform: str, user_id: str, text: str) -> None:
        await self._outbox().enqueue(key, platform, user_id, text, chat_type="private")

    async def cancel(self, organiser: Speaker, activity_id: int, reason: str = "") -> int:
        """Cancel the activity; everyone signed up or waitlisted is told. Returns how many."""
        activity = await self._managed(organiser, activity_id)
        async with self.db.session() as session:
            won = await session.execute(
                update(Activity)
                .where(
                    Activity.id == activity_id,
                    Activity.status != ActivityStatus.CANCELLED.value,
                )
                .values(status=ActivityStatus.CANCELLED.value, cancelled_at=self.clock())
            )
            if not won.rowcount:
                raise ActivityError(texts.ALREADY_CANCELLED.format(id=activity_id))
            people = (
                await session.scalars(
                    select(Signup).where(
                        Signup.activity_id == activity_id, Signup.status.in_(ACTIVE)
                    )
                )
            ).all()
        text = texts.CANCEL_NOTICE.format(
            id=activity.id,
            title=activity.title,
            time=self.show(activity.starts_at),
            reason=f"原因：{reason}" if reason else "",
        )
        for signup in people:
            await self._tell(
                f"activity:{activity.id}:cancel:{signup.platform}:{signup.user_id}",
                signup.platform,
                signup.user_id,
                text,
            )
        log.info("activity %s cancelled by %s; %d told", activity_id, organiser.id, len(people))
        return len(people)

    async def edit(self, organiser: Speaker, activity_id: int, name: str, value: str) -> str:
        """Change one field (标题 时间 地点 详情 名额 报名截止); participants are told of changes
        after the announcement. Returns the organiser's reply."""
        activity = await self._managed(organiser, activity_id)
        if activity.status == ActivityStatus.CANCELLED.value:
            raise ActivityError(texts.ALREADY_CANCELLED.format(id=activity_id))
        now = self.clock()
        values: dict[str, Any] = {}
        if name in ("标题", "地点", "详情"):
            if not value:
                raise ActivityError(texts.EDIT_USAGE)
            column = {"标题": "title", "地点": "place", "详情": "details"}[name]
            values[column] = value
            change = f"{name}改为「{value}」"
        elif name in ("时间", "报名截止"):
            moment = parse_local(value, now, self.zone)
            if moment is None:
                raise ActivityError(texts.BAD_TIME)
            if moment <= now:
                raise ActivityError(texts.TIME_PASSED)
            values["starts_at" if name == "时间" else "signup_deadline"] = moment
            change = f"{name}改为 {self.show(moment)}"
        elif name == "名额":
            quota = parse_quota(value)
            values["quota"] = quota
            change = f"名额改为{quota or '不限'}"
        else:
            raise ActivityError(texts.EDIT_FIELD_UNKNOWN.format(field=name))
        announced = activity.status == ActivityStatus.ANNOUNCED.value
        async with self.db.session() as session:
            await session.execute(
                update(Activity)
                .where(Activity.id == activity_id)
                .values(**values, revision=Activity.revision + 1)
            )
            if "starts_at" in values:
                activity.starts_at = values["starts_at"]
                await self._rearm(session, activity)
            people = (
                await session.scalars(
                    select(Signup).where(
                        Signup.activity_id == activity_id, Signup.status.in_(ACTIVE)
                    )
                )
            ).all()
        promoted = await self._promote(activity_id) if "quota" in values else 0
        notified = ""
        if announced and people:
            text = texts.CHANGE_NOTICE.format(id=activity.id, title=activity.title, change=change)
            for signup in people:
                await self._tell(
                    f"activity:{activity.id}:change:{activity.revision + 1}:"
                    f"{signup.platform}:{signup.user_id}",
                    signup.platform,
                    signup.user_id,
                    text,
                )
            notified = texts.EDIT_NOTIFIED.format(count=len(people))
        log.info("activity %s edited (%s), %d promoted", activity_id, name, promoted)
        return texts.EDITED.format(id=activity_id, change=change, notified=notified)

    # ---- sign-ups ----------------------------------------------------------------------------

    async def sign_up(
        self,
        activity_id: int,
        platform: str,
        user_id: str,
        group_id: str | None = None,
        nickname: str = "",
    ) -> SignupResult:
        """Sign a youth up: a seat while the quota lasts, else the waitlist. Raises ActivityError."""
        now = self.clock()
        async with self.db.session() as session:
            activity = await _locked(session, activity_id)
            if activity is None:
                raise ActivityError(texts.NO_SUCH_ACTIVITY.format(id=activity_id))
            if activity.status != ActivityStatus.ANNOUNCED.value:
                raise ActivityError(
                    texts.NOT_OPEN.format(id=activity_id, status=texts.STATUS[activity.status])
                )
            signup = await session.scalar(
                select(Signup).where(
                    Signup.activity_id == activity_id,
                    Signup.platform == platform,
                    Signup.user_id == user_id,
                )
            )
            if signup is not None and signup.status in ACTIVE:
                rank = await self._rank(session, signup)
                return SignupResult(
                    activity, signup.status, rank, True, self._missing(activity, signup)
                )
            if activity.starts_at <= now:
                raise ActivityError(texts.ALREADY_STARTED.format(id=activity_id))
            if activity.signup_deadline is not None and activity.signup_deadline <= now:
                raise ActivityError(texts.DEADLINE_PASSED.format(id=activity_id))
            signed = await self._count(session, activity_id, SignupStatus.SIGNED)
            status = (
                SignupStatus.SIGNED
                if activity.quota is None or signed < activity.quota
                else SignupStatus.WAITLISTED
            )
            position = (
                await session.scalar(
                    select(func.coalesce(func.max(Signup.position), 0)).where(
                        Signup.activity_id == activity_id
                    )
                )
                or 0
            ) + 1
            if signup is None:
                signup = Signup(
                    activity_id=activity_id,
                    platform=platform,
                    user_id=user_id,
                    answers={},
                )
                session.add(signup)
            signup.group_id = group_id
            signup.nickname = nickname[:64]
            signup.status = status.value
            signup.position = position
            signup.signed_up_at = now
            signup.cancelled_at = None
            await session.flush()
            rank = await self._rank(session, signup)
        log.info("activity %s: %s signed up (%s)", activity_id, _masked(user_id), status.value)
        return SignupResult(activity, status.value, rank, False, self._missing(activity, signup))

    @staticmethod
    def _missing(activity: Activity, signup: Signup) -> tuple[str, ...]:
        return tuple(f for f in activity.fields if not signup.answers.get(f))

    @staticmethod
    async def _count(session: AsyncSession, activity_id: int, status: SignupStatus) -> int:
        return (
            await session.scalar(
                select(func.count(Signup.id)).where(
                    Signup.activity_id == activity_id, Signup.status == status.value
                )
            )
        ) or 0

    @staticmethod
    async def _rank(session: AsyncSession, signup: Signup) -> int:
        if signup.status != SignupStatus.WAITLISTED.value:
            return 0
        ahead = await session.scalar(
            select(func.count(Signup.id)).where(
                Signup.activity_id == signup.activity_id,
                Signup.status == SignupStatus.WAITLISTED.value,
                Signup.position < signup.position,
            )
        )
        return (ahead or 0) + 1

    async def cancel_signup(self, activity_id: int, platform: str, user_id: str) -> Activity:
        """Withdraw a youth; a freed seat goes to the first on the waitlist, who is told."""
        async with self.db.session() as session:
            activity = await session.get(Activity, activity_id)
            if activity is None:
                raise ActivityError(texts.NO_SUCH_ACTIVITY.format(id=activity_id))
            won = await session.execute(
                update(Signup)
                .where(
                    Signup.activity_id == activity_id,
                    Signup.platform == platform,
                    Signup.user_id == user_id,
                    Signup.status.in_(ACTIVE),
                )
                .values(status=SignupStatus.CANCELLED.value, cancelled_at=self.clock())
            )
            if not won.rowcount:
                raise ActivityError(texts.NOT_SIGNED.format(id=activity_id))
        log.info("activity %s: %s cancelled their sign-up", activity_id, _masked(user_id))
        await self._promote(activity_id)
        return activity

    async def _promote(self, activity_id: int) -> int:
        """Fill free seats from the waitlist in sign-up order; each promoted youth is told."""
        promoted: list[Signup] = []
        async with self.db.session() as session:
            activity = await _locked(session, activity_id)
            if activity is None or activity.status == ActivityStatus.CANCELLED.value:
                return 0
            signed = await self._count(session, activity_id, SignupStatus.SIGNED)
            free = None if activity.quota is None else max(activity.quota - signed, 0)
            waiting = select(Signup).where(
                Signup.activity_id == activity_id,
                Signup.status == SignupStatus.WAITLISTED.value,
            )
            waiting = waiting.order_by(Signup.position)
            if free is not None:
                waiting = waiting.limit(free)
            for signup in (await session.scalars(waiting)).all():
                signup.status = SignupStatus.SIGNED.value
                promoted.append(signup)
        for signup in promoted:
            await self._tell(
                f"activity:{activity_id}:promoted:{signup.platform}:{signup.user_id}:{signup.position}",
                signup.platform,
                signup.user_id,
                texts.PROMOTED.format(
                    id=activity.id,
                    title=activity.title,
                    time=self.show(activity.starts_at),
                    place=activity.place or "另行通知",
                ),
            )
            log.info("activity %s: %s promoted", activity_id, _masked(signup.user_id))
        return len(promoted)

    async def my_signups(self, platform: str, user_id: str) -> list[tuple[Activity, Signup, int]]:
        """The youth's sign-ups that are not cancelled, soonest first, with waitlist ranks."""
        since = self.clock() - timedelta(days=1)
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Activity, Signup)
                    .join(Signup, Signup.activity_id == Activity.id)
                    .where(
                        Signup.platform == platform,
                        Signup.user_id == user_id,
                        Signup.status.in_(ACTIVE),
                        Activity.status != ActivityStatus.CANCELLED.value,
                        Activity.starts_at >= since,
                    )
                    .order_by(Activity.starts_at)
                )
            ).all()
            return [(a, s, await self._rank(session, s)) for a, s in rows]

    # ---- extra fields, asked in private chat -------------------------------------------------

    async def pending_field(self, platform: str, user_id: str) -> tuple[Activity, str] | None:
        """The latest sign-up of this youth that still lacks a field, and that field."""
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Activity, Signup)
                    .join(Signup, Signup.activity_id == Activity.id)
                    .where(
                        Signup.platform == platform,
                        Signup.user_id == user_id,
                        Signup.status.in_(ACTIVE),
                        Activity.status == ActivityStatus.ANNOUNCED.value,
                        Activity.starts_at > self.clock(),
                    )
                    .order_by(Signup.signed_up_at.desc())
                )
            ).all()
        for activity, signup in rows:
            missing = self._missing(activity, signup)
            if missing:
                return activity, missing[0]
        return None

    def field_prompt(self, activity: Activity, name: str, first: bool = False) -> str:
        """The private question for one field (with the activity named the first time)."""
        intro = texts.FIELDS_START.format(id=activity.id, title=activity.title) + "\n"
        return (intro if first else "") + texts.FIELD_PROMPTS[name]

    async def answer_field(self, platform: str, user_id: str, text: str) -> str | None:
        """Store a private answer to the pending field; the next question or the confirmation.

        None if nothing is pending (the message is not an answer).
        """
        pending = await self.pending_field(platform, user_id)
        if pending is None:
            return None
        activity, name = pending
        value = text.strip()[:100]
        if name == "phone":
            value = re.sub(r"[\s-]", "", value)
            if not _PHONE.fullmatch(value):
                return texts.BAD_PHONE
        if not value:
            return texts.FIELD_PROMPTS[name]
        async with self.db.session() as session:
            signup = await session.scalar(
                select(Signup).where(
                    Signup.activity_id == activity.id,
                    Signup.platform == platform,
                    Signup.user_id == user_id,
                )
            )
            assert signup is not None  # pending_field found it
            signup.answers = {**signup.answers, name: value}
            missing = self._missing(activity, signup)
        if missing:
            return texts.FIELD_PROMPTS[missing[0]]
        return texts.FIELDS_DONE.format(id=activity.id, title=activity.title)

    # ---- check-in ----------------------------------------------------------------------------

    async def check_in(self, platform: str, user_id: str, code: str) -> str:
        """Check a signed-up youth in with the code shown at the venue; the reply."""
        code = code.strip()
        if not code:
            return texts.CHECKIN_USAGE
        now = self.clock()
        async with self.db.session() as session:
            activity = await session.scalar(
                select(Activity)
                .where(
                    Activity.checkin_code == code,
                    Activity.status == ActivityStatus.ANNOUNCED.value,
                )
                .order_by(Activity.starts_at.desc())
            )
            if activity is None:
                return texts.CHECKIN_UNKNOWN
            if now < activity.starts_at - timedelta(hours=CHECKIN_OPENS_HOURS):
                return texts.CHECKIN_TOO_EARLY.format(id=activity.id, hours=CHECKIN_OPENS_HOURS)
            signup = await session.scalar(
                select(Signup).where(
                    Signup.activity_id == activity.id,
                    Signup.platform == platform,
                    Signup.user_id == user_id,
                    Signup.status == SignupStatus.SIGNED.value,
                )
            )
            if signup is None:
                return texts.CHECKIN_NOT_SIGNED.format(id=activity.id, title=activity.title)
            if signup.checked_in_at is not None:
                return texts.ALREADY_CHECKED_IN.format(id=activity.id, title=activity.title)
            signup.checked_in_at = now
        log.info("activity %s: %s checked in", activity.id, _masked(user_id))
        return texts.CHECKED_IN.format(id=activity.id, title=activity.title)

    # ---- lists and progress ------------------------------------------------------------------

    async def upcoming(
        self, platform: str, group_id: str | None, until: datetime | None = None
    ) -> list[tuple[Activity, int]]:
        """Announced activities not started yet (before `until`), with seats taken.

        In a group: those announced to it or to any group of its org and the orgs above it.
        In private chat: all of them.
        """
        now = self.clock()
        query = select(Activity).where(
            Activity.status == ActivityStatus.ANNOUNCED.value, Activity.starts_at > now
        )
        if until is not None:
            query = query.where(Activity.starts_at < until)
        async with self.db.session() as session:
            activities = (await session.scalars(query.order_by(Activity.starts_at))).all()
            counts = dict(
                (
                    await session.execute(
                        select(Signup.activity_id, func.count(Signup.id))
                        .where(
                            Signup.activity_id.in_([a.id for a in activities]),
                            Signup.status == SignupStatus.SIGNED.value,
                        )
                        .group_by(Signup.activity_id)
                    )
                ).all()
            )
        if group_id is not None:
            here = self._reachable_from(ChatRef(platform, group_id))
            activities = [a for a in activities if here & set(a.target_groups)]
        return [(a, counts.get(a.id, 0)) for a in activities]

    def _reachable_from(self, chat: ChatRef) -> set[str]:
        """This group and every group of its org (activities for a sibling group count too)."""
        org = self.grid.org_of_chat(chat.platform, chat.id)
        found = {str(chat)}
        if org is not None:
            found |= {str(c) for c in org.groups}
        return found

    async def status_text(self, organiser: Speaker, activity_id: int) -> str:
        """Sign-up figures and per-group announcement progress, for the organiser."""
        activity = await self._managed(organiser, activity_id)
        figures = (await self.figures([activity_id]))[activity_id]
        lines = [
            texts.STATUS_HEADER.format(
                id=activity.id,
                title=activity.title,
                status=texts.STATUS[activity.status],
                time=self.show(activity.starts_at),
                signed=figures.signed,
                quota=f"/{activity.quota}" if activity.quota else "",
                waitlisted=figures.waitlisted,
                checked=figures.checked,
                code=activity.checkin_code,
            )
        ]
        if activity.status == ActivityStatus.SCHEDULED.value and activity.announce_at:
            lines.append(texts.STATUS_SCHEDULED.format(time=self.show(activity.announce_at)))
        private = await self.private_progress(activity)
        if private:
            lines.append(
                texts.STATUS_PRIVATE.format(
                    sent=private.get("sent", 0),
                    total=sum(private.values()),
                    held=private.get("held", 0),
                    failed=private.get("failed", 0),
                )
            )
        if (
            self.outbox is not None
            and activity.status != ActivityStatus.DRAFT.value
            and activity.target_groups
        ):
            progress = await self.group_progress(activity)
            statuses = [group.status for group in progress]
            sent, failed = statuses.count("sent"), statuses.count("failed")
            held = statuses.count("held")
            lines.append(
                texts.STATUS_GROUPS.format(
                    sent=sent,
                    total=len(progress),
                    failed=failed,
                    queued=len(progress) - sent - failed - held,
                    held=texts.STATUS_GROUPS_HELD.format(held=held) if held else "",
                )
            )
            for group in progress[:30]:
                lines.append(
                    texts.STATUS_GROUP_ITEM.format(
                        name=group.name,
                        group=group.chat_id,
                        status=texts.OUTBOX_STATUS.get(group.status, group.status),
                        error=f"，{group.error[:40]}"
                        if group.error and group.status != "sent"
                        else "",
                    )
                )
        return "\n".join(lines)

    async def figures(self, activity_ids: Collection[int]) -> dict[int, SignupFigures]:
        """Signed up, waitlisted and checked in, per activity (zeros for one nobody joined)."""
        found = {activity_id: SignupFigures() for activity_id in activity_ids}
        if not found:
            return found
        async with self.db.session() as session:
            rows = await session.execute(
                select(
                    Signup.activity_id,
                    Signup.status,
                    func.count(Signup.id),
                    func.count(Signup.checked_in_at),
                )
                .where(Signup.activity_id.in_(list(found)))
                .group_by(Signup.activity_id, Signup.status)
            )
            for activity_id, status, count, checked in rows.all():
                now = found[activity_id]
                found[activity_id] = SignupFigures(
                    signed=now.signed + (count if status == SignupStatus.SIGNED.value else 0),
                    waitlisted=now.waitlisted
                    + (count if status == SignupStatus.WAITLISTED.value else 0),
                    checked=now.checked + checked,
                )
        return found

    async def group_progress(self, activity: Activity) -> list[GroupProgress]:
        """Where the announcement stands in each target group (none before it is sent)."""
        if self.outbox is None or activity.status == ActivityStatus.DRAFT.value:
            return []
        rows: dict[str, Any] = {}
        for platform in sorted({g.partition(":")[0] for g in activity.target_groups}):
            for row in await self.outbox.progress(f"activity:{activity.id}:{platform}:"):
                rows[f"{platform}:{row.chat_id}"] = row
        progress = []
        for group in activity.target_groups:
            platform, _, chat_id = group.partition(":")
            row = rows.get(group)
            org = self.grid.org_of_chat(platform, chat_id)
            progress.append(
                GroupProgress(
                    platform=platform,
                    chat_id=chat_id,
                    name=org.name if org else "群",
                    status=_status(row) if row else "pending",
                    error=getattr(row, "last_error", None) if row else None,
                )
            )
        return progress

    async def signups(self, activity_id: int) -> list[Signup]:
        """Every sign-up of the activity (cancelled ones too), in sign-up order."""
        async with self.db.session() as session:
            return list(
                (
                    await session.scalars(
                        select(Signup)
                        .where(Signup.activity_id == activity_id)
                        .order_by(Signup.position)
                    )
                ).all()
            )

    # ---- export ------------------------------------------------------------------------------

    async def export(self, organiser: Speaker, activity_id: int) -> tuple[str, int]:
        """Write the sign-up sheet as XLSX and CSV under DATA_DIR/exports with an unguessable
        token; returns (token, rows). Served at /exports/{token}.xlsx|csv."""
        from bot.activities.export import write_export

        activity = await self._managed(organiser, activity_id)
        signups = await self.signups(activity_id)
        token = secrets.token_urlsafe(24)
        folder = self.settings.data_dir / "exports"
        await asyncio.get_running_loop().run_in_executor(
            None, write_export, folder, token, activity, list(signups), self.zone
        )
        log.info("activity %s exported by %s (%d rows)", activity_id, organiser.id, len(signups))
        return token, len(signups)

    def export_url(self, token: str, suffix: str) -> str:
        """The link of an exported file."""
        return f"{self.settings.public_url.rstrip('/')}/exports/{token}.{suffix}"

    # ---- timers ------------------------------------------------------------------------------

    async def tick(self) -> tuple[int, int]:
        """Announce what is due and send due reminders; returns (activities announced, reminded)."""
        now = self.clock()
        async with self.db.session() as session:
            due = (
                await session.scalars(
                    select(Activity.id).where(
                        Activity.status == ActivityStatus.SCHEDULED.value,
                        Activity.announce_at <= now,
                    )
                )
            ).all()
            reminders = (
                await session.scalars(
                    select(ActivityReminder).where(
                        ActivityReminder.sent_at.is_(None), ActivityReminder.due_at <= now
                    )
                )
            ).all()
        for activity_id in due:
            await self.announce(activity_id)
        reminded = 0
        for reminder in reminders:
            reminded += await self._remind(reminder)
        return len(due), reminded

    async def _remind(self, reminder: ActivityReminder) -> int:
        async with self.db.session() as session:
            won = await session.execute(
                update(ActivityReminder)
                .where(ActivityReminder.id == reminder.id, ActivityReminder.sent_at.is_(None))
                .values(sent_at=self.clock())
            )
            if not won.rowcount:
                return 0
            activity = await session.get(Activity, reminder.activity_id)
            if activity is None or activity.status != ActivityStatus.ANNOUNCED.value:
                return 0
            if activity.starts_at <= self.clock():
                return 0  # the bot was down past the start: a late reminder helps nobody
            people = (
                await session.scalars(
                    select(Signup).where(
                        Signup.activity_id == activity.id,
                        Signup.status == SignupStatus.SIGNED.value,
                    )
                )
            ).all()
        text = texts.REMINDER.format(
            id=activity.id,
            title=activity.title,
            time=self.show(activity.starts_at),
            place=activity.place or "另行通知",
        )
        hours = f"{reminder.hours:g}"
        for signup in people:
            await self._tell(
                f"activity:{activity.id}:remind:{hours}:{signup.platform}:{signup.user_id}",
                signup.platform,
                signup.user_id,
                text,
            )
        log.info("activity %s: %s h reminder to %d", activity.id, hours, len(people))
        return len(people)

    def start(self) -> None:
        """Start the timer loop in the background."""
        self._timers.start()

    async def stop(self) -> None:
        """Stop the timer loop; timers stay in the database for the next start."""
        await self._timers.stop()


def parse_quota(text: str) -> int | None:
    """A quota as written (数字 or 不限); raises ActivityError."""
    text = text.strip().removesuffix("人").strip()
    if text in ("不限", "无", "无限", "0", ""):
        return None
    if not text.isdigit() or int(text) < 1:
        raise ActivityError(texts.BAD_QUOTA)
    return int(text)


async def _locked(session: AsyncSession, activity_id: int) -> Activity | None:
    """The activity, locked for the rest of the transaction: sign-ups of one activity queue up.

    A no-op UPDATE comes first because it locks on both databases: the row on PostgreSQL, the
    database on SQLite (whose SELECTs take no write lock, so a quota check could race).
    """
    await session.execute(
        update(Activity).where(Activity.id == activity_id).values(revision=Activity.revision)
    )
    return await session.scalar(
        select(Activity).where(Activity.id == activity_id).with_for_update()
    )


def _status(row: Any) -> str:
    """An outbox row's status as its plain value (`sent`, `failed`…)."""
    status = row.status
    return str(getattr(status, "value", status))


def _masked(user_id: str) -> str:
    return mask_user(user_id)

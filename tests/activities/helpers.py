"""Shared by the activity tests: a recording channel and an outbox on the test clock."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.activities.service import ActivityDraft, ActivityService
from bot.chat.speaker import Speaker
from bot.delivery.outbox import Outbox
from bot.grid.model import Person, Role
from bot.settings import Settings
from bot.storage.database import Database
from tests.utils import Clock

ADMIN = Speaker("qq", "10000", None, is_admin=True)
STREET_A = Speaker("qq", "10001", Person("street-a", "街道甲", Role.CADRE, ("street",), qq="10001"))
DISTRICT_A = Speaker(
    "qq", "10004", Person("district-a", "区里甲", Role.CADRE, ("district",), qq="10004")
)
YOUTH = Speaker("qq", "30001", None)


@dataclass
class Sent:
    """One message the recording channel sent, and when (on the test clock)."""

    kind: str
    chat_id: str
    text: str
    at: datetime


@dataclass
class RecordingChannel:
    """A QQ channel that records what it sends."""

    clock: Clock
    platform: str = "qq"
    can_push: bool = True
    sent: list[Sent] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(9000))

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        self.sent.append(Sent("private", user_id, text, self.clock()))
        return str(next(self._ids))

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        self.sent.append(Sent("group", group_id, text, self.clock()))
        return str(next(self._ids))

    def to(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]


def make_outbox(db: Database, settings: Settings, clock: Clock, channel: object) -> Outbox:
    """An outbox whose waits move the test clock instead of sleeping."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    return Outbox(db, {"qq": channel}, settings, clock=clock, sleep=sleep)  # type: ignore[dict-item]


def draft(clock: Clock, **changes: object) -> ActivityDraft:
    """A draft starting in two days, for the street's group unless told otherwise."""
    values: dict[str, object] = {
        "title": "社区志愿服务",
        "starts_at": clock() + timedelta(days=2),
        "place": "街道活动中心",
        "details": "请穿运动鞋",
        "quota": None,
        "targets": {"orgs": ["street"]},
    }
    values.update(changes)
    return ActivityDraft(**values)  # type: ignore[arg-type]


async def announced(service: ActivityService, clock: Clock, **changes: object) -> int:
    """An activity created by the admin and announced now; its id."""
    activity = await service.create(ADMIN, draft(clock, **changes))
    await service.schedule(ADMIN, activity.id)
    return activity.id


UTC = timezone.utc

"""Tables of League activities: the activity, its sign-ups and its reminder timers."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class ActivityStatus(str, Enum):
    """Where an activity is in its life."""

    DRAFT = "draft"
    """Created, previewed, not confirmed yet."""
    SCHEDULED = "scheduled"
    """Confirmed; announced at `announce_at` by the timer."""
    ANNOUNCED = "announced"
    """Every target group's announcement is in the outbox; sign-ups are open."""
    CANCELLED = "cancelled"


class SignupStatus(str, Enum):
    """A youth's place in an activity."""

    SIGNED = "signed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Activity(Base):
    """A League activity: what, when, where, for whom, how many."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[str] = mapped_column(Text, default="")
    quota: Mapped[int | None] = mapped_column(Integer)
    """Most participants; None: no limit (nobody is waitlisted)."""
    signup_deadline: Mapped[datetime | None] = mapped_column()
    """No sign-ups after this; None: until the start."""
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{"orgs": [ids, children included], "tags": [...], "groups": ["qq:40001", ...]}."""
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The groups the targets resolved to when announced ("qq:40001"), for 活动 lists and progress."""
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Extra information collected in private chat: name | phone | school."""
    checkin_code: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActivityStatus.DRAFT.value, index=True)
    announce_at: Mapped[datetime | None] = mapped_column(index=True)
    announced_at: Mapped[datetime | None] = mapped_column()
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The organiser's org: cadres at or above it may manage the activity."""
    created_by: Mapped[str] = mapped_column(String(64))
    """Grid person id, or platform:account of an admin outside the grid."""
    creator_platform: Mapped[str] = mapped_column(String(16))
    creator_account: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(200), unique=True)
    """`yaml:<id>` for activities from faq_data/activities/; None for chat-made ones."""
    revision: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped by every edit after the announcement (keys of the change notices)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()


class Signup(Base):
    """One youth's sign-up for one activity; cancelling keeps the row (and the history)."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "platform", "user_id", name="uq_signup_activity_user"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    """Where the youth signed up (None: private chat)."""
    nickname: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    position: Mapped[int] = mapped_column(Integer)
    """Order of (re-)signing up within the activity; the waitlist is promoted in this order."""
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """Extra fields (name, phone, school): personal data, never logged, only exported."""
    signed_up_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()


class ActivityReminder(Base):
    """A reminder timer: `hours` before the start, participants are reminded once."""

    __tablename__ = "activity_reminders"
    __table_args__ = (UniqueConstraint("activity_id", "hours", name="uq_activity_reminder"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    hours: Mapped[float] = mapped_column(Float)
    due_at: Mapped[datetime] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column()

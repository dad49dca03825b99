"""Tables of the case lifecycle: cases, their askers, events, notifications and deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class CaseStatus(str, Enum):
    """Where a case is in its life."""

    OPEN = "open"
    """Waiting for someone to take it (nobody on duty could be assigned)."""
    ASSIGNED = "assigned"
    ANSWERED = "answered"
    CLOSED = "closed"


class CaseEventKind(str, Enum):
    """What can happen to a case; the event log only ever grows."""

    OPENED = "opened"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    REASSIGNED = "reassigned"
    NOTIFIED = "notified"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    MERGED = "merged"
    ANSWERED = "answered"
    DELIVERED = "delivered"
    HELD = "held"
    LIKED = "liked"
    LEARNED = "learned"
    APPROVED = "approved"
    """An admin approved the case's learned FAQ entry."""
    REJECTED = "rejected"
    """An admin rejected (deleted) the case's learned FAQ entry."""
    CLOSED = "closed"
    ALERTED = "alerted"


class Case(Base):
    """A question (and the same question from other youths) that needs a person."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    """The first question; merged askers are in `case_askers`."""
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)
    """Safety-critical: on-duty cadres were alerted at once."""
    risk_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """The crisis screen's level of an urgent case, 1-3 (0: not graded, e.g. opened before grading)."""
    risk_reason: Mapped[str | None] = mapped_column(String(200))
    """Why the question was flagged, shown to cadres."""
    topic: Mapped[str | None] = mapped_column(String(32))
    origin_org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org of the chat the question came from (None: unknown, e.g. private chat)."""
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org whose people own the case now; escalation moves it up the tree."""
    status: Mapped[str] = mapped_column(String(16), index=True, default=CaseStatus.OPEN.value)
    assignee_id: Mapped[str | None] = mapped_column(String(64), index=True)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    close_reason: Mapped[str | None] = mapped_column(Text)
    remind_at: Mapped[datetime | None] = mapped_column(index=True)
    """When the assignee gets a reminder (half the time limit); cleared once sent."""
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    """First-response deadline at the current level; past it the case climbs a level."""
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    learned_entry_id: Mapped[str | None] = mapped_column(String(128))

    @property
    def risky(self) -> bool:
        """A crisis case (urgent, or graded distress or worse, `RiskLevel.DISTRESS`): what its
        askers wrote, and the answer to it, never show in a group."""
        return bool(self.urgent) or (self.risk_level or 0) >= RISKY_LEVEL


RISKY_LEVEL = 1
"""`bot.safety.crisis.RiskLevel.DISTRESS`: from this level on a case is `Case.risky`."""


class CaseAsker(Base):
    """One youth waiting for a case's answer (the first asker and every merged one)."""

    __tablename__ = "case_askers"
    __table_args__ = (UniqueConstraint("case_id", "question_id", name="uq_case_asker_question"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    """The youth's question message, quoted when the answer arrives."""


class CaseEvent(Base):
    """One entry of a case's append-only log."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str | None] = mapped_column(String(64))
    """A grid person id, "system", or a youth's masked id."""
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CaseMessage(Base):
    """A notification the bot sent about a case, so a quote of it answers that case."""

    __tablename__ = "case_messages"
    __table_args__ = (
        UniqueConstraint("platform", "account", "message_id", name="uq_case_message_key"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account that sent it (OneBot message ids are unique per account only); "" on
    rows from before accounts were told apart, and on platforms of one account."""
    message_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(str, Enum):
    """Where an answer to a youth is."""

    HELD = "held"
    """Waiting for the youth's next message (the platform forbids a late push, or the push failed)."""
    SENT = "sent"


class Delivery(Base):
    """A message for one chat, sent or held until that chat next messages the bot (pull
    delivery): a person's answer to a youth (`asker_id` set), a case notification to a cadre
    reachable only where the bot cannot push (no asker), or an outbox row for such a chat, an
    activity announcement (`outbox_id` set, no case)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_askers.id", ondelete="CASCADE"), index=True
    )
    outbox_id: Mapped[int | None] = mapped_column(Id, index=True)
    """The outbox row this delivery carries (marked sent with it)."""
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[str | None] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account that received the question: the answer goes out through it if it is
    connected ("" on rows from before, or if unknown)."""
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), index=True, default=DeliveryStatus.HELD.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()

"""Tables of the Q&A loop: questions, the bot's messages about them, feedback and per-group
switches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


def nearest_of(matches: object) -> str | None:
    """The entry id of the best match in `matches` (as the databases read `matches[0].id`)."""
    if not isinstance(matches, list) or not matches or not isinstance(matches[0], dict):
        return None
    found = matches[0].get("id")
    if found is None or isinstance(found, (dict, list)):
        return None
    return str(found)


def _nearest_of(context: Any) -> str | None:
    return nearest_of(context.get_current_parameters().get("matches"))


class Question(Base):
    """One question a youth asked, recorded whether or not the FAQ answered it."""

    __tablename__ = "questions"
    __table_args__ = (
        # Statistics (/统计, the console's dashboard) read only these three columns of a
        # period's questions: the index alone answers them.
        Index("ix_questions_created_org_outcome", "created_at", "org_id", "outcome"),
        # The count of questions of no org by platform: index-only.
        Index("ix_questions_org_created_platform", "org_id", "created_at", "platform"),
        # The monthly report's one pass over two months by best entries and outcome: grouped
        # columns first, so it is read in group order (see bot.reports.monthly).
        Index("ix_questions_report", "entry_id", "nearest_id", "outcome", "created_at", "org_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16), index=True)
    group_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account that received it (QQ: the bot's self_id); "" on rows from before."""
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)
    matches: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Best matches at asking time: [{"id": entry id, "score": float}], best first."""
    nearest_id: Mapped[str | None] = mapped_column(String(128), default=_nearest_of)
    """The first of `matches` (its entry id), filled in from them on insert: what the report
    counts topics by, without reading the JSON of every question."""
    band: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    """answered | suggested | chosen | unanswered | crisis (see bot.qa.outcome.Outcome)."""
    entry_id: Mapped[str | None] = mapped_column(String(128))
    """The FAQ entry the youth finally got, if any."""
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org of the chat (from the grid), for statistics by org."""
    asker: Mapped[str] = mapped_column(String(16), default="")
    """The youth's display name, masked (小**): what cadres see instead of the account."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column()
    risk_level: Mapped[int | None] = mapped_column(Integer)
    """Crisis screen's risk level, 0-3 (see bot.safety.crisis.RiskLevel); None: nothing found."""
    risk_reason: Mapped[str | None] = mapped_column(String(200))
    """Why the crisis screen flagged it (which cues matched), for cadres."""


class BotMessage(Base):
    """A message the bot sent about a question, so a quote of it finds the question again."""

    __tablename__ = "bot_messages"
    __table_args__ = (
        UniqueConstraint("platform", "account", "message_id", name="uq_bot_message_key"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account that sent it (OneBot message ids are unique per account only); "" on
    rows from before accounts were told apart."""
    message_id: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """A youth's 点赞 (like) or 没用 (not helpful) on an answer; one per youth and question."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_feedback_question_user"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[str | None] = mapped_column(String(128), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupSetting(Base):
    """Per-group switches a group admin controls."""

    __tablename__ = "group_settings"
    __table_args__ = (UniqueConstraint("platform", "group_id", name="uq_group_setting"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[str] = mapped_column(String(64))
    auto_ask: Mapped[bool] = mapped_column(default=False)
    """Every message in the group reads as a question, without @ of the bot."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

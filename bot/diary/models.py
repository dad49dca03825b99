"""The tables of 团情日记: one row per visit, one per follow-up of a visit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class Diary(Base):
    """A cadre's grassroots visit: when, where, whom they met and what they heard."""

    __tablename__ = "diaries"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    author_id: Mapped[str] = mapped_column(String(64), index=True)
    """The grid person id of the cadre (platform:account outside the grid)."""
    author_name: Mapped[str] = mapped_column(String(64), default="")
    platform: Mapped[str] = mapped_column(String(16))
    """Where the author reaches the bot: answers to its follow-up cases go there."""
    account: Mapped[str] = mapped_column(String(64))
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    """The local day of the visit."""
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org visited (or, for a place outside the grid, the author's own org)."""
    place: Mapped[str] = mapped_column(String(100), default="")
    """The place as the cadre named it, when it is not an org of the grid."""
    youths_met: Mapped[int] = mapped_column(default=0)
    youths_note: Mapped[str] = mapped_column(String(200), default="")
    """Who they were (高二学生, 快递小哥…)."""
    heard: Mapped[str] = mapped_column(Text, default="")
    """青年所思所想所盼."""
    problems: Mapped[str] = mapped_column(Text, default="")
    """Problems and difficulties raised, one a line."""
    deed: Mapped[bool] = mapped_column(default=False)
    """Counts as the month's 一件实事."""
    research: Mapped[bool] = mapped_column(default=False)
    """Counts as the month's 一篇调研报告."""
    paired: Mapped[bool] = mapped_column(default=False)
    """Counts as 结对一个团支部书记."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUp(Base):
    """Something a visit left to do; it may become a case, or be marked done by hand."""

    __tablename__ = "diary_followups"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    diary_id: Mapped[int] = mapped_column(ForeignKey("diaries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    case_id: Mapped[int | None] = mapped_column(index=True)
    """The case it became (its status is the follow-up's)."""
    done_at: Mapped[datetime | None] = mapped_column()
    """Marked done without a case."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

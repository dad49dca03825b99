"""The table of 微心愿: one row per wish, from its draft to 已点亮 or 已撤回."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class WishStatus(str, Enum):
    """Where a wish is in its life."""

    DRAFT = "draft"
    """Posted; its fields (for whom, contact, org) are being asked privately."""
    OPEN = "open"
    """待认领."""
    CLAIMED = "claimed"
    """进行中: a cadre took it on."""
    LIT = "lit"
    """已点亮: fulfilled."""
    WITHDRAWN = "withdrawn"
    """已撤回 by the youth."""


class Wish(Base):
    """A youth's small wish and who is fulfilling it."""

    __tablename__ = "wishes"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    """The youth's account on `platform` (told at each step there)."""
    account: Mapped[str] = mapped_column(String(64), default="")
    nickname: Mapped[str] = mapped_column(String(64), default="")
    group_id: Mapped[str | None] = mapped_column(String(64))
    """The group it was posted in (None: private chat or the web page)."""
    for_whom: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org whose cadres see it now (climbs to the parent when nobody claims it)."""
    org_since: Mapped[datetime | None] = mapped_column()
    """Since when it waits at `org_id`."""
    status: Mapped[str] = mapped_column(String(16), default=WishStatus.DRAFT.value, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), index=True)
    """The grid person id of the cadre who claimed it."""
    claimed_at: Mapped[datetime | None] = mapped_column()
    lit_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    """The cadre's note when fulfilled (may hold a photo link)."""
    escalations: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

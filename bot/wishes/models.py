"""The tables of 微心愿: one row per wish, from its draft to 已点亮 or 已撤回, and the campaigns
(六一 …) that batches of imported wishes belong to."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from sqlalchemy import JSON, ForeignKey, String, Text
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
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("wish_campaigns.id", ondelete="CASCADE"), index=True
    )
    """The campaign it was imported for (None: posted by a youth)."""
    campaign_org_id: Mapped[str | None] = mapped_column(String(64))
    """The org a campaign's wish counts for in the campaign's progress (where it was imported;
    `org_id` may climb above it when nobody claims it)."""


class WishCampaign(Base):
    """A campaign (六一 …): wishes imported in batches from XLSX for some orgs, a target date."""

    __tablename__ = "wish_campaigns"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60))
    target_date: Mapped[date] = mapped_column()
    """The day the wishes should all be lit by."""
    orgs: Mapped[list[str]] = mapped_column(JSON)
    """The orgs (and those below them) whose wishes it takes."""
    created_by: Mapped[str] = mapped_column(String(64))
    """The console account that created it."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

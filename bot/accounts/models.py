"""Tables of account linking: the links, the one-time codes, and failed attempts to redeem one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class AccountLink(Base):
    """A grid person's account on a platform, linked with a code (one account per platform)."""

    __tablename__ = "account_links"
    __table_args__ = (
        UniqueConstraint("platform", "account", name="uq_account_links_account"),
        UniqueConstraint("person_id", "platform", name="uq_account_links_person"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A one-time code a person asked for on a surface that knows them; kept as its digest."""

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    """sha256 of the platform and the code; a code may come again once the last one is dead."""
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    """The platform the code links (qqbot)."""
    issued_via: Mapped[str] = mapped_column(String(16))
    """Where it was asked for (qq, wecom, console)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    """Set once, when redeemed or replaced by a newer code: a used code never works again."""
    used_by: Mapped[str | None] = mapped_column(String(64))


class LinkFailure(Base):
    """A failed attempt to redeem a code (a wrong, expired or used one, or one sent in a group):
    too many from an account lock it out for a while; too many from all accounts together void
    the codes outstanding meanwhile."""

    __tablename__ = "link_failures"
    __table_args__ = (
        Index("ix_link_failures_account", "platform", "account", "at"),
        Index("ix_link_failures_at", "platform", "at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

"""Tables of the console: its accounts and the audit log of what was done in it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class AccountRole(str, Enum):
    """What a console account may see."""

    ADMIN = "admin"
    """团市委 / 县区团委 staff: every org, accounts, the audit log."""
    CADRE = "cadre"
    """A cadre of the grid: their orgs and the orgs below."""
    EXPERT = "expert"
    """An expert of the grid: their orgs and below, and the cases given to them."""


class ConsoleAccount(Base):
    """One login of the console."""

    __tablename__ = "console_accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str | None] = mapped_column(String(64))
    """The grid person a cadre or expert account acts as (optional for an admin)."""
    active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    """Bumped when the password changes or the account is disabled: older sessions stop."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None] = mapped_column()


class AuditEntry(Base):
    """One thing done in the console (or tried: failed logins count toward the login limit)."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    """Who acted, or the name a failed login tried."""
    action: Mapped[str] = mapped_column(String(32), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True, default="")
    """The client address (rate key) the request came from."""
    target: Mapped[str | None] = mapped_column(String(128))
    """What it was done to: case #12, account 张三 …"""
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)

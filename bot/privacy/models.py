"""Requests to erase a youth's data that wait for their 确认删除, shared by every process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class EraseRequest(Base):
    """A youth sent 删除我的数据: 确认删除 before `expires_at`, through any process, erases."""

    __tablename__ = "erase_requests"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    requested_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    """Past it the request is void (and swept by the privacy clean-up)."""

"""The tables of the conversation layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base


class DialogueState(Base):
    """A guided dialogue under way (e.g. /发布活动): which step it waits at and what was said.

    In the database, so the next answer may reach any process, or this one after a restart.
    """

    __tablename__ = "dialogues"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The group id, or "" for a private chat."""
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    """Raised by every answer: two processes handling one answer advance it once."""
    expires_at: Mapped[datetime] = mapped_column(index=True)
    """Past it the dialogue is void: the next message is an ordinary one."""

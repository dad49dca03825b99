"""兴趣小组 (bot/groups)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class GroupSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    group_tick_seconds: float = Field(
        30, description="How often interest-group votes past their deadline are closed."
    )

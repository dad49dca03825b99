"""Activities (bot/activities): reminders and how often schedules are checked."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.common.config import parse_list, positive


class ActivitySettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    activity_reminders_hours: tuple[float, ...] = Field(
        (24.0, 1.0),
        description="Hours before an activity's start at which participants are reminded, "
        "comma-separated (kept largest first); empty: no reminders.",
    )
    activity_tick_seconds: float = Field(
        30, description="How often scheduled announcements and activity reminders are checked."
    )

    @field_validator("activity_reminders_hours", mode="before")
    @classmethod
    def _reminder_hours(cls, value: Any) -> tuple[float, ...]:
        hours = parse_list("activity_reminders_hours", value, positive(float))
        return tuple(sorted(set(hours), reverse=True))

    @property
    def activity_reminder_hours(self) -> tuple[float, ...]:
        """ACTIVITY_REMINDERS_HOURS, largest first."""
        return self.activity_reminders_hours

"""微心愿 (bot/wishes)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WishSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    wish_target: int = Field(
        5, ge=1, description='Wishes each cadre takes on (the "1+5" rule), shown as progress.'
    )
    wish_open_claims_max: int = Field(
        5, ge=1, description="Most wishes one cadre may hold claimed and not yet fulfilled."
    )
    wish_escalate_days: float = Field(
        7,
        gt=0,
        description="Days an unclaimed wish waits at its org before it climbs to the parent.",
    )
    wish_tick_seconds: float = Field(600, description="How often unclaimed wishes are checked.")
    wish_demo: bool = Field(
        False,
        description="Seed a few demo wishes on the first start with an empty wishes table "
        "(the local demo only).",
    )

"""The crisis screen (bot/safety)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SafetySettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    crisis_semantic: Literal["off", "on"] = Field(
        "off",
        description="The crisis screen's semantic step (bot.safety.semantic) for messages its "
        "n-gram layer is unsure of: off by default, as on held-out youth messages it caught "
        "nothing more and cost about 5x per message; on needs the semantic layer (SEMANTIC).",
    )

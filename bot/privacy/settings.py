"""Privacy: retention of personal fields and the life of export links (bot/privacy)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PrivacySettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    retention_days: int = Field(
        0,
        description="Days after which a question's personal fields (text, account, message "
        "ids) are erased, keeping only what statistics count; 0 keeps them.",
    )
    export_ttl_hours: float = Field(
        24,
        description="Hours a sign-up export link works; then the link stops and the files "
        "are deleted.",
    )
    privacy_tick_seconds: float = Field(
        3600, description="Seconds between runs of the retention and export clean-up."
    )

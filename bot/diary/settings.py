"""团情日记 (bot/diary)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DiarySettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    diary_workdays_target: int = Field(
        1, ge=1, description="Days of grassroots work (基层工作日) each cadre records a month."
    )
    diary_youths_target: int = Field(
        10, ge=1, description="Youths each cadre meets a month (结交一批青年)."
    )
    diary_demo: bool = Field(
        False,
        description="Seed a few demo diaries on the first start with an empty diaries table "
        "(the local demo only).",
    )

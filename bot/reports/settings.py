"""The monthly 团情分析 report (bot/reports)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReportSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    report_font: str = Field(
        "",
        description="A font file with Chinese glyphs (.ttf/.ttc/.otf) for the report's PNG "
        "summary; empty: look in the usual system places (WenQuanYi, Noto CJK, fc-match); "
        "off: no image, /月报 sends text and the link.",
    )

"""The Q&A loop: choices, groups, long messages and rate limits (bot/qa)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class QaSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    choice_ttl_minutes: int = Field(
        30, description="How long a youth can pick a numbered choice after it was offered."
    )
    group_auto_ask: bool = Field(
        False,
        description="Default for groups: treat every message as a question (without @). "
        "Group admins can switch it per group with /自动答疑 开|关.",
    )
    max_question_chars: int = Field(300, description="Longer messages are politely refused.")
    rate_user_per_minute: int = Field(
        6,
        description="Messages one user may send the bot per minute; over it they are told once, "
        "then the bot stays silent until the minute lets them in again.",
    )
    rate_group_per_minute: int = Field(
        30,
        description="Replies the bot may send in one group per minute (answers, choices, refusals "
        "alike); over it the bot stays silent in that group (logged).",
    )

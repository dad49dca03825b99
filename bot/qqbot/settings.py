"""The official QQ bot API (QQ 开放平台 webhook, bot/qqbot, plugins/qqbot)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class QQBotSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    qq_bot_appid: str = Field(
        "", description="QQ 开放平台 bot AppID; empty: the QQ official bot is off."
    )
    qq_bot_secret: str = Field(
        "", description="QQ 开放平台 bot AppSecret (signs webhook events, gets access tokens)."
    )
    qq_bot_sandbox: bool = Field(
        False, description="Call the sandbox OpenAPI (only the sandbox groups and users)."
    )
    qq_bot_api_base: str = Field(
        "", description="OpenAPI base URL; empty: the platform's (or its sandbox's)."
    )
    qq_bot_auth_url: str = Field("", description="Access-token URL; empty: the platform's.")
    qq_bot_max_timestamp_skew: int = Field(
        300,
        description="Webhook events whose signed timestamp is further off than this (seconds) "
        "are refused, as are events whose id was already accepted.",
    )

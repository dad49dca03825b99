"""Operations: /healthz and /metrics (bot/ops)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OpsSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    healthz_require_qq: bool = Field(
        True,
        description="/healthz answers 503 while no QQ account is connected; set false for a "
        "bot reached only by the web page or WeChat.",
    )
    metrics_token: str = Field(
        "",
        description="Bearer token for /metrics; empty: /metrics answers only this machine "
        "(loopback, no proxy headers).",
    )

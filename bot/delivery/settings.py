"""The outbox: paced sending per bot account (bot/delivery/outbox.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OutboxSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    outbox_spacing_seconds: float = Field(
        2.5,
        ge=0,
        description="Least time between two sends of one bot account; QQ risk control punishes "
        "bursts, keep it at 2 or more.",
    )
    outbox_jitter_seconds: float = Field(
        1.0, ge=0, description="A random 0..this is added to every spacing, so sends look human."
    )
    outbox_hourly_cap: int = Field(
        200,
        ge=1,
        description="Most sends of one bot account in any hour; beyond it the queue waits.",
    )
    outbox_max_attempts: int = Field(
        4, ge=1, description="Tries per message before it is marked failed (with the last error)."
    )
    outbox_backoff_seconds: float = Field(
        30, ge=0, description="Wait before the first retry; doubled for each further retry."
    )
    outbox_circuit_failures: int = Field(
        3,
        ge=1,
        description="Consecutive timeouts or risk-control errors (OneBot retcode 1200) after which "
        "an account pauses and admins are told.",
    )
    outbox_circuit_pause_minutes: float = Field(
        30, ge=0, description="How long an account pauses once its circuit opens."
    )
    outbox_lease_seconds: float = Field(
        300,
        gt=0,
        description="A message claimed by a worker that died becomes sendable again after this.",
    )
    outbox_send_timeout_seconds: float = Field(
        30, gt=0, description="A send that takes longer counts as a timeout."
    )
    outbox_tick_seconds: float = Field(
        5, gt=0, description="How often the outbox looks for due messages when idle."
    )
    outbox_routes_minutes: float = Field(
        10,
        gt=0,
        description="How often the groups and friends of each connected QQ account are listed "
        "again (a group's messages go out through an account in it).",
    )

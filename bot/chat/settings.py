"""The conversation (bot/chat): whom it never answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.common.config import comma_list


class ChatSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    ignore_users: frozenset[str] = Field(
        frozenset(),
        description="Comma-separated accounts of other bots in your groups; their messages are "
        "ignored so two bots never loop.",
    )

    @field_validator("ignore_users", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> frozenset[str]:
        return frozenset(comma_list(value))

    @property
    def ignored_users(self) -> frozenset[str]:
        """IGNORE_USERS: account ids whose messages are ignored."""
        return self.ignore_users

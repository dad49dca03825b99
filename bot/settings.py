"""Settings for the whole bot, read from the environment and `.env`.

NoneBot reads its own keys (HOST, PORT, ONEBOT_ACCESS_TOKEN, SUPERUSERS, ...) from the same
places; `Settings` holds the keys that belong to 青声 itself, so the CLI and the services can
use them without starting NoneBot. Each feature owns its settings model (bot/<feature>/settings.py)
and `Settings` composes them: a field's environment variable is its name in upper case, and
lists and maps are parsed and checked once, when the settings are read.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, ValidationError, field_validator

from bot.activities.settings import ActivitySettings
from bot.cases.settings import CaseSettings
from bot.chat.settings import ChatSettings
from bot.common.config import env_name
from bot.console.settings import ConsoleSettings
from bot.delivery.settings import OutboxSettings
from bot.diary.settings import DiarySettings
from bot.faq.settings import FaqSettings
from bot.groups.settings import GroupSettings
from bot.ops.settings import OpsSettings
from bot.privacy.settings import PrivacySettings
from bot.qa.settings import QaSettings
from bot.qqbot.settings import QQBotSettings
from bot.reports.settings import ReportSettings
from bot.safety.settings import SafetySettings
from bot.semantic.settings import SemanticSettings
from bot.storage.settings import StorageSettings
from bot.web.settings import WebSettings
from bot.wechat.settings import WeChatSettings
from bot.wishes.settings import WishSettings


class SettingsError(ValueError):
    """Settings that cannot be used, one line per variable."""


class Settings(
    StorageSettings,
    FaqSettings,
    SemanticSettings,
    SafetySettings,
    QaSettings,
    ChatSettings,
    WebSettings,
    CaseSettings,
    ActivitySettings,
    WishSettings,
    DiarySettings,
    GroupSettings,
    OutboxSettings,
    OpsSettings,
    WeChatSettings,
    QQBotSettings,
    ConsoleSettings,
    PrivacySettings,
    ReportSettings,
):
    """青声's own settings: every feature's, and the few the whole bot shares."""

    timezone: str = Field("Asia/Shanghai", description="Time zone of business hours and messages.")
    public_url: str = Field(
        "http://127.0.0.1:8080",
        description="Address at which organisers reach this bot's web server; export links "
        "(/exports/...) start with it.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"TIMEZONE: unknown time zone {value!r}") from None
        return value

    @classmethod
    def env_names(cls) -> frozenset[str]:
        """Every environment variable these settings read."""
        return frozenset(env_name(name) for name in cls.model_fields)

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
        """Read settings from `env_file` (if it exists), then the process environment, then
        overrides. Raises `SettingsError` naming each variable that is wrong."""
        raw: dict[str, Any] = {}
        if env_file and Path(env_file).is_file():
            raw.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        raw.update(os.environ)
        values = {
            name: raw[env_name(name)]
            for name in cls.model_fields
            if raw.get(env_name(name)) not in (None, "")
        }
        values.update(overrides)
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None


def describe(error: ValidationError) -> str:
    """A validation error as one line per problem, each starting with its variable."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if field and not message.startswith(env_name(field)):
            message = f"{env_name(field)}: {message}"
        lines.append(message)
    return "\n".join(lines)


@lru_cache
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return Settings.from_env()

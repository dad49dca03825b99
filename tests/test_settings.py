"""Settings: every documented variable is read, each feature's model is composed into the app's,
and lists and maps are parsed at start-up with errors that name the variable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import time
from ipaddress import ip_network
from pathlib import Path

import pytest
from nonebot.adapters.onebot.v11.config import Config as OneBotConfig
from nonebot.config import Config as NoneBotConfig
from pydantic import BaseModel

from bot.settings import Settings, SettingsError

REPO = Path(__file__).resolve().parents[1]
NONEBOT_KEYS = frozenset(
    name.upper() for model in (NoneBotConfig, OneBotConfig) for name in model.model_fields
)
"""What NoneBot and its OneBot adapter read from the same .env."""
TEST_ONLY = frozenset({"REQUIRE_BROWSER", "TEST_POSTGRES_URL"})
"""Variables the README names for running the tests, read by the tests themselves."""
FEATURE_MODELS = [base for base in Settings.__mro__[1:] if base.__module__.endswith(".settings")]


def documented(text: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, text, re.M))


def test_every_variable_in_env_example_is_read_and_every_one_read_is_there() -> None:
    keys = documented((REPO / ".env.example").read_text("utf-8"), r"^#? ?([A-Z][A-Z0-9_]+)=")
    assert keys - Settings.env_names() - NONEBOT_KEYS == set()
    assert Settings.env_names() - keys == set()


def test_every_variable_the_readme_sets_is_read() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    keys = documented(readme, r"(?<![A-Za-z0-9_])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=")
    table = documented(readme, r"^\| `([A-Z][A-Z0-9_]+)` \|")  # the settings table's rows
    assert keys
    assert table
    assert (keys | table) - Settings.env_names() - NONEBOT_KEYS - TEST_ONLY == set()


def test_each_feature_owns_its_fields_and_validators() -> None:
    assert len(FEATURE_MODELS) >= 12
    fields: dict[str, type[BaseModel]] = {}
    checks: dict[str, type[BaseModel]] = {}
    for model in FEATURE_MODELS:
        for name in model.__annotations__:
            assert name not in fields, f"{name} in {model.__name__} and {fields[name].__name__}"
            fields[name] = model
        own = model.__pydantic_decorators__
        for name in [*own.field_validators, *own.model_validators]:
            if name in vars(model):
                assert name not in checks, f"{name} shadows {checks[name].__name__}'s"
                checks[name] = model
    assert set(Settings.model_fields) - set(fields) == {"timezone", "public_url"}


def test_lists_and_maps_are_typed_when_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "CASE_SLA_BY_LEVEL=street=12, city=48\n"
        "CASE_URGENT_SLA_MINUTES=3=10,1=90\n"
        "BUSINESS_HOURS=09:00-18:00\nBUSINESS_DAYS=1-5,7\n"
        "TRUSTED_PROXIES=127.0.0.1, 10.1.0.0/16\n"
        "IGNORE_USERS=10001, 10002\n"
        "ACTIVITY_REMINDERS_HOURS=1,24\n"
        "WECOM_ROBOT_KEYS=区团委=abc, bare\n",
        encoding="utf-8",
    )
    settings = Settings.from_env(env)
    assert settings.case_sla_by_level == {"street": 12.0, "city": 48.0}
    assert (settings.sla_hours("street"), settings.sla_hours("branch")) == (12.0, 24.0)
    assert settings.case_urgent_sla_minutes == {3: 10.0, 1: 90.0}
    assert (settings.urgent_sla_minutes(1), settings.urgent_sla_minutes(2)) == (90.0, 10.0)
    assert settings.business_hours == (time(9), time(18))
    assert settings.business_days == {1, 2, 3, 4, 5, 7}
    assert settings.trusted_proxy_networks == (
        ip_network("127.0.0.1/32"),
        ip_network("10.1.0.0/16"),
    )
    assert settings.ignored_users == {"10001", "10002"}
    assert settings.activity_reminder_hours == (24.0, 1.0)
    assert settings.wecom_robot_keys == {"区团委": "abc", "bare": "bare"}


def test_defaults_match_the_documented_ones() -> None:
    settings = Settings()
    assert settings.case_urgent_sla_minutes == {3: 15.0, 2: 30.0, 1: 60.0}
    assert settings.business_days == {1, 2, 3, 4, 5}
    assert settings.business_hours is None
    assert settings.activity_reminder_hours == (24.0, 1.0)
    assert settings.trusted_proxy_networks == ()
    assert settings.ignored_users == frozenset()
    assert settings.wecom_robot_keys == {}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("CASE_SLA_BY_LEVEL", "town=3", "CASE_SLA_BY_LEVEL: town=3: unknown level"),
        ("CASE_SLA_BY_LEVEL", "street", "CASE_SLA_BY_LEVEL: 'street' is not name=value"),
        ("CASE_URGENT_SLA_MINUTES", "3=soon", "CASE_URGENT_SLA_MINUTES: 3=soon"),
        ("CASE_URGENT_SLA_MINUTES", "5=10", "risk levels are 1, 2 and 3"),
        ("BUSINESS_HOURS", "9-6", "BUSINESS_HOURS: '9-6' is not HH:MM-HH:MM"),
        ("BUSINESS_DAYS", "1-9", "BUSINESS_DAYS: '1-9'"),
        ("TRUSTED_PROXIES", "nginx", "TRUSTED_PROXIES: 'nginx'"),
        ("ACTIVITY_REMINDERS_HOURS", "24,-1", "ACTIVITY_REMINDERS_HOURS: '-1': must be more"),
        ("WECOM_ROBOT_KEYS", "区团委=", "WECOM_ROBOT_KEYS"),
        ("TIMEZONE", "Asia/Shanghia", "TIMEZONE: unknown time zone"),
        ("RATE_USER_PER_MINUTE", "six", "RATE_USER_PER_MINUTE: Input should be a valid integer"),
    ],
)
def test_a_bad_value_is_refused_when_read_naming_its_variable(
    tmp_path: Path, name: str, value: str, says: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"{name}={value}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert says in str(refused.value)


def test_the_bot_does_not_start_on_a_bad_setting(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("CASE_SLA_BY_LEVEL=town=3\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if k.upper() not in Settings.env_names()},
            "PYTHONPATH": str(REPO),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "设置有误" in done.stderr
    assert "CASE_SLA_BY_LEVEL: town=3: unknown level" in done.stderr
    assert "Traceback" not in done.stderr

"""Cases (bot/cases): time limits by level and risk, business hours, merging and review."""

from __future__ import annotations

from datetime import time
from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.common.config import comma_list, env_name, parse_map, positive
from bot.grid.model import OrgLevel


def _level(text: str) -> str:
    try:
        return OrgLevel(text).value
    except ValueError:
        levels = ", ".join(level.value for level in OrgLevel)
        raise ValueError(f"unknown level (levels: {levels})") from None


def _risk_level(text: str) -> int:
    level = int(text)
    if not 1 <= level <= 3:
        raise ValueError("risk levels are 1, 2 and 3")
    return level


def _days(field: str, value: Any) -> frozenset[int]:
    days: set[int] = set()
    for part in comma_list(value):
        first, _, last = part.partition("-")
        try:
            span = range(int(first), int(last or first) + 1)
        except ValueError:
            raise ValueError(f"{env_name(field)}: {part!r} is not a weekday or a range") from None
        if not span or not all(1 <= day <= 7 for day in span):
            raise ValueError(f"{env_name(field)}: {part!r}: weekdays are 1 (Monday) to 7")
        days.update(span)
    return frozenset(days)


class CaseSettings(BaseModel):
    """Composed into bot.settings.Settings; each field is read from its upper-case name."""

    case_sla_hours: float = Field(
        24, description="First-response time limit of a case at each level, in (business) hours."
    )
    case_sla_by_level: dict[str, float] = Field(
        {},
        description="Per-level overrides, e.g. 'street=12,district=24,city=48' "
        "(levels: branch, street, district, city).",
    )
    business_hours: tuple[time, time] | None = Field(
        None,
        description="Working hours that count toward time limits, e.g. '09:00-18:00'; empty: all hours.",
    )
    business_days: frozenset[int] = Field(
        frozenset(range(1, 6)),
        description="Working weekdays (1 = Monday), e.g. '1-5' or '1,2,3,4,5,6'.",
    )
    case_tick_seconds: float = Field(
        30, description="How often reminders and escalations are checked."
    )
    case_merge_similarity: float = Field(
        70,
        description="0-100: an open case whose question is this similar takes a new asker "
        "instead of opening a new case. The score is the mean of two cosines of the questions' "
        "content (information-weighted words, character bigrams), see bot/cases/similarity.py; "
        "calibrated on tests/data/case_merge/tuning.yaml.",
    )
    case_urgent_sla_minutes: dict[int, float] = Field(
        {3: 15.0, 2: 30.0, 1: 60.0},
        description="First-response time limit of an urgent (crisis) case by risk level, in "
        "minutes of clock time (business hours do not apply): 'level=minutes,...'; levels 3 "
        "imminent, 2 danger, 1 distress. A level not listed gets the smallest limit.",
    )
    faq_learned_auto_publish: bool = Field(
        False,
        description="Serve an entry learned with /入库 at once; false: only after an admin "
        "approves it (/通过).",
    )

    @field_validator("case_sla_by_level", mode="before")
    @classmethod
    def _sla_by_level(cls, value: Any) -> dict[str, float]:
        return parse_map("case_sla_by_level", value, _level, positive(float))

    @field_validator("case_urgent_sla_minutes", mode="before")
    @classmethod
    def _urgent_sla(cls, value: Any) -> dict[int, float]:
        return parse_map("case_urgent_sla_minutes", value, _risk_level, positive(float))

    @field_validator("business_hours", mode="before")
    @classmethod
    def _business_hours(cls, value: Any) -> tuple[time, time] | None:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        first, sep, last = value.partition("-")
        try:
            if not sep:
                raise ValueError
            start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(f"BUSINESS_HOURS: {value!r} is not HH:MM-HH:MM") from None
        if start >= end:
            raise ValueError(f"BUSINESS_HOURS: {value!r} ends before it starts")
        return start, end

    @field_validator("business_days", mode="before")
    @classmethod
    def _business_days(cls, value: Any) -> frozenset[int]:
        return _days("business_days", value)

    def sla_hours(self, level: str | None) -> float:
        """The first-response limit for cases owned at `level`."""
        return self.case_sla_by_level.get(level or "", self.case_sla_hours)

    def urgent_sla_minutes(self, level: int) -> float:
        """The first-response limit of an urgent case at risk `level`, in minutes."""
        limits = self.case_urgent_sla_minutes
        return limits.get(level, min(limits.values(), default=30.0))

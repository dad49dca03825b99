"""Detection of safety-critical messages: self-harm, abuse, bullying.

A false alarm costs a cadre a glance; a miss can cost far more. So the word lists lean to recall,
and a hit always gets the 12355 hotline at once plus an alert to people (see bot.qa.hooks).
"""

from __future__ import annotations

import re
from enum import Enum


class CrisisKind(str, Enum):
    """Which kind of danger a message suggests."""

    SELF_HARM = "self_harm"
    ABUSE = "abuse"
    BULLYING = "bullying"


_PATTERNS: dict[CrisisKind, tuple[str, ...]] = {
    CrisisKind.SELF_HARM: (
        r"自杀",
        r"轻生",
        r"不想活",
        r"活不下去",
        r"活着没意思",
        r"想死",
        r"去死",
        r"结束(自己的)?生命",
        r"割腕",
        r"跳楼",
        r"跳河",
        r"吃安眠药",
        r"自残",
        r"伤害自己",
    ),
    CrisisKind.ABUSE: (
        r"家暴",
        r"被(爸|妈|父亲|母亲|继父|继母|家人|老师)?打",
        r"性侵",
        r"猥亵",
        r"强奸",
        r"虐待",
        r"被摸",
        r"被囚禁",
    ),
    CrisisKind.BULLYING: (
        r"霸凌",
        r"欺凌",
        r"被(同学|他们|人)?(欺负|勒索|孤立|围殴)",
        r"校园暴力",
        r"收保护费",
    ),
}
_COMPILED = {kind: re.compile("|".join(words)) for kind, words in _PATTERNS.items()}
# Questions *about* the topic in the abstract (policy, definitions) are still flagged: a youth
# often asks "校园欺凌怎么办" about themselves. Only plain negations are let through.
_NEGATED = re.compile(r"(不是|没有|并没)(想|要)?(自杀|轻生|想死)")


def detect_crisis(text: str) -> CrisisKind | None:
    """The kind of danger `text` suggests, or None."""
    if _NEGATED.search(text):
        return None
    for kind, pattern in _COMPILED.items():
        if pattern.search(text):
            return kind
    return None

"""Masking of phone and ID-card numbers before text reaches a log line."""

from __future__ import annotations

import re

# Mainland mobile numbers and 18-digit resident ID numbers (last char may be X), not inside longer digit runs.
_ID_CARD = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{3}[\dXx])(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def mask_pii(text: str) -> str:
    """Replace the middle of phone and ID numbers with asterisks: 13812345678 -> 138****5678."""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}{'*' * 10}{m.group(2)}", text)
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


def mask_user(user_id: str) -> str:
    """A user id shortened for logs and group-visible text: 123456789 -> 12****89."""
    if len(user_id) <= 4:
        return "*" * len(user_id)
    return f"{user_id[:2]}{'*' * (len(user_id) - 4)}{user_id[-2:]}"


def mask_nickname(nickname: str) -> str:
    """A display name reduced to its first character: 小青年 -> 小**."""
    nickname = nickname.strip()
    if not nickname:
        return "同学"
    return nickname[0] + "*" * min(len(nickname) - 1, 3) if len(nickname) > 1 else nickname + "*"

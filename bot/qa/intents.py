"""Short replies that are not questions: a like, a "not helpful", a picked choice number."""

from __future__ import annotations

import re
import unicodedata

LIKE_WORDS = frozenset({"赞", "点赞", "👍", "有用", "有帮助", "很有用", "有用谢谢", "赞赞"})
DISLIKE_WORDS = frozenset({"没用", "没有用", "👎", "没帮助", "没有帮助", "不对", "答非所问"})
HANDOVER_WORDS = frozenset(
    {"转人工", "人工", "人工客服", "找人工", "我要人工", "找团干部", "人工服务"}
)
_CHOICE = re.compile(r"^(?:第)?([1-9])(?:个|条|项)?$")
_CHINESE_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5"}
_NOISE = re.compile(r"[\s。.!！~～，,、:：]+")


def _compact(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    # Emoji variation selectors and skin tones would defeat the exact match of 👍.
    text = "".join(
        ch for ch in text if not 0xFE00 <= ord(ch) <= 0xFE0F and not 0x1F3FB <= ord(ch) <= 0x1F3FF
    )
    return _NOISE.sub("", text)


def parse_feedback(text: str) -> bool | None:
    """True for a like, False for "not helpful", None for anything else."""
    compact = _compact(text)
    if compact in LIKE_WORDS:
        return True
    if compact in DISLIKE_WORDS:
        return False
    return None


def parse_choice(text: str) -> int | None:
    """The 1-based choice number in "2", "第2个", "二", or None."""
    compact = _compact(text)
    compact = "".join(_CHINESE_DIGITS.get(ch, ch) for ch in compact)
    match = _CHOICE.match(compact)
    return int(match.group(1)) if match else None


def is_handover(text: str) -> bool:
    """Whether the youth asks for a person (转人工)."""
    return _compact(text) in HANDOVER_WORDS

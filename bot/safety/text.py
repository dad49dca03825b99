"""How the crisis screen reads a message: clauses of normalised text, youth slang spelled out.

The FAQ's `normalize` (NFKC, traditional -> simplified, lower case, punctuation and emoji removed)
runs on each clause, so negation can stay inside the clause it belongs to: in "我没有想死，但我爸天天
打我" the 没有 covers 想死 and nothing after the comma. Before that, the emoji that carry meaning
here become words, and after it the spellings youths use to get past word filters (zs, 紫砂, 想s,
bxhl) and a few dialect words become the standard ones, so the cues are written once.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.faq.normalize import normalize

# Clause boundaries: sentence and clause punctuation, line breaks, and ellipses.
_CLAUSE = re.compile(r"[，,。.!！?？;；:：\n\r…~～]+|\s{2,}")
_EMOJI = {
    "🔪": "刀",
    "🗡": "刀",
    "💊": "药",
    "🩸": "血",
    "🪢": "绳子",
    "⚰": "死",
    "🪦": "死",
    "🧨": "炸",
    "👋": "再见",
}
# After `normalize`: lower case, simplified characters, no punctuation or spaces.
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), word)
    for pattern, word in (
        (r"紫砂|自鲨|自沙|自刹|自杀杀|(?<![a-z])(?:zisha|zs)(?![a-z])", "自杀"),
        (r"(?<![a-z])(?:bxhl|bxh)(?![a-z])", "不想活了"),
        (r"(?<![a-z])xs(?![a-z])", "想死"),
        (r"(?<=想)(?:si|s)(?![a-z])|(?<![a-z])si(?![a-z])", "死"),
        (r"(?<=[\u4e00-\u9fff])(?:le|la)(?![a-z])", "了"),
        (r"不想或", "不想活"),
        (r"唔", "不"),
        (r"俺|偶(?=想|家|爸|妈)", "我"),
        (r"老汉儿|老汉|老豆|老爸|阿爸|爹地|爸比|爹", "爸"),
        (r"阿妈|老妈|妈咪", "妈"),
        (r"成日|天天|每日", "天天"),
        (r"啥子|啥", "什么"),
        (r"莫得|冇", "没有"),
        (r"学堂", "学校"),
        (r"咯|啰|嘞", "了"),
    )
)


def _spelled_out(text: str) -> str:
    for pattern, word in _SPELLINGS:
        text = pattern.sub(word, text)
    return text


@lru_cache(maxsize=4096)
def clauses(message: str) -> tuple[str, ...]:
    """The message as normalised clauses with slang spelled out; empty ones dropped."""
    for emoji, word in _EMOJI.items():
        message = message.replace(emoji, f"{word} ")
    parts = (normalize(part) for part in _CLAUSE.split(message))
    return tuple(_spelled_out(part) for part in parts if part)

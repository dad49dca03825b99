"""How the crisis screen reads a message: clauses of normalised text, youth slang spelled out.

`normalize` (the FAQ's: NFKC, traditional -> simplified, lower case, punctuation and emoji
removed; but thanks and greetings kept) runs on each clause, so negation can stay inside the clause
it belongs to: in "我没有想死，但我爸天天打我" the 没有 covers 想死 and nothing after the comma.
Before that, the emoji that carry meaning here become words, and after it the spellings youths use
to get past word filters (zs, 紫砂, 想s, bxhl) and a few dialect words become the standard ones, so the cues are written once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import cache, lru_cache
from importlib import resources

import zhconv
from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

# Clause boundaries: sentence and clause punctuation, line breaks, ellipses, and a space between
# two Chinese characters (on QQ and WeChat a space is how many youths end a clause: "我没想死 但我爸
# 天天打我"); a space between letters stays ("wo bu xiang huo le").
_CLAUSE = re.compile(
    r"[，,。.!！?？;；:：\n\r…~～、（）()【】「」“”]+|\s{2,}"
    r"|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])"
)
_MENTION = re.compile(r"@(?:\d+|[^\s@]+(?=\s|$))")
_NON_WORD = re.compile(r"[\W_]+")
_SPACE = re.compile(r"(?<![a-z0-9]) | (?![a-z0-9])")
_TRAILING_PARTICLES = re.compile(r"[啊呢吗呀啦哦]+$")
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
        # Slang for dying: 噶了/嘎了, 鼠了 (想鼠), 鲨了我自己, 挂了算了.
        (r"(?<=想)(?:噶|嘎|鼠|4(?![0-9]))|(?:噶|嘎)(?=了算了|掉算了|了吧$)", "死"),
        (r"鲨(?=了我自己|了自己|我自己)", "杀"),
        (r"(?:挂|噶|嘎)了算了", "死了算了"),
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


DATA_FILES = ("crisis.yaml", "youth.yaml", "youth2.yaml", "youth3.yaml")
"""The crisis screen's training data in bot/safety/data: the team's set, then three sets of youth
messages written apart from it (their held-out twins: tests/safety/data/youth_heldout.yaml,
youth2_heldout.yaml and youth3_heldout.yaml)."""


def data_texts() -> list[str]:
    """The YAML text of each training data file, in `DATA_FILES` order."""
    folder = resources.files("bot.safety").joinpath("data")
    return [folder.joinpath(name).read_text(encoding="utf-8") for name in DATA_FILES]


# Words a youth may type in pinyin that the training data might not spell (read first).
_PINYIN_WORDS = (
    "我 你 他 她 不想活了 想死 自杀 去死 活着 没意思 没有意义 结束 生命 跳楼 跳河 割腕 上吊 "
    "安眠药 吃药 遗书 再见 永别 拜拜 对不起 爸妈 爸爸 妈妈 我爸 我妈 打我 骂我 欺负 霸凌 同学 "
    "裸照 照片 视频 威胁 发出去 不许 告诉 网友 见面 给你钱 撑不下去 好累 解脱 消失 伤害 自己 "
    "今晚 明天 现在 天台 楼顶 刀 绳子 救命 害怕 难受 痛苦 家暴 虐待 打死 弄死 了 的 吗 吧 "
    "一切 世界 算了 真的 已经 准备 好了 都 就 要 想 不 没 有 是 在 以后 不用 等我 照顾好 东西 送给 "
    "最后 先走了 不孝 下辈子 要钱 保护费 堵我 叔叔 老师 要我 发给 向我要钱 找我要钱 厕所里"
)
_LATIN_RUN = re.compile(r"[a-z](?:[a-z ]*[a-z])?")


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable."""
    marked = {reading for readings in pinyin_dict.values() for reading in readings.split(",")}
    return frozenset(to_normal(reading) for reading in marked)


@lru_cache(maxsize=1)
def _pinyin_lexicon() -> dict[tuple[str, ...], tuple[str, int]]:
    """Syllables -> the characters they most often spell in the crisis data (1 to 4 of them),
    so a message typed in pinyin reads as the words it sounds like."""
    text = zhconv.convert("\n".join(data_texts()), "zh-cn")
    counts: Counter[tuple[str, str]] = Counter()
    for boost, source in ((1000, _PINYIN_WORDS), (1, text)):
        runs = re.findall(r"[\u4e00-\u9fff]+", source)
        sounds = lazy_pinyin(runs, style=Style.NORMAL)  # one call: the runs' syllables in a row
        start = 0
        for run in runs:
            here = sounds[start : start + len(run)]
            start += len(run)
            for size in range(1, 5):
                for i in range(len(run) - size + 1):
                    counts[(" ".join(here[i : i + size]), run[i : i + size])] += boost
    lexicon: dict[tuple[str, ...], tuple[str, int]] = {}
    for (key, word), count in counts.items():
        syllables = tuple(key.split(" "))
        if count > lexicon.get(syllables, ("", 0))[1]:
            lexicon[syllables] = (word, count)
    return lexicon


def _split_syllables(token: str) -> list[str] | None:
    """`token` as pinyin syllables (longest first, backtracking), or None if it is not pinyin."""
    known = _syllables()

    @cache
    def rest(i: int) -> tuple[str, ...] | None:
        if i == len(token):
            return ()
        for size in range(min(6, len(token) - i), 0, -1):
            if token[i : i + size] in known:
                tail = rest(i + size)
                if tail is not None:
                    return (token[i : i + size], *tail)
        return None

    found = rest(0)
    return list(found) if found is not None else None


def _hanzi(run: str) -> str:
    """A run of pinyin spelled in the characters it most likely stands for; unchanged when it
    is not pinyin or too short to tell (one syllable, "emo")."""
    syllables: list[str] = []
    for token in run.split():
        found = _split_syllables(token)
        if found is None:
            return run
        syllables += found
    if len(syllables) < 3 and " " not in run:
        return run
    # Fewest words, then the most often seen ones: "wo xian zou le" is 我 先走了, not 我现 走了.
    lexicon = _pinyin_lexicon()
    n = len(syllables)
    best: list[tuple[int, float, list[str]] | None] = [None] * (n + 1)
    best[0] = (0, 0.0, [])
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        pieces, seen, words = here
        for size in range(1, min(4, n - i) + 1):
            entry = lexicon.get(tuple(syllables[i : i + size]))
            if entry is None and size > 1:
                continue
            word, count = entry if entry is not None else (syllables[i], 0)
            step = (
                pieces + (1 if entry is not None else 2),
                seen - math.log1p(count),
                [*words, word],
            )
            there = best[i + size]
            if there is None or step[:2] < there[:2]:
                best[i + size] = step
    final = best[n]
    return "".join(final[2]) if final is not None else run


def warm_up() -> None:
    """Build the pinyin tables now (a few tenths of a second) rather than on the first message
    typed in pinyin."""
    _pinyin_lexicon()
    _syllables()


def from_pinyin(clause: str) -> str:
    """Runs of pinyin in a normalised clause ("wo bu xiang huo le") turned into characters."""
    if not any("a" <= c <= "z" for c in clause):
        return clause
    return _LATIN_RUN.sub(lambda m: _hanzi(m.group(0)), clause)


def _spelled_out(text: str) -> str:
    for pattern, word in _SPELLINGS:
        text = pattern.sub(word, text)
    return text


def normalize(text: str) -> str:
    """The FAQ's normal form without its filler removal: NFKC, simplified, lower case, no
    @mentions, punctuation, emoji or spaces (but between ASCII words), final particles trimmed.
    Politeness stays: in "谢谢你们，再见" the thanks is part of a goodbye."""
    text = unicodedata.normalize("NFKC", text)
    text = _MENTION.sub(" ", text)
    text = zhconv.convert(text, "zh-cn").lower()
    text = _NON_WORD.sub(" ", text).strip()
    text = _SPACE.sub("", text)
    return _TRAILING_PARTICLES.sub("", text).strip()


@lru_cache(maxsize=4096)
def clauses(message: str) -> tuple[str, ...]:
    """The message as normalised clauses with slang spelled out; empty ones dropped."""
    for emoji, word in _EMOJI.items():
        message = message.replace(emoji, f"{word} ")
    parts = (normalize(part) for part in _CLAUSE.split(message))
    return tuple(_spelled_out(from_pinyin(part)) for part in parts if part)

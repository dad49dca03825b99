"""Text normalisation and tokenisation shared by the FAQ index and its queries.

Everything a question goes through before it is compared, so index and query see text the same way:

1. `normalize`: NFKC (full width -> half width), traditional -> simplified Chinese, lower case,
   @mentions removed, ages in Chinese numerals written in digits (十六岁 -> 16岁), politeness fillers (请问, 你好, 谢谢, ...) removed, punctuation, emoji and
   whitespace removed, sentence-final particles (吗, 呢, 啊, ...) trimmed.
2. `Analyzer.analyze`: jieba segmentation with the admins' user dictionary, synonyms mapped to their
   canonical word, and the pinyin of every character for homophone-tolerant matching.

An `Analyzer` owns its own `jieba.Tokenizer`, so user-dictionary words never leak into jieba's global
default dictionary. After construction it is only read, so one analyzer serves many threads.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import jieba
import zhconv
from pypinyin import Style, lazy_pinyin

from bot.faq.model import Lexicon

jieba.setLogLevel(logging.WARNING)

NO_LEXICON = Lexicon()
"""The empty lexicon: jieba's own dictionary, no synonyms."""

_MENTION = re.compile(r"@(?:\d+|[^\s@]+(?=\s|$))")
# Politeness and chat fillers that carry no intent, removed wherever they appear.
_FILLERS = re.compile(
    r"(?:麻烦|想|我想|能|可以)?(?:请问|问一下|请教一下)|你好|您好|谢谢你?|谢谢您|多谢|"
    r"麻烦了|麻烦你了?|打扰了|hello|你们好|大家好"
)
_NON_WORD = re.compile(r"[\W_]+")
# A space survives only between two ASCII letters/digits ("wifi password"), elsewhere it goes.
_SPACE = re.compile(r"(?<![a-z0-9]) | (?![a-z0-9])")
# Sentence-final particles: "团费怎么交呢" and "团费怎么交" ask the same thing.
# Not 吧/呗/么/嘛: they end real words (网吧, 借呗, 什么, 干嘛).
_TRAILING_PARTICLES = re.compile(r"[啊呢吗呀啦哦]+$")
# An age in Chinese numerals (十四岁, 二十八周岁, 二十多岁): youths write ages both ways, the FAQ mostly in digits.
_CHINESE_AGE = re.compile(
    r"([一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])(?=多?周?岁)"
)
_CHINESE_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"两": 2}

# Fuzzy pinyin: sounds that Chinese speakers (and pinyin input methods) often confuse.
_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FUZZY_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"))


def normalize(text: str) -> str:
    """Canonical surface form of a question; empty if nothing meaningful is left."""
    text = unicodedata.normalize("NFKC", text)
    text = _MENTION.sub(" ", text)
    text = zhconv.convert(text, "zh-cn").lower()
    text = _CHINESE_AGE.sub(_age_digits, text)
    text = _NON_WORD.sub(" ", text).strip()
    text = _SPACE.sub("", text)
    stripped = _FILLERS.sub("", text)
    stripped = _TRAILING_PARTICLES.sub("", stripped)
    # A message that is nothing but a filler ("你好") is kept as it is: it is still a message.
    return stripped.strip() or text


def _age_digits(match: re.Match[str]) -> str:
    """十六 -> 16, 二十八 -> 28, 九 -> 9 (a number below 100 in Chinese numerals)."""
    number = match.group(1)
    if "十" not in number:
        return str(_CHINESE_DIGITS[number])
    tens, _, units = number.partition("十")
    return str(
        10 * (_CHINESE_DIGITS[tens] if tens else 1) + (_CHINESE_DIGITS[units] if units else 0)
    )


@lru_cache(maxsize=65536)
def char_pinyin(char: str) -> str:
    """Toneless, fuzzy pinyin of one character; a non-Chinese character stands for itself."""
    syllable = lazy_pinyin(char, style=Style.NORMAL, errors="default")[0]
    if syllable == char:
        return char
    for exact, fuzzy in _FUZZY_INITIALS:
        if syllable.startswith(exact):
            syllable = fuzzy + syllable[len(exact) :]
            break
    for exact, fuzzy in _FUZZY_FINALS:
        if syllable.endswith(exact):
            syllable = syllable[: -len(exact)] + fuzzy
            break
    return syllable


_base_lock = threading.Lock()
_base: jieba.Tokenizer | None = None


def new_tokenizer() -> jieba.Tokenizer:
    """A jieba tokenizer with the default dictionary, free to take user words.

    Loading jieba's dictionary takes about a second; a private, never-modified tokenizer loads it
    once and each new tokenizer starts from a copy of its word table (a few tens of milliseconds).
    """
    global _base
    with _base_lock:
        if _base is None:
            _base = jieba.Tokenizer()
            _base.initialize()
        tokenizer = jieba.Tokenizer()
        tokenizer.FREQ = dict(_base.FREQ)
        tokenizer.total = _base.total
        tokenizer.initialized = True
    return tokenizer


@dataclass(frozen=True, slots=True)
class Analysis:
    """A question as the index sees it."""

    text: str
    """Normalised text with synonyms replaced by their canonical word."""
    tokens: tuple[str, ...]
    """jieba words of `text` (canonical forms)."""
    pinyin: tuple[str, ...]
    """One syllable per character of `text`."""


class Analyzer:
    """Normalises and segments questions with one lexicon (user dictionary + synonyms)."""

    def __init__(self, lexicon: Lexicon = NO_LEXICON) -> None:
        self._synonyms = dict(lexicon.synonyms)
        self._tokenizer = new_tokenizer()
        for word, freq, tag in lexicon.words:
            self._tokenizer.add_word(normalize(word), freq, tag)
        # Both sides of a synonym pair must segment as one word to be found.
        for variant, canonical in self._synonyms.items():
            for word in (variant, canonical):
                if self._tokenizer.FREQ.get(word, 0) == 0:
                    self._tokenizer.add_word(word)
        self._synonyms = {
            normalize(variant): normalize(canonical)
            for variant, canonical in self._synonyms.items()
        }

    def information(self, word: str) -> float:
        """How much `word` says, in nats: -log of its share of jieba's dictionary (with the
        admins' words); a word the dictionary lacks counts as seen once (as rare as possible)."""
        tokenizer = self._tokenizer
        return math.log(tokenizer.total / max(tokenizer.FREQ.get(word, 0), 1))

    def tokens(self, normalized: str) -> list[str]:
        """jieba words of already-normalised text, synonyms mapped to canonical words."""
        synonyms = self._synonyms
        return [
            synonyms.get(token, token)
            for token in self._tokenizer.cut(normalized, HMM=False)
            if token.strip()
        ]

    def analyze(self, question: str) -> Analysis:
        """Normalise, segment and transliterate one question."""
        tokens = self.tokens(normalize(question))
        parts: list[str] = []
        for token in tokens:
            if parts and _is_ascii_word(parts[-1][-1]) and _is_ascii_word(token[0]):
                parts.append(" ")
            parts.append(token)
        text = "".join(parts)
        return Analysis(
            text, tuple(tokens), tuple(char_pinyin(char) for char in text if char != " ")
        )


def _is_ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


_cache_lock = threading.Lock()
_cache: OrderedDict[tuple, Analyzer] = OrderedDict()
_CACHE_SIZE = 2


def analyzer_for(lexicon: Lexicon) -> Analyzer:
    """A shared analyzer for `lexicon`: reloading an unchanged lexicon reuses the jieba dictionary."""
    key = (lexicon.words, tuple(sorted(lexicon.synonyms.items())))
    with _cache_lock:
        analyzer = _cache.get(key)
        if analyzer is not None:
            _cache.move_to_end(key)
            return analyzer
    analyzer = Analyzer(lexicon)
    with _cache_lock:
        _cache[key] = analyzer
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return analyzer

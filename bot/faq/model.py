"""Plain data shared across the FAQ engine: entries, the lexicon, matches and bands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import Enum

REVIEW_TAG = "待审核"
"""An entry tagged so waits for an admin's approval: it is loaded and checked, never served."""
SMALL_TALK_TAG = "闲聊"
"""Entries with this tag are small talk (你好, 谢谢): a short reply, not a question answered."""
OUT_OF_SCOPE_TAG = "非团务"
"""Entries with this tag say kindly that a kind of question is outside the League's remit."""
CRISIS_TAG = "危机"
"""Entries with this tag answer a cry for help: a question they match is treated as a crisis."""


class EntryKind(str, Enum):
    """What an entry is for, from its tags."""

    FAQ = "faq"
    SMALL_TALK = "small_talk"
    OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One FAQ entry as admins wrote it."""

    id: str
    question: str
    answer: str
    similar: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    """Org scope: empty means everywhere; otherwise org ids (an org's children are included)."""
    source: str = ""
    """Where it came from, for messages: `file.yaml:12` or `file.xlsx:5` (row 5)."""
    reference: str = ""
    """What the answer rests on, as admins wrote it in the `source` field (document, article,
    notice); empty if not given."""
    reviewed: date | None = None
    """When an admin last checked the answer against its reference (the `reviewed` field)."""

    @property
    def questions(self) -> tuple[str, ...]:
        """The main question followed by every similar question."""
        return (self.question, *self.similar)

    @property
    def pending(self) -> bool:
        """True while the entry waits for review (tagged `REVIEW_TAG`): it is not served."""
        return REVIEW_TAG in self.tags

    @property
    def crisis(self) -> bool:
        """True for an entry that answers a cry for help (tagged `CRISIS_TAG`)."""
        return CRISIS_TAG in self.tags

    @property
    def kind(self) -> EntryKind:
        """Small talk, out of scope (by tag), or an ordinary FAQ entry."""
        if SMALL_TALK_TAG in self.tags:
            return EntryKind.SMALL_TALK
        if OUT_OF_SCOPE_TAG in self.tags:
            return EntryKind.OUT_OF_SCOPE
        return EntryKind.FAQ


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What admins add to segmentation: user dictionary words and synonyms."""

    words: tuple[tuple[str, int | None, str | None], ...] = ()
    """(word, frequency, part of speech) as in a jieba user dictionary."""
    synonyms: dict[str, str] = field(default_factory=dict)
    """variant -> canonical word, applied to index and query alike."""


class Band(str, Enum):
    """What the bot does with a search result."""

    ANSWER = "answer"
    SUGGEST = "suggest"
    ESCALATE = "escalate"


@dataclass(frozen=True, slots=True)
class Match:
    """One search hit: the entry, its score in [0, 1], and the indexed question that matched best."""

    entry: FaqEntry
    score: float
    matched: str
    unmatched: float = 0.0
    """Share of the query's word IDF mass that none of the entry's questions has (0: every word
    of the query is in some question of the entry; 1: none is). A decision feature."""
    semantic: float | None = None
    """Cosine of the query's sentence embedding with the entry's best question (the semantic
    layer, `bot.semantic`); None when the search was lexical only. A decision feature."""

"""Plain data shared across the FAQ engine: entries, the lexicon, matches and bands."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

REVIEW_TAG = "待审核"
"""An entry tagged so waits for an admin's approval: it is loaded and checked, never served."""


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

    @property
    def questions(self) -> tuple[str, ...]:
        """The main question followed by every similar question."""
        return (self.question, *self.similar)

    @property
    def pending(self) -> bool:
        """True while the entry waits for review (tagged `REVIEW_TAG`): it is not served."""
        return REVIEW_TAG in self.tags


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

"""Plain lexical retrievers that the FAQ index is measured against (see `bot.bench.faq`).

Each baseline indexes every question of every entry, lower-cased after NFKC and nothing more, and
ranks entries by their best question:

- `bm25`: jieba tokens, BM25 (bm25s).
- `tfidf`: jieba-token TF-IDF, cosine (scikit-learn).
- `char`: character 1-3-gram TF-IDF, cosine (scikit-learn).
- `ratio`: rapidfuzz `fuzz.ratio` scan over all questions (`process.extract`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Protocol

import bm25s
import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.faq.model import FaqEntry
from bot.faq.normalize import new_tokenizer


class Retriever(Protocol):
    """Anything the benchmark can measure: entry ids for a query, best first."""

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        ...


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


class _Rows:
    """Every question of every entry as one row, and the way back from rows to entry ids."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.texts: list[str] = []
        self.entry_ids: list[str] = []
        for entry in entries:
            for question in entry.questions:
                self.texts.append(_plain(question))
                self.entry_ids.append(entry.id)

    def rank(self, scores: np.ndarray, k: int) -> list[str]:
        """Entry ids of the best-scoring rows, one per entry."""
        count = min(len(scores), 4 * k)
        top = np.argpartition(scores, -count)[-count:] if count < len(scores) else np.arange(count)
        top = top[np.argsort(-scores[top], kind="stable")]
        return self.ids(top.tolist(), k)

    def ids(self, rows: list[int], k: int) -> list[str]:
        """Entry ids of `rows` (best first), one per entry, at most `k`."""
        return list(dict.fromkeys(self.entry_ids[row] for row in rows))[:k]


class Bm25Baseline:
    """jieba tokens + BM25 (bm25s)."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self._rows = _Rows(entries)
        self._tokenizer = new_tokenizer()
        self._bm25 = bm25s.BM25()
        self._bm25.index([self._tokens(text) for text in self._rows.texts], show_progress=False)

    def _tokens(self, text: str) -> list[str]:
        return [token for token in self._tokenizer.cut(text) if token.strip()]

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        return self._rows.rank(self._bm25.get_scores(self._tokens(_plain(query))), k)


class _TfidfBaseline:
    """TF-IDF cosine over one scikit-learn vectorizer."""

    def __init__(self, entries: Sequence[FaqEntry], vectorizer: TfidfVectorizer) -> None:
        self._rows = _Rows(entries)
        self._vectorizer = vectorizer
        self._matrix = vectorizer.fit_transform(self._rows.texts).tocsr()

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        vector = self._vectorizer.transform([_plain(query)])
        scores = (self._matrix @ vector.T).toarray().ravel()
        return self._rows.rank(scores, k)


class TfidfBaseline(_TfidfBaseline):
    """jieba-token TF-IDF cosine."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        tokenizer = new_tokenizer()
        super().__init__(
            entries,
            TfidfVectorizer(
                tokenizer=lambda text: [t for t in tokenizer.cut(text) if t.strip()],
                token_pattern=None,
                lowercase=False,
            ),
        )


class CharBaseline(_TfidfBaseline):
    """Character 1-3-gram TF-IDF cosine."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        super().__init__(
            entries, TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False)
        )


class RatioBaseline:
    """rapidfuzz `fuzz.ratio` against every question."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self._rows = _Rows(entries)

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        hits = process.extract(_plain(query), self._rows.texts, scorer=fuzz.ratio, limit=4 * k)
        return self._rows.ids([row for _, _, row in hits], k)


BASELINES: dict[str, Callable[[Sequence[FaqEntry]], Retriever]] = {
    "bm25": Bm25Baseline,
    "tfidf": TfidfBaseline,
    "char": CharBaseline,
    "ratio": RatioBaseline,
}
"""Baselines by the name `bench --baseline NAME` takes."""

"""The semantic layer on the FAQ index: entry embeddings at build, a cascade at search.

Build: `attach_vectors` embeds every indexed question as an e5 passage (from the on-disk cache
where it can, `bot.semantic.cache`) and returns the index `with_vectors`.

Search (`SemanticSearch`), a cascade so that confident lexical answers stay at about 1 ms:

1. lexical search (`FaqIndex.search`);
2. if the lexical decision already answers directly (`lexical.answers`), that is the result: the
   calibrated lexical rule is right on 97-99 % of what it answers;
3. otherwise the query is embedded (about 12 ms, off the event loop in `search_async`) and
   searched again with its vector: the rows closest in meaning join the candidates and each
   score fuses lexical and semantic similarity (`bot.faq.index.SemanticWeights`). The semantic
   decision (`bot.faq.bands.Decision` with cosine weights) then decides on those matches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.faq.bands import Decision, features
from bot.faq.index import DEFAULT_SEMANTIC, FaqIndex, SemanticWeights
from bot.faq.model import Match
from bot.semantic.cache import EmbeddingCache, embed_passages
from bot.semantic.embedder import Embedder

log = logging.getLogger(__name__)


def attach_vectors(
    index: FaqIndex, embedder: Embedder, cache: EmbeddingCache | None = None
) -> FaqIndex:
    """`index` with the passage embedding of each of its questions. CPU-bound (seconds for a
    few hundred new questions; cached ones are read back): run it in an executor."""
    started = time.perf_counter()
    vectors = embed_passages(embedder, index.row_questions, cache)
    log.info(
        "semantic index: %d questions embedded or read from the cache in %.1f s",
        len(index.row_questions),
        time.perf_counter() - started,
    )
    return index.with_vectors(vectors)


def cache_for(data_dir: Path) -> EmbeddingCache:
    """The embedding cache of a bot whose runtime folder is `data_dir`."""
    return EmbeddingCache(Path(data_dir) / "embeddings")


@dataclass(frozen=True, slots=True)
class Searched:
    """A cascade's result: the matches, and whether the semantic step ran."""

    matches: list[Match]
    semantic: bool


class SemanticSearch:
    """The cascade over one embedder; the index and the decisions are passed per call, so a
    reload or a settings change takes effect at once."""

    def __init__(self, embedder: Embedder, weights: SemanticWeights = DEFAULT_SEMANTIC) -> None:
        self.embedder = embedder
        self.weights = weights

    @staticmethod
    def confident(matches: list[Match], lexical: Decision) -> bool:
        """Whether the lexical result is answered directly as it is (no semantic step)."""
        return bool(matches) and lexical.answers(*features(matches))

    def search(
        self,
        index: FaqIndex,
        query: str,
        k: int,
        lexical: Decision,
        orgs: Collection[str] | None = None,
    ) -> Searched:
        """The cascade, blocking (benchmarks, tools)."""
        matches = index.search(query, k, orgs)
        if not index.has_vectors or self.confident(matches, lexical):
            return Searched(matches, False)
        vector = self.embedder.embed([query], query=True)[0]
        return Searched(self._fused(index, query, k, orgs, vector), True)

    async def search_async(
        self,
        index: FaqIndex,
        query: str,
        k: int,
        lexical: Decision,
        orgs: Collection[str] | None = None,
    ) -> Searched:
        """The cascade, with the embedding in the embedder's worker thread."""
        matches = index.search(query, k, orgs)
        if not index.has_vectors or self.confident(matches, lexical):
            return Searched(matches, False)
        vector = (await self.embedder.embed_async([query], query=True))[0]
        return Searched(self._fused(index, query, k, orgs, vector), True)

    def _fused(
        self,
        index: FaqIndex,
        query: str,
        k: int,
        orgs: Collection[str] | None,
        vector: np.ndarray,
    ) -> list[Match]:
        return index.search(query, k, orgs, query_vector=vector, semantic=self.weights)

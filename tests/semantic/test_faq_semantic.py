"""The semantic layer on the FAQ: fused search, the cascade, the decision, the cache, the fallback."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from bot.faq.bands import Decision, cascade_gate, semantic_decision_from, semantic_features
from bot.faq.calibrate import Outcome, cascade_outcomes, fit_semantic, wrong_share
from bot.faq.index import FaqIndex, SemanticWeights
from bot.faq.model import Band, FaqEntry, Match
from bot.faq.service import FaqService
from bot.semantic.cache import EmbeddingCache, embed_passages, text_key
from bot.semantic.embedder import Embedder, get_embedder, reset_embedder
from bot.semantic.faq import SemanticSearch, attach_vectors
from bot.settings import Settings

FIXTURE_FAQ = Path(__file__).resolve().parents[1] / "fixtures" / "faq_data"

ENTRIES = [
    FaqEntry("fee", "团费怎么交？", "在团支部交。"),
    FaqEntry("card", "团员证丢了怎么办？", "找团支部补办。"),
    FaqEntry("scoped", "本区志愿基地在哪里？", "只给本区。", orgs=("district-1",)),
]


def one_hot(row: int, size: int = 3) -> np.ndarray:
    vector = np.zeros(size, dtype=np.float32)
    vector[row] = 1.0
    return vector


class KeywordModel:
    """A stand-in model: a text's vector points at the entry whose keyword it holds."""

    dim = 3
    KEYWORDS = (("钱", "团费"), ("证",), ("基地",))

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            hits = [i for i, words in enumerate(self.KEYWORDS) if any(w in text for w in words)]
            vector = one_hot(hits[0]) if hits else np.full(3, 0.577, dtype=np.float32)
            rows.append(vector * 2.0)  # not unit length: the embedder normalises
        return np.asarray(rows)


def test_without_a_vector_the_search_is_exactly_lexical() -> None:
    lexical = FaqIndex.build(ENTRIES)
    semantic = lexical.with_vectors(np.stack([one_hot(i) for i in range(3)]))
    assert not lexical.has_vectors and semantic.has_vectors
    for query in ("团费怎么交", "团员证丢了", "志愿基地"):
        before = lexical.search(query, 3)
        after = semantic.search(query, 3)
        assert [(m.entry.id, m.score, m.semantic) for m in before] == [
            (m.entry.id, m.score, m.semantic) for m in after
        ]
        assert all(m.semantic is None for m in after)


def test_a_query_vector_finds_an_entry_sharing_no_words() -> None:
    index = FaqIndex.build(ENTRIES).with_vectors(np.stack([one_hot(i) for i in range(3)]))
    query = "要给组织多少钱"  # no word in common with 团费怎么交
    assert all(m.entry.id != "fee" for m in index.search(query, 3)[:1])
    fused = index.search(query, 3, query_vector=one_hot(0))
    assert fused[0].entry.id == "fee"
    assert fused[0].semantic == pytest.approx(1.0)
    weights = SemanticWeights()
    assert fused[0].score == pytest.approx(weights.weight * 1.0, abs=0.3)


def test_dense_candidates_respect_the_org_scope() -> None:
    index = FaqIndex.build(ENTRIES).with_vectors(np.stack([one_hot(i) for i in range(3)]))
    outside = index.search("基地", 3, orgs=(), query_vector=one_hot(2))
    assert "scoped" not in [m.entry.id for m in outside]
    inside = index.search("基地", 3, orgs=("district-1",), query_vector=one_hot(2))
    assert inside[0].entry.id == "scoped"


def test_with_vectors_wants_one_row_per_question() -> None:
    index = FaqIndex.build(ENTRIES)
    with pytest.raises(ValueError, match="one vector per indexed question"):
        index.with_vectors(np.zeros((2, 3), dtype=np.float32))


SURE = Decision(
    bias=-4.0, top_weight=8.0, lead_weight=0.0, answer_probability=0.9, suggest_threshold=0.3
)


def test_cascade_skips_the_semantic_step_when_the_lexical_answer_is_sure() -> None:
    model = KeywordModel()
    embedder = Embedder(model)
    index = attach_vectors(FaqIndex.build(ENTRIES), embedder)
    calls = model.calls
    cascade = SemanticSearch(embedder)
    sure = cascade.search(index, "团费怎么交？", 3, SURE)
    assert not sure.semantic and model.calls == calls  # ~1 ms path: nothing embedded
    assert sure.matches[0].semantic is None
    unsure = cascade.search(index, "要给组织多少钱", 3, SURE)
    assert unsure.semantic and model.calls == calls + 1
    assert unsure.matches[0].entry.id == "fee"
    assert unsure.matches[0].semantic is not None


async def test_cascade_async_embeds_off_the_loop() -> None:
    embedder = Embedder(KeywordModel())
    index = attach_vectors(FaqIndex.build(ENTRIES), embedder)
    found = await SemanticSearch(embedder, max_wait_s=10.0).search_async(
        index, "要给组织多少钱", 3, SURE
    )
    assert found.semantic and found.matches[0].entry.id == "fee"
    embedder.close()


def _match(entry: str, score: float, cosine: float | None) -> Match:
    return Match(FaqEntry(entry, entry, "答"), score, entry, 0.0, cosine)


def test_semantic_features_and_decision_weigh_the_cosine_lead() -> None:
    clear = [_match("a", 0.55, 0.96), _match("b", 0.50, 0.88)]
    close = [_match("a", 0.55, 0.93), _match("b", 0.50, 0.93)]
    assert semantic_features(clear) == pytest.approx((0.96, 0.08))
    assert semantic_features([_match("a", 0.5, None)]) == (0.0, 0.0)
    rule = Decision(
        bias=-4.0,
        top_weight=2.0,
        lead_weight=10.0,
        answer_probability=0.8,
        suggest_threshold=0.3,
        answer_threshold=0.3,
        cosine_weight=2.0,
        cosine_lead_weight=40.0,
    )
    # Same lexical picture; only how much closer in meaning the top entry is differs.
    assert rule.classify(clear) is Band.ANSWER
    assert rule.classify(close) is Band.SUGGEST


def test_semantic_decision_comes_from_the_settings() -> None:
    settings = Settings(faq_semantic_cosine_lead_weight=7.5, faq_semantic_probability=0.9)
    decision = semantic_decision_from(settings)
    assert decision.cosine_lead_weight == 7.5
    assert decision.answer_probability == 0.9
    gate = cascade_gate(dataclasses.replace(decision, answer_probability=0.8), 0.95)
    assert gate.answer_probability == 0.95
    assert cascade_gate(decision, 0.5).answer_probability == 0.9  # never below its own


def test_fit_semantic_keeps_wrong_direct_answers_within_budget() -> None:
    rng = np.random.default_rng(7)
    lexical_found, semantic_found = [], []
    for _ in range(400):
        right = bool(rng.random() < 0.7)
        lead = rng.uniform(0.05, 0.3) if right else rng.uniform(0.0, 0.08)
        cosine_lead = rng.uniform(0.02, 0.08) if right else rng.uniform(-0.02, 0.02)
        top = rng.uniform(0.4, 0.8)
        lexical_found.append(Outcome(top * 0.6, lead / 2, 1 if right else 2))
        semantic_found.append(
            Outcome(top, lead, 1 if right else 2, 0.0, 0.9 + cosine_lead, cosine_lead, True)
        )
    gate = Decision(
        bias=-50.0, top_weight=0.0, lead_weight=0.0, answer_probability=0.99, suggest_threshold=0.3
    )
    decision, wrong = fit_semantic({"s": lexical_found}, {"s": semantic_found}, ["s"], gate)
    assert decision.cosine_lead_weight > 0
    assert wrong["s"] <= 0.02
    served = cascade_outcomes(lexical_found, semantic_found, gate)
    assert all(o.semantic for o in served)  # the gate never answers: all went semantic
    assert wrong_share(served, gate, decision) == pytest.approx(wrong["s"])


def test_cache_embeds_each_text_once_and_keeps_query_and_passage_apart(tmp_path: Path) -> None:
    model = KeywordModel()
    embedder = Embedder(model)
    cache = EmbeddingCache(tmp_path / "embeddings")
    first = embed_passages(embedder, ["交多少钱", "团员证", "交多少钱"], cache)
    calls = model.calls
    again = embed_passages(
        embedder, ["团员证", "交多少钱"], EmbeddingCache(tmp_path / "embeddings")
    )
    assert model.calls == calls  # read back from disk by a new cache object
    np.testing.assert_allclose(again, first[[1, 0]], atol=2e-3)
    np.testing.assert_allclose(np.linalg.norm(again, axis=1), 1.0, rtol=1e-5)
    assert text_key(embedder.name, "团员证") != text_key(embedder.name, "团员证", query=True)


def test_torn_shards_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "embeddings"
    folder.mkdir()
    (folder / "broken.npz").write_bytes(b"not a zip")
    cache = EmbeddingCache(folder)
    assert len(cache) == 0
    assert embed_passages(Embedder(KeywordModel()), ["证"], cache).shape == (1, 3)


async def test_faq_service_without_the_semantic_layer_is_lexical() -> None:
    reset_embedder()
    embedder = get_embedder(Settings(semantic="off"))
    assert embedder is None
    service = FaqService(FIXTURE_FAQ, watch=False, embedder=embedder)
    await service.start()
    assert not await service.semantic_ready()
    assert service.semantic is None
    assert not service.index.has_vectors
    found = await service.search_decided("团费在哪里交", 5, SURE)
    assert not found.semantic
    assert found.matches == service.search("团费在哪里交", 5)
    reset_embedder()


async def test_faq_service_with_an_embedder_searches_by_meaning(tmp_path: Path) -> None:
    model = KeywordModel()
    service = FaqService(
        FIXTURE_FAQ, watch=False, embedder=Embedder(model), cache=EmbeddingCache(tmp_path)
    )
    await service.start()
    assert await service.semantic_ready()
    assert service.index.has_vectors
    found = await service.search_decided("补一本证要啥手续", 5, SURE)
    # A later reload is served with its embeddings from the start (read from the cache).
    calls = model.calls
    report = await service.reload("测试")
    assert report.applied and service.index.has_vectors
    assert model.calls == calls + 0  # every question was cached: nothing embedded again
    assert found.semantic
    assert found.matches[0].semantic is not None


class SlowModel(KeywordModel):
    """A model that takes `delay` seconds per call (an overloaded machine)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        import time

        time.sleep(self.delay)
        return super().encode(texts, is_query)


async def test_under_load_the_semantic_step_is_shed_not_queued() -> None:
    import asyncio

    embedder = Embedder(SlowModel(0.0))
    index = attach_vectors(FaqIndex.build(ENTRIES), embedder)
    embedder._model.delay = 0.2
    cascade = SemanticSearch(embedder, max_pending=1, max_wait_s=0.5)
    first = asyncio.create_task(cascade.search_async(index, "要给组织多少钱", 3, SURE))
    await asyncio.sleep(0.05)  # the first embedding is running
    assert embedder.pending == 1
    second = await cascade.search_async(index, "要给组织多少钱", 3, SURE)
    assert not second.semantic and cascade.shed == 1  # lexical at once, not behind the queue
    assert (await first).semantic
    assert embedder.pending == 0
    slow = SemanticSearch(embedder, max_wait_s=0.05)
    timed_out = await slow.search_async(index, "要给组织多少钱", 3, SURE)
    assert not timed_out.semantic and slow.shed == 1
    await asyncio.sleep(0.3)
    assert embedder.pending == 0  # the late embedding finished and was counted off
    embedder.close()


async def test_a_busy_machines_slower_embedding_still_gets_the_semantic_step() -> None:
    # 12 ms on an idle core, 60-100 ms on a busy 2-core machine: with nothing else waiting the
    # question waits for it instead of falling back to the lexical decision.
    embedder = Embedder(SlowModel(0.0))
    index = attach_vectors(FaqIndex.build(ENTRIES), embedder)
    embedder._model.delay = 0.1
    cascade = SemanticSearch(embedder)
    found = await cascade.search_async(index, "要给组织多少钱", 3, SURE)
    assert found.semantic and cascade.shed == 0
    assert found.matches[0].entry.id == "fee"
    embedder.close()

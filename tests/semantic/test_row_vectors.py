"""Entry vectors in the index: float16 rows and a sketch for the nearest search; the fused search
that goes on from the lexical one."""

from __future__ import annotations

import numpy as np
import pytest

from bot.faq.index import SKETCH_DIMS, FaqIndex, RowVectors
from bot.faq.model import FaqEntry


def e5_like(
    rows: int, dim: int = 384, topics: int = 48, seed: int = 0, noise: float = 0.01
) -> np.ndarray:
    """Unit vectors shaped like e5's: one direction they all share (cosines around 0.8), a few
    dozen topics, a little noise."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(dim)
    common /= np.linalg.norm(common)
    centres = rng.standard_normal((topics, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    mix = rng.dirichlet(np.full(topics, 0.3), size=rows)
    vectors = 2.0 * common + mix @ centres + noise * rng.standard_normal((rows, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def exact_nearest(vectors: RowVectors, query: np.ndarray, count: int) -> set[int]:
    cosines = vectors.cosines(query, np.arange(len(vectors)))
    return set(np.argsort(-cosines, kind="stable")[:count].tolist())


def test_the_sketch_finds_the_rows_an_exact_scan_finds() -> None:
    data = e5_like(4000)
    vectors = RowVectors(data)
    queries = e5_like(40, seed=1)
    found = [set(vectors.nearest(query, 40).tolist()) for query in queries]
    overlap = [
        len(f & exact_nearest(vectors, q, 40)) / 40 for f, q in zip(found, queries, strict=True)
    ]
    assert all(len(f) == 40 for f in found)
    assert min(overlap) >= 0.8 and np.mean(overlap) >= 0.9


def test_cosines_are_those_of_the_float16_rows() -> None:
    data = e5_like(500)
    vectors = RowVectors(data * 3.0)  # not unit length: the norms are kept
    query = e5_like(1, seed=2)[0]
    rows = np.arange(0, 500, 7)
    expected = data[rows].astype(np.float16).astype(np.float64) @ query
    assert np.abs(vectors.cosines(query, rows) - expected).max() < 2e-3
    # float16 rows and a float32 sketch of SKETCH_DIMS, besides the sketch's directions
    assert data.shape[1] > SKETCH_DIMS
    assert vectors.nbytes - data.shape[1] * SKETCH_DIMS * 4 < 0.8 * data.nbytes


def test_nearest_keeps_to_the_allowed_rows_and_small_indexes() -> None:
    data = e5_like(3000)
    vectors = RowVectors(data)
    query = data[5]
    allowed = np.zeros(3000, dtype=bool)
    allowed[::3] = True
    found = vectors.nearest(query, 40, allowed)
    assert len(found) == 40 and allowed[found].all()
    assert 5 not in found.tolist()  # the closest row of all is outside the scope
    few = vectors.nearest(query, 40, np.arange(3000) < 10)
    assert sorted(few.tolist()) == list(range(10))
    small = RowVectors(data[:50])
    assert sorted(small.nearest(query, 40).tolist()) == sorted(exact_nearest(small, query, 40))
    zero = RowVectors(np.zeros((3, 384), dtype=np.float32))
    assert np.isfinite(zero.cosines(query, np.arange(3))).all()


ENTRIES = [
    FaqEntry(f"e{number}", question, "答")
    for number, question in enumerate(
        [
            "团费怎么交",
            "团费交多少",
            "团员证丢了怎么办",
            "怎么入团",
            "入团要什么条件",
            "团组织关系怎么转",
            "志愿服务时长怎么查",
            "团课在哪里上",
        ]
    )
]


def test_the_fused_search_goes_on_from_the_lexical_one(monkeypatch: pytest.MonkeyPatch) -> None:
    index = FaqIndex.build(ENTRIES).with_vectors(e5_like(len(ENTRIES), dim=16, topics=4))
    query, vector = "交团费", e5_like(1, dim=16, topics=4, seed=3)[0]
    whole = index.search(query, 3, query_vector=vector)
    scored: list[int] = []
    original = FaqIndex._lexical_scores

    def counting(self: FaqIndex, state: object, rows: np.ndarray) -> np.ndarray:
        scored.extend(rows.tolist())
        return original(self, state, rows)

    monkeypatch.setattr(FaqIndex, "_lexical_scores", counting)
    first = index.search_lexical(query, 3)
    lexical_rows = set(first.rows.tolist())
    assert first.matches == index.search(query, 3)
    scored.clear()
    fused = index.search_fused(first, vector)
    assert [(m.entry.id, m.score, m.semantic) for m in fused] == [
        (m.entry.id, m.score, m.semantic) for m in whole
    ]
    assert scored and not lexical_rows & set(scored)  # only rows the first pass had not scored


def test_the_fused_search_wants_the_lexical_search_of_its_own_index() -> None:
    vectors = e5_like(len(ENTRIES), dim=16, topics=4)
    one = FaqIndex.build(ENTRIES).with_vectors(vectors)
    other = FaqIndex.build(ENTRIES).with_vectors(vectors)
    with pytest.raises(ValueError, match="same index"):
        other.search_fused(one.search_lexical("团费", 3), vectors[0])

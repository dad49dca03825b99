"""Passage embeddings kept on disk, keyed by a hash of the model and the text.

Embedding is the slow part of building a semantic index (about 10 ms a question on one core), so
each question is embedded once per machine: `embed_passages` looks every text up in the cache
folder, embeds only the ones it has not seen, and appends those in a new shard file. Shards are
written whole to a temporary name and renamed, so a crash never leaves a torn file; two processes
writing at once only cost a duplicate. Vectors are stored as float16 (half the disk, the cosine
changes by about 1e-3) and returned as float32.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.semantic.embedder import Embedder

log = logging.getLogger(__name__)

KEY_BYTES = 16
BATCH = 256
"""Texts embedded per engine call (and per progress step)."""


def text_key(model: str, text: str, *, query: bool = False) -> bytes:
    """The cache key of `text` embedded by `model` as a query or a passage."""
    kind = "query" if query else "passage"
    return hashlib.blake2b(f"{model}\0{kind}\0{text}".encode(), digest_size=KEY_BYTES).digest()


class EmbeddingCache:
    """A folder of shard files `*.npz` (keys: 16-byte hashes, vectors: float16 rows)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()
        self._rows: dict[bytes, np.ndarray] | None = None

    def _load(self) -> dict[bytes, np.ndarray]:
        if self._rows is None:
            rows: dict[bytes, np.ndarray] = {}
            for shard in sorted(self.folder.glob("*.npz")):
                try:
                    with np.load(shard) as data:
                        keys, vectors = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError) as exc:
                    log.warning("embedding cache: unreadable shard %s skipped (%s)", shard, exc)
                    continue
                for key, vector in zip(keys.tolist(), vectors, strict=True):
                    rows[key] = vector
            self._rows = rows
        return self._rows

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())

    def get(self, keys: Sequence[bytes]) -> list[np.ndarray | None]:
        """The cached vector of each key, None where there is none."""
        with self._lock:
            rows = self._load()
            return [rows.get(key) for key in keys]

    def release(self) -> None:
        """Drop the vectors read into memory (they are read again from disk when needed): a
        built index holds its own copy, so the cache need not hold a second one."""
        with self._lock:
            self._rows = None

    def put(self, keys: Sequence[bytes], vectors: np.ndarray) -> None:
        """Store `vectors` (one row per key) in a new shard."""
        if not len(keys):
            return
        half = np.asarray(vectors, dtype=np.float16)
        key_array = np.frombuffer(b"".join(keys), dtype=f"S{KEY_BYTES}")
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{uuid.uuid4().hex}.npz"
            partial = self.folder / f".{name}.partial"
            with partial.open("wb") as out:
                np.savez(out, keys=key_array, vectors=half)
            os.replace(partial, self.folder / name)
            rows = self._load()
            for key, vector in zip(keys, half, strict=True):
                rows[key] = vector


def embed_passages(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None = None,
    *,
    save_every: int = BATCH,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """Passage embeddings of `texts` (float32, one L2-normalised row each), from `cache` where it
    has them; the rest are embedded and added to it every `save_every` texts (so an interrupted
    build keeps most of its work). `dtype=np.float16`: the rows as the cache holds them (unit
    length up to that rounding), in half the memory of float32 and with no copy."""
    return embed_cached(embedder, texts, cache, query=False, save_every=save_every, dtype=dtype)


def embed_cached(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None = None,
    *,
    query: bool,
    save_every: int = BATCH,
    dtype: type[np.floating] = np.float32,
) -> np.ndarray:
    """`embed_passages` for queries (`query=True`) or passages."""
    out = np.empty((len(texts), embedder.dim), dtype=dtype)
    keys = [text_key(embedder.name, text, query=query) for text in texts]
    found = cache.get(keys) if cache is not None else [None] * len(texts)
    missing = []
    for row, vector in enumerate(found):
        if vector is None:
            missing.append(row)
        else:
            out[row] = vector
    if len(missing) > BATCH:
        log.info(
            "embedding %d of %d texts (%d cached)",
            len(missing),
            len(texts),
            len(texts) - len(missing),
        )
    pending_keys: list[bytes] = []
    pending_rows: list[int] = []
    for start in range(0, len(missing), BATCH):
        rows = missing[start : start + BATCH]
        out[rows] = embedder.embed([texts[row] for row in rows], query=query)
        pending_rows += rows
        pending_keys += [keys[row] for row in rows]
        if cache is not None and len(pending_rows) >= save_every:
            cache.put(pending_keys, out[pending_rows])
            pending_keys, pending_rows = [], []
    if cache is not None and pending_rows:
        cache.put(pending_keys, out[pending_rows])
    if len(missing) < len(texts) and out.dtype != np.float16:
        # Cached rows went through float16: renormalise so every row is a unit vector.
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    if cache is not None:
        cache.release()
    return out

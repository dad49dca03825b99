"""Keeping the garbage collector off what start-up built."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Collect once, then freeze every object alive: full collections skip them from now on.

    Start-up builds a few hundred thousand long-lived objects (jieba's dictionary, pinyin
    tables, the FAQ index); each full collection walked them all and stalled every chat and
    page for about 0.2-0.3 s. Frozen objects still go when nothing refers to them."""
    gc.collect()
    gc.freeze()

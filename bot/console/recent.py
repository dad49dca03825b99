"""A small cache of what a console page computed lately, so a page stays fast on a large
database: an entry lives `seconds`, and only while the thing it was computed from (`basis`,
e.g. the FAQ index being served) is still the same object."""

from __future__ import annotations

import time
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Recent(Generic[V]):
    """Values by key, each valid for `seconds` and for one basis."""

    def __init__(self, seconds: float, size: int = 32) -> None:
        self.seconds = seconds
        self.size = size
        self._values: dict[Hashable, tuple[float, object, V]] = {}

    def get(self, key: Hashable, basis: object, seconds: float | None = None) -> V | None:
        """The value of `key` if it is younger than `seconds` (default: the cache's) and was
        computed from `basis`."""
        found = self._values.get(key)
        if found is None or found[1] is not basis:
            return None
        if time.monotonic() - found[0] >= (self.seconds if seconds is None else seconds):
            return None
        return found[2]

    def put(self, key: Hashable, basis: object, value: V) -> V:
        """Keep `value` (the oldest entry goes when the cache is full)."""
        self._values.pop(key, None)
        if len(self._values) >= self.size:
            self._values.pop(next(iter(self._values)))
        self._values[key] = (time.monotonic(), basis, value)
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._values.clear()

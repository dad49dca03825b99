"""Sliding-window rate limits per user and per group, so one chat can't flood the bot.

A limit must not flood the chat it protects: a youth over the limit is told once, then the bot
stays silent until the window lets them in again (`RateLimiter.check`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(str, Enum):
    """What to do with one event of a key."""

    ALLOW = "allow"
    """Within the limit (counted)."""
    TELL = "tell"
    """Over the limit for the first time in this window: say so, once."""
    SILENT = "silent"
    """Over the limit and already told: stay silent."""


class RateLimiter:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(
        self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._told: dict[str, float] = {}
        """Key -> the moment it may send again; it was told it is over the limit until then."""
        self._swept = clock()

    def allow(self, key: str) -> bool:
        """Count one event for `key`; False (and not counted) when the key is over its limit."""
        return self.check(key) is Verdict.ALLOW

    def check(self, key: str) -> Verdict:
        """Count one event for `key` if it is within the limit; otherwise whether this is the
        first refusal since the key last got through (tell it) or a later one (stay silent)."""
        now = self._clock()
        if now - self._swept >= self.window:
            self._sweep(now)
        events = self._events.get(key)
        if events is None:
            events = self._events[key] = deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            self._told.pop(key, None)
            return Verdict.ALLOW
        if self._told.get(key, -float("inf")) > now:
            return Verdict.SILENT
        self._told[key] = events[0] + self.window
        return Verdict.TELL

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may send again (0 when it may now)."""
        events = self._events.get(key)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, events[0] + self.window - self._clock())

    def __len__(self) -> int:
        """Keys being tracked (those seen within the last window or two)."""
        return len(self._events)

    def _sweep(self, now: float) -> None:
        # Forget keys idle for a whole window, so a flood of one-off ids can't grow memory.
        horizon = now - self.window
        for key in [k for k, events in self._events.items() if not events or events[-1] <= horizon]:
            del self._events[key]
        for key in [k for k, until in self._told.items() if until <= now]:
            del self._told[key]
        self._swept = now

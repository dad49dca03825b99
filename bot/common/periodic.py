"""A background loop that runs one tick at a fixed interval and survives its own errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    """Calls `tick()` now and then every `interval()` seconds until stopped.

    The timers themselves live in the database; this only decides when to look at them.
    """

    def __init__(
        self, name: str, tick: Callable[[], Awaitable[object]], interval: Callable[[], float]
    ) -> None:
        self.name = name
        self._tick = tick
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Tick forever; a failing tick is logged and tried again on the next round."""
        while True:
            try:
                await self._tick()
            except Exception:
                log.exception("%s failed", self.name)
            await asyncio.sleep(self._interval())

    def start(self) -> None:
        """Start the loop in the background (once)."""
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self) -> None:
        """Stop the loop."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

"""What every live-reloaded folder shares: watching, serialised reloads, reports, listeners."""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Generic, TypeVar

from bot.common import watch

Report = TypeVar("Report")
logger = logging.getLogger(__name__)


class LiveFiles(ABC, Generic[Report]):
    """Keeps something loaded from files in step with them; subclasses say how to load and log.

    A reload never raises for bad files: its report says what went wrong, and whether the new
    version was put in service (the subclass decides, e.g. keep the old one on errors).
    """

    name = "files"
    """For logs and the watcher's task name."""

    def __init__(self, folder: Path, *, watch_files: bool = True, debounce_s: float = 0.5) -> None:
        """`debounce_s`: quiet time after the last file change before a reload starts."""
        self._folder = folder.resolve()
        self._watch_files = watch_files
        self._debounce_s = debounce_s
        self._last_report: Report | None = None
        self._lock = asyncio.Lock()
        self._listeners: list[Callable[[Report], Awaitable[None]]] = []
        self._watcher: watch.FolderWatcher | None = None

    @property
    def last_report(self) -> Report | None:
        """The report of the latest (re)load, if any."""
        return self._last_report

    def add_listener(self, listener: Callable[[Report], Awaitable[None]]) -> None:
        """Call `listener` with the report of every reload from now on."""
        self._listeners.append(listener)

    async def start(self) -> Report:
        """Start watching (if enabled), then load; returns the first load's report.

        The watcher starts first so that a change made during the first load is not missed.
        """
        if self._watcher is not None:
            raise RuntimeError(f"{type(self).__name__} already started")
        if self._watch_files:
            self._watcher = watch.FolderWatcher(
                self._folder,
                self.reload,
                is_relevant=self._is_relevant,
                name=self.name,
                debounce_s=self._debounce_s,
                retry_s=watch.WATCH_RETRY_S,
            )
            await self._watcher.start()
        return await self.reload("启动")

    async def stop(self) -> None:
        """Stop watching files; what is loaded keeps serving."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await watcher.stop()

    async def reload(self, reason: str = "") -> Report:
        """Load the files (one reload at a time), log the report and tell the listeners."""
        async with self._lock:
            report = await self._reload(reason)
            self._last_report = report
        self._log_report(report)
        for listener in list(self._listeners):
            try:
                await listener(report)
            except Exception:
                logger.exception("%s reload listener %r failed", self.name, listener)
        return report

    @abstractmethod
    def _is_relevant(self, path: Path) -> bool:
        """Whether a change to `path` calls for a reload."""

    @abstractmethod
    async def _reload(self, reason: str) -> Report:
        """Load the files and, if the policy allows, put the new version in service."""

    @abstractmethod
    def _log_report(self, report: Report) -> None:
        """Write the report to the log."""

"""Watch an admin-edited folder and call back after each burst of relevant changes.

Shared by the services that live-reload files from `faq_data/` (the FAQ, the grid): each passes
a filter for its own files, so a change to one never reloads the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, awatch

from bot.common.wake import wait_event

logger = logging.getLogger(__name__)

WATCH_RETRY_S = 10.0
"""Default wait before restarting the watch after it failed (e.g. the folder was missing)."""

ChangeCallback = Callable[[str], Awaitable[object]]
"""Called with a reason in Chinese (`文件变化：faq/a.yaml`, `文件监视已恢复`)."""


class FolderWatcher:
    """Calls `on_change(reason)` after each burst of changes under `folder` that `is_relevant`
    accepts, until stopped; survives its own failures by retrying every `retry_s` seconds.

    After a failure it calls `on_change("文件监视已恢复")` once the folder is back, since changes
    made while it was down would otherwise go unnoticed.
    """

    def __init__(
        self,
        folder: Path,
        on_change: ChangeCallback,
        *,
        is_relevant: Callable[[Path], bool],
        name: str,
        debounce_s: float = 0.5,
        retry_s: float = WATCH_RETRY_S,
    ) -> None:
        """`name` labels the task and log lines; `debounce_s`: quiet time after the last change.

        The folder is resolved: the paths of changes come absolute, the folder may be given
        relative (FAQ_DIR=faq_data)."""
        self._folder = folder.resolve()
        self._on_change = on_change
        self._is_relevant = is_relevant
        self._name = name
        self._debounce_ms = max(1, round(debounce_s * 1000))
        self._retry_s = retry_s
        self._stop_event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._task is not None

    async def start(self) -> None:
        """Start watching in a background task; returns once the watch is being set up."""
        if self._task is not None:
            raise RuntimeError(f"{self._name} watcher already started")
        self._stop_event.clear()
        self._task = asyncio.create_task(self._run(), name=f"{self._name}-watcher")
        await asyncio.sleep(0)  # let awatch register its file-system watch

    async def stop(self) -> None:
        """Stop watching and wait for the task to end."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stop_event.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                if failures and self._folder.is_dir():
                    await self._on_change("文件监视已恢复")
                    failures = 0
                async for changes in awatch(
                    self._folder,
                    watch_filter=self._filter,
                    step=self._debounce_ms,
                    debounce=self._debounce_ms * 10,
                    stop_event=self._stop_event,
                ):
                    await self._on_change(f"文件变化：{self._describe(changes)}")
            except Exception as exc:
                failures += 1
                logger.log(
                    logging.WARNING if failures == 1 else logging.DEBUG,
                    "%s file watcher on %s failed (%s); retrying every %.0f s",
                    self._name,
                    self._folder,
                    exc,
                    self._retry_s,
                    exc_info=not isinstance(exc, OSError),
                )
                await wait_event(self._stop_event, self._retry_s)

    def _filter(self, change: Change, path: str) -> bool:
        return self._is_relevant(Path(path))

    def _describe(self, changes: set[tuple[Change, str]], shown: int = 3) -> str:
        names = sorted({Path(path).relative_to(self._folder).as_posix() for _, path in changes})
        more = f" 等 {len(names)} 个" if len(names) > shown else ""
        return "、".join(names[:shown]) + more

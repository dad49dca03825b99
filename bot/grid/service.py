"""The live grid: load `faq_data/grid/`, serve the current snapshot, reload when admins edit it.

Reload policy, as for the FAQ, so that a typo never takes routing away:

- First load (nothing served yet): whatever is valid is served (an empty grid if nothing is),
  and the errors are reported.
- Any later reload with an error anywhere: the old grid keeps serving, unchanged, and the errors
  are reported. Only clean files replace it.

Loading runs in an executor; the new `Grid` replaces the old one in a single attribute
assignment on the event loop, so a caller sees either the old or the new snapshot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.common.issues import FileIssue
from bot.common.live import LiveFiles
from bot.grid.loader import GridLoadResult, is_relevant, load_grid_dir
from bot.grid.model import Grid

logger = logging.getLogger(__name__)

LOGGED_WARNINGS = 20
"""Warnings written to the log per reload; the rest are only counted."""
_EMPTY = Grid()


@dataclass(frozen=True, slots=True)
class GridReloadReport:
    """What one (re)load of the grid did, for logs and for telling admins."""

    ok: bool
    """No errors."""
    applied: bool
    """A new grid is serving now (False: the previous grid was kept)."""
    orgs: int
    """Orgs in the grid being served after this reload."""
    people: int
    """People in the grid being served after this reload."""
    errors: tuple[FileIssue, ...]
    warnings: tuple[FileIssue, ...]
    took_s: float
    reason: str = ""
    files: int = 0
    """Grid files read."""


GridReloadListener = Callable[[GridReloadReport], Awaitable[None]]
"""Called after every reload with its report (e.g. to tell admins in chat)."""


class GridService(LiveFiles[GridReloadReport]):
    """Holds the grid being served and keeps it in step with the files in `faq_dir/grid/`."""

    name = "grid"

    def __init__(self, faq_dir: Path, *, watch: bool = True, debounce_s: float = 0.5) -> None:
        """`debounce_s`: quiet time after the last file change before a reload starts."""
        super().__init__(faq_dir, watch_files=watch, debounce_s=debounce_s)
        self._faq_dir = self._folder
        self._grid: Grid | None = None

    @property
    def grid(self) -> Grid:
        """The grid being served (empty before the first load)."""
        return self._grid if self._grid is not None else _EMPTY

    def _is_relevant(self, path: Path) -> bool:
        return is_relevant(self._faq_dir, path)

    def _log_report(self, report: GridReloadReport) -> None:
        _log_report(report)

    async def _reload(self, reason: str) -> GridReloadReport:
        started = time.perf_counter()
        result = GridLoadResult()
        applied = False
        try:
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(None, load_grid_dir, self._faq_dir)
            if result.ok or self._grid is None:
                self._grid = result.grid
                applied = True
        except Exception as exc:
            logger.exception("grid reload failed")
            result.errors.append(FileIssue("", None, None, f"加载青情地图时程序出错：{exc!r}"))
        grid = self.grid
        return GridReloadReport(
            ok=result.ok,
            applied=applied,
            orgs=len(grid.orgs),
            people=len(grid.people),
            errors=tuple(result.errors),
            warnings=tuple(result.warnings),
            took_s=time.perf_counter() - started,
            reason=reason,
            files=len(result.files),
        )


def _log_report(report: GridReloadReport) -> None:
    if report.ok:
        logger.info(
            "grid loaded (%s): %d orgs, %d people from %d files, %d warnings, %.2f s",
            report.reason,
            report.orgs,
            report.people,
            report.files,
            len(report.warnings),
            report.took_s,
        )
    elif report.applied:
        logger.error(
            "grid loaded (%s) without the records that have errors: %d orgs, %d people, %d errors",
            report.reason,
            report.orgs,
            report.people,
            len(report.errors),
        )
    else:
        logger.error(
            "grid reload (%s) rejected: %d errors; still serving the previous %d orgs, %d people",
            report.reason,
            len(report.errors),
            report.orgs,
            report.people,
        )
    for issue in report.errors:
        logger.error("grid error: %s", issue)
    for issue in report.warnings[:LOGGED_WARNINGS]:
        logger.warning("grid warning: %s", issue)
    if len(report.warnings) > LOGGED_WARNINGS:
        logger.warning("grid: %d more warnings not logged", len(report.warnings) - LOGGED_WARNINGS)

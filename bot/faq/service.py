"""The live FAQ index: load `faq_data/`, answer searches, reload when admins change a file.

Reload policy, so that a typo never takes the bot's answers away:

- First load (nothing served yet): files with errors are left out, every other file is served,
  and the errors are reported.
- Any later reload with an error anywhere: the old index keeps serving, unchanged, and the errors
  are reported. Only a clean folder replaces it.

Loading and indexing run in an executor; the new index replaces the old one in a single
attribute assignment on the event loop, so a search sees either the old or the new index.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from bot.common.issues import FileIssue
from bot.common.live import LiveFiles
from bot.faq.index import FaqIndex
from bot.faq.loader import LoadResult, is_relevant, load_faq_dir
from bot.faq.model import FaqEntry, Match

logger = logging.getLogger(__name__)

LOGGED_WARNINGS = 20
"""Warnings written to the log per reload; the rest are only counted."""


@dataclass(frozen=True, slots=True)
class ReloadReport:
    """What one (re)load did, for logs and for telling admins."""

    ok: bool
    """No errors: every file was read."""
    applied: bool
    """A new index is serving now (False: the previous index was kept)."""
    entries: int
    """Entries being served after this reload."""
    errors: tuple[FileIssue, ...]
    warnings: tuple[FileIssue, ...]
    took_s: float
    reason: str = ""
    files: int = 0
    """FAQ, dictionary and synonym files read."""
    pending: int = 0
    """Valid entries waiting for review (tagged 待审核): loaded, not served."""


ReloadListener = Callable[[ReloadReport], Awaitable[None]]
"""Called after every reload with its report (e.g. to tell admins in chat)."""


class FaqService(LiveFiles[ReloadReport]):
    """Holds the FAQ index being served and keeps it in step with the files in `faq_dir`."""

    name = "faq"

    def __init__(self, faq_dir: Path, *, watch: bool = True, debounce_s: float = 0.5) -> None:
        """`debounce_s`: quiet time after the last file change before a reload starts."""
        super().__init__(faq_dir, watch_files=watch, debounce_s=debounce_s)
        self._faq_dir = self._folder
        self._index: FaqIndex | None = None

    @property
    def index(self) -> FaqIndex:
        """The index being served. Raises RuntimeError before the first successful load."""
        if self._index is None:
            raise RuntimeError("FAQ index not loaded yet: await FaqService.start() first")
        return self._index

    def search(self, query: str, k: int = 5, orgs: Collection[str] | None = None) -> list[Match]:
        """The `k` best matches for `query` in the current index (none before the first load);
        `orgs`: only entries scoped to one of them or unscoped (see `FaqIndex.search`)."""
        index = self._index
        return index.search(query, k, orgs) if index is not None else []

    def get(self, entry_id: str) -> FaqEntry | None:
        """The served entry with this id, if any."""
        index = self._index
        return index.entries.get(entry_id) if index is not None else None

    def _is_relevant(self, path: Path) -> bool:
        return is_relevant(self._faq_dir, path)

    def _log_report(self, report: ReloadReport) -> None:
        _log_report(report)

    async def _reload(self, reason: str) -> ReloadReport:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        first = self._index is None
        result = LoadResult()
        applied = False
        pending = 0
        try:
            result = await loop.run_in_executor(None, load_faq_dir, self._faq_dir)
            if result.ok or first:
                served, pending = result.served()
                index = await loop.run_in_executor(None, FaqIndex.build, served, result.lexicon)
                self._index = index
                applied = True
        except Exception as exc:
            logger.exception("FAQ reload failed")
            result.errors.append(FileIssue("", None, None, f"加载问答库时程序出错：{exc!r}"))
        return ReloadReport(
            ok=result.ok,
            applied=applied,
            entries=len(self._index) if self._index is not None else 0,
            errors=tuple(result.errors),
            warnings=tuple(result.warnings),
            took_s=time.perf_counter() - started,
            reason=reason,
            files=len(result.files),
            pending=pending,
        )


def _log_report(report: ReloadReport) -> None:
    if report.ok:
        logger.info(
            "FAQ loaded (%s): %d entries from %d files (%d waiting for review), %d warnings, %.2f s",
            report.reason,
            report.entries,
            report.files,
            report.pending,
            len(report.warnings),
            report.took_s,
        )
    elif report.applied:
        logger.error(
            "FAQ loaded (%s) without the files that have errors: %d entries, %d errors",
            report.reason,
            report.entries,
            len(report.errors),
        )
    else:
        logger.error(
            "FAQ reload (%s) rejected: %d errors; still serving the previous %d entries",
            report.reason,
            len(report.errors),
            report.entries,
        )
    for issue in report.errors:
        logger.error("FAQ error: %s", issue)
    for issue in report.warnings[:LOGGED_WARNINGS]:
        logger.warning("FAQ warning: %s", issue)
    if len(report.warnings) > LOGGED_WARNINGS:
        logger.warning("FAQ: %d more warnings not logged", len(report.warnings) - LOGGED_WARNINGS)

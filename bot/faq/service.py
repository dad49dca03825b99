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
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from bot.common.issues import FileIssue
from bot.common.live import LiveFiles
from bot.faq.bands import Decision
from bot.faq.index import FaqIndex
from bot.faq.loader import LoadResult, is_relevant, load_faq_dir
from bot.faq.model import FaqEntry, Match
from bot.semantic.cache import EmbeddingCache
from bot.semantic.embedder import Embedder
from bot.semantic.faq import MAX_WAIT_S, Searched, SemanticSearch, attach_vectors

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

    def __init__(
        self,
        faq_dir: Path,
        *,
        watch: bool = True,
        debounce_s: float = 0.5,
        embedder: Embedder | None = None,
        cache: EmbeddingCache | None = None,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        """`debounce_s`: quiet time after the last file change before a reload starts.
        `embedder`: the semantic layer (`bot.semantic.embedder.get_embedder()`); given, every
        index gets the embeddings of its questions (`cache`: where they are kept between
        starts; the first load serves lexically until they are made, see `semantic_ready`),
        and `semantic` searches with it (waiting at most `max_wait_s` for a question's
        embedding). None: lexical only."""
        super().__init__(faq_dir, watch_files=watch, debounce_s=debounce_s)
        self._faq_dir = self._folder
        self._index: FaqIndex | None = None
        self._embedder = embedder
        self._cache = cache
        self.semantic: SemanticSearch | None = (
            SemanticSearch(embedder, max_wait_s=max_wait_s) if embedder is not None else None
        )
        self._attaching: asyncio.Task[None] | None = None
        self._attach_tasks: set[asyncio.Task[None]] = set()

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

    async def search_decided(
        self, query: str, k: int, lexical: Decision, orgs: Collection[str] | None = None
    ) -> Searched:
        """The matches the bot decides on: lexical, and where the lexical decision would not
        answer directly, the semantic step too (`bot.semantic.faq.SemanticSearch`), its
        embedding off the event loop. Lexical only without the semantic layer."""
        index = self._index
        if index is None:
            return Searched([], False)
        if self.semantic is None or not index.has_vectors:
            return Searched(index.search(query, k, orgs), False)
        return await self.semantic.search_async(index, query, k, lexical, orgs)

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
                previous = self._index
                if self._embedder is not None and previous is not None and previous.has_vectors:
                    # A later reload once the embeddings exist: nearly all of them come from
                    # the cache, so the new index is served with them from its first search.
                    index = await self._with_vectors(index)
                self._index = index
                if self._embedder is not None and not index.has_vectors:
                    # The first start may embed every question (a minute on a busy 2-core
                    # machine): answer lexically meanwhile, turn the semantic step on when done.
                    # (A reload while that runs does the same; the work done is in the cache.)
                    self._attaching = asyncio.create_task(self._attach_later(index))
                    self._attach_tasks.add(self._attaching)
                    self._attaching.add_done_callback(self._attach_tasks.discard)
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

    async def _attach_later(self, index: FaqIndex) -> None:
        started = time.perf_counter()
        semantic = await self._with_vectors(index)
        if self._index is index and semantic is not index:
            self._index = semantic
            logger.info(
                "FAQ semantic search on: %d questions embedded, %.1f s after the first load",
                len(index.row_questions),
                time.perf_counter() - started,
            )

    async def semantic_ready(self) -> bool:
        """Wait for the first load's embeddings (if they are being made); whether the index now
        searches by meaning too."""
        task = self._attaching
        if task is not None:
            await asyncio.shield(task)
        index = self._index
        return index is not None and index.has_vectors

    async def stop(self) -> None:
        """Stop watching files and any embedding still under way; what is loaded keeps serving."""
        self._attaching = None
        for task in list(self._attach_tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().stop()

    async def _with_vectors(self, index: FaqIndex) -> FaqIndex:
        """`index` with its questions' embeddings; `index` itself if embedding fails (the
        bot then answers lexically, and says so in the log)."""
        assert self._embedder is not None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                None, attach_vectors, index, self._embedder, self._cache
            )
        except Exception:
            logger.exception("FAQ: embedding the questions failed; lexical matching only")
            return index


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

"""The running services of one bot process, started once and shared by plugins and the web page."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.faq.service import FaqService
from bot.qa.service import QaService
from bot.settings import Settings
from bot.storage.database import Database

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Settings, database, FAQ and Q&A services of this process."""

    settings: Settings
    db: Database
    faq: FaqService
    qa: QaService

    @classmethod
    async def start(cls, settings: Settings, db: Database | None = None) -> Runtime:
        """Migrate the database (settings' URL unless `db` is given), load the FAQ, wire services."""
        db = db or Database(settings.resolved_database_url)
        await db.migrate()
        faq = FaqService(settings.faq_dir, watch=settings.faq_watch)
        await faq.start()
        log.info("runtime started: database %s, %d FAQ entries", db.dialect, len(faq.index))
        return cls(settings, db, faq, QaService(db, faq, settings))

    async def stop(self) -> None:
        """Stop watching files and close the database."""
        await self.faq.stop()
        await self.db.dispose()


_current: Runtime | None = None


def get_runtime() -> Runtime:
    """The runtime of this process; raises if the bot has not started."""
    if _current is None:
        raise RuntimeError("青声 runtime not started")
    return _current


def set_runtime(runtime: Runtime | None) -> None:
    """Install (or clear) the runtime of this process."""
    global _current
    _current = runtime

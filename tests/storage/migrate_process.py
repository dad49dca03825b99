"""`python -m tests.storage.migrate_process URL SCHEMA START`: one process migrating a database.

It waits until the wall-clock time START (so that several processes started together migrate at
the same moment, past their imports), then migrates the PostgreSQL schema SCHEMA of URL (or the
SQLite file URL when SCHEMA is "-") and exits 0, or exits 1 with the error.
"""

from __future__ import annotations

import asyncio
import sys
import time

from bot.storage.database import Database


async def main(url: str, schema: str, start: float) -> None:
    """Migrate once, at `start`."""
    options = (
        {} if schema == "-" else {"connect_args": {"server_settings": {"search_path": schema}}}
    )
    db = Database(url, **options)
    try:
        await asyncio.sleep(max(0.0, start - time.time()))
        await db.migrate()
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))

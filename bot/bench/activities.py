"""Benchmark: one activity announced to N groups through the outbox (python -m bot.bench.activities).

Measures what the bot itself spends per message — resolving targets, queueing, claiming, sending
through a channel that returns at once, recording — with the deliberate spacing set to zero, and
the peak Python memory (tracemalloc) of the whole run.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from bot.activities.service import ActivityDraft, ActivityService
from bot.chat.speaker import Speaker
from bot.delivery.outbox import Outbox
from bot.grid.service import GridService
from bot.settings import Settings
from bot.storage.database import Database

ADMIN = Speaker("qq", "10000", None, is_admin=True)


class NullChannel:
    """A QQ channel that sends instantly and remembers nothing."""

    platform = "qq"
    can_push = True

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        return "1"

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        return "1"


async def run(groups: int, url: str | None) -> dict[str, float]:
    """Announce one activity to `groups` groups and drain the outbox; the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp),
            faq_dir=Path(tmp) / "faq",
            faq_watch=False,
            outbox_spacing_seconds=0,
            outbox_jitter_seconds=0,
            outbox_hourly_cap=groups * 2,
        )
        db = Database(url or f"sqlite+aiosqlite:///{tmp}/bench.db")
        await db.migrate()
        outbox = Outbox(db, {"qq": NullChannel()}, settings)
        service = ActivityService(db, GridService(settings.faq_dir, watch=False), settings, outbox)
        targets = {"groups": [f"qq:{100000 + i}" for i in range(groups)]}
        tracemalloc.start()
        started = time.perf_counter()
        activity = await service.create(
            ADMIN,
            ActivityDraft("基准活动", service.clock() + timedelta(days=2), targets=targets),
        )
        await service.schedule(ADMIN, activity.id)
        queued = time.perf_counter()
        sent = await outbox.send_due()
        done = time.perf_counter()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await db.dispose()
    assert sent == groups, sent
    return {
        "groups": groups,
        "queue_ms_per_message": (queued - started) * 1000 / groups,
        "send_ms_per_message": (done - queued) * 1000 / groups,
        "total_s": done - started,
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    """Print the figures of one run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    figures = asyncio.run(run(args.groups, args.database_url))
    print(
        f"{figures['groups']:.0f} groups: queueing {figures['queue_ms_per_message']:.2f} ms/message, "
        f"claim+send+record {figures['send_ms_per_message']:.2f} ms/message "
        f"(spacing excluded), total {figures['total_s']:.1f} s, peak Python memory "
        f"{figures['peak_mib']:.1f} MiB"
    )


if __name__ == "__main__":
    main()

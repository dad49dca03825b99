"""The outbox benchmark: one announcement to N groups, queue overhead per message and memory.

    python -m bot.bench.outbox --groups 1000 [--database-url postgresql+asyncpg://…]

On a fresh SQLite file in a temporary folder (or the given database), it enqueues one message per
group (one `enqueue` each, as a broadcaster calling the contract does), then drains them with the spacing and jitter set to 0 through a channel that does no I/O,
so what is timed is the outbox itself (claims, records, pacing logic), not the deliberate spacing.
Baselines measured in the same run: the same channel calls in a plain loop (no queue at all), and
the least a durable queue must do (one INSERT per message, one UPDATE per send, each committed).
`enqueue_many_us_per_msg`: the same groups queued again in one transaction. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.delivery.models import OutboxStatus
from bot.delivery.outbox import Outbox, OutboxItem
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.scratch import scratch_database


class NullChannel:
    """A QQ channel that delivers nothing and only counts."""

    platform = "qq"
    can_push = True

    def __init__(self) -> None:
        self.count = 0

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str:
        """Count the message; its "message id" is the count."""
        self.count += 1
        return str(self.count)

    async def send_private(self, user_id: str, text: str, *, account: str | None = None) -> str:
        """Count the message; its "message id" is the count."""
        self.count += 1
        return str(self.count)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _durable_floor(db: Database, groups: list[str], message: str) -> float:
    """Seconds for the least a durable queue does: INSERT each row, UPDATE it once sent."""
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS bench_floor"))
        await conn.execute(
            text(
                "CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, chat TEXT, body TEXT, sent INTEGER)"
            )
        )
    started = time.perf_counter()
    for number, group in enumerate(groups):
        async with db.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO bench_floor VALUES (:id, :chat, :body, 0)"),
                {"id": number, "chat": group, "body": message},
            )
    for number in range(len(groups)):
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE bench_floor SET sent = 1 WHERE id = :id"), {"id": number}
            )
    elapsed = time.perf_counter() - started
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_floor"))
    return elapsed


async def run(groups: int, database_url: str | None = None) -> dict[str, Any]:
    """Measure the outbox on `groups` groups; the figures as a dict."""
    with tempfile.TemporaryDirectory() as tmp:
        async with scratch_database(database_url, Path(tmp)) as db:
            return await _measure(db, groups, Path(tmp))


async def _measure(db: Database, groups: int, tmp: Path) -> dict[str, Any]:
    """Time enqueue and drain of one announcement to `groups` groups on `db`."""
    settings = Settings(
        data_dir=tmp,
        outbox_spacing_seconds=0,
        outbox_jitter_seconds=0,
        outbox_hourly_cap=groups + 1,
    )
    channel = NullChannel()
    outbox = Outbox(db, {"qq": channel}, settings)
    chats = [str(100_000 + n) for n in range(groups)]
    message = "【团委通知】本周六上午 9:00 在区青年之家举办志愿服务培训，欢迎报名：回复 报名 1"

    started = time.perf_counter()
    for chat in chats:
        await channel.send_group(chat, message)
    baseline = time.perf_counter() - started

    floor = await _durable_floor(db, chats, message)

    rss_before = _peak_rss_mb()
    started = time.perf_counter()
    for chat in chats:
        await outbox.enqueue(f"bench:1:qq:{chat}", "qq", chat, message)
    enqueued = time.perf_counter() - started
    started = time.perf_counter()
    sent = await outbox.send_due()
    drained = time.perf_counter() - started
    rss_after = _peak_rss_mb()

    rows = await outbox.progress("bench:1:")
    started = time.perf_counter()
    batched = await outbox.enqueue_many(
        OutboxItem(f"bench:2:qq:{chat}", "qq", chat, message) for chat in chats
    )
    enqueued_many = time.perf_counter() - started
    if sent != groups or batched != groups or any(row.status != OutboxStatus.SENT for row in rows):
        raise RuntimeError(f"sent {sent} of {groups}")
    per_message = (enqueued + drained) / groups
    return {
        "groups": groups,
        "database": db.dialect,
        "enqueue_us_per_msg": round(enqueued / groups * 1e6, 1),
        "send_us_per_msg": round(drained / groups * 1e6, 1),
        "enqueue_many_us_per_msg": round(enqueued_many / groups * 1e6, 1),
        "outbox_us_per_msg": round(per_message * 1e6, 1),
        "total_s": round(enqueued + drained, 3),
        "peak_rss_delta_mb": round(rss_after - rss_before, 1),
        "baseline_plain_loop_us_per_msg": round(baseline / groups * 1e6, 2),
        "baseline_durable_floor_us_per_msg": round(floor / groups * 1e6, 1),
        "ratio_to_plain_loop": round(per_message / (baseline / groups), 1),
        "ratio_to_durable_floor": round(per_message / (floor / groups), 2),
        "spacing_excluded": "OUTBOX_SPACING_SECONDS=0, OUTBOX_JITTER_SECONDS=0",
    }


def main() -> None:
    """Parse the command line, run, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--database-url", default=None, help="default: a fresh temporary SQLite")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.groups, args.database_url)), ensure_ascii=False))


if __name__ == "__main__":
    main()

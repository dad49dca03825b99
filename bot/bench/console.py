"""How long the console's dashboard, lists and case list take on a large database.

    python -m bot.bench.console [--questions 100000] [--postgres URL]

Seeds a scratch database (SQLite, or a throwaway schema of PostgreSQL) with questions spread
over 60 days and the orgs of the bundled grid, a like or 没用 on some, a case for every 20th,
then times each query of the pages over the default period (the last 30 days) for an admin
(every org) and for a street cadre (their street and below): best of three runs, in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.cases.models import Case
from bot.console import casebook, dashboard
from bot.console.models import ConsoleAccount
from bot.console.period import Period
from bot.console.questions import Kind, questions
from bot.console.scope import Viewer
from bot.grid.model import Grid, OrgLevel
from bot.grid.service import GridService
from bot.qa.models import Feedback, Question
from bot.storage.database import Database
from bot.storage.scratch import scratch_database

BUNDLED = Path(__file__).resolve().parents[2] / "faq_data"
NOW = datetime(2026, 12, 1, 4, tzinfo=timezone.utc)
OUTCOMES = ("answered",) * 6 + ("chosen", "suggested", "unanswered", "human", "small_talk")


async def seed(db: Database, grid: Grid, count: int, rng: random.Random) -> None:
    """`count` questions, 3% of them with feedback, a case for every 20th."""
    orgs = [*grid.orgs, None]
    rows = [
        {
            "platform": "qq",
            "group_id": "1",
            "user_id": str(n % 5000),
            "message_id": str(n),
            "account": "",
            "text": f"第 {n} 个问题：团费怎么交",
            "normalized": "团费 交",
            "matches": [],
            "band": "answer",
            "outcome": rng.choice(OUTCOMES),
            "entry_id": None,
            "org_id": rng.choice(orgs),
            "asker": "小*",
            "created_at": NOW - timedelta(minutes=rng.randrange(60 * 24 * 60)),
        }
        for n in range(count)
    ]
    async with db.session() as session:
        for start in range(0, count, 5000):
            await session.execute(insert(Question), rows[start : start + 5000])
    liked = rng.sample(range(1, count + 1), max(1, count * 3 // 100))
    cases = [
        {
            "question_id": n + 1,
            "text": rows[n]["text"],
            "normalized": rows[n]["normalized"],
            "urgent": rng.random() < 0.05,
            "risk_level": 0,
            "origin_org_id": rows[n]["org_id"],
            "org_id": rows[n]["org_id"],
            "status": rng.choice(("assigned", "answered", "closed")),
            "opened_at": rows[n]["created_at"],
            "answered_at": rows[n]["created_at"] + timedelta(hours=rng.randrange(1, 48)),
            "due_at": rows[n]["created_at"] + timedelta(hours=24),
            "escalations": 0,
        }
        for n in range(0, count, 20)
    ]
    async with db.session() as session:
        await session.execute(
            insert(Feedback),
            [
                {
                    "question_id": question_id,
                    "entry_id": None,
                    "platform": "qq",
                    "user_id": "u",
                    "helpful": rng.random() < 0.8,
                    "created_at": NOW,
                }
                for question_id in liked
            ],
        )
        await session.execute(insert(Case), cases)


async def _best(call: Callable[[], Awaitable[Any]], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 1)


async def run(count: int, postgres_url: str | None) -> dict[str, Any]:
    """Seed `count` questions and time the console's queries; figures in ms."""
    grid_service = GridService(BUNDLED, watch=False)
    await grid_service.start()
    grid = grid_service.grid
    period = Period.parse(None, None, ZoneInfo("Asia/Shanghai"), NOW)
    admin = Viewer(ConsoleAccount(username="admin", role="admin"), None, None)
    street = next(org for org in grid.orgs.values() if org.level is OrgLevel.STREET)
    cadre = Viewer(
        ConsoleAccount(username="cadre", role="cadre"), None, grid.descendants(street.id)
    )
    figures: dict[str, Any] = {"questions": count}
    with tempfile.TemporaryDirectory() as folder:
        async with scratch_database(postgres_url, Path(folder)) as db:
            figures["database"] = db.dialect
            started = time.perf_counter()
            await seed(db, grid, count, random.Random(1))
            figures["seed_s"] = round(time.perf_counter() - started, 1)
            for name, viewer in (("admin", admin), ("street", cadre)):
                orgs = viewer.orgs
                shown = viewer.visible_orgs(grid)
                timed = {
                    "figures": await _best(lambda o=orgs: dashboard.figures(db, NOW, o, period)),
                    "breakdown": await _best(
                        lambda o=orgs, s=shown: dashboard.breakdown(db, grid, s, o, period)
                    ),
                    "questions": await _best(lambda o=orgs: questions(db, Kind.ALL, o, period)),
                    "liked": await _best(lambda o=orgs: questions(db, Kind.LIKED, o, period)),
                    "cases": await _best(
                        lambda v=viewer: casebook.cases(
                            db, v, casebook.State.ACTIVE, None, None, NOW
                        )
                    ),
                }
                timed["dashboard"] = round(timed["figures"] + timed["breakdown"], 1)
                figures[name] = timed
    await grid_service.stop()
    return figures


def main() -> None:
    """Command line: print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.questions, args.postgres)), ensure_ascii=False))


if __name__ == "__main__":
    main()

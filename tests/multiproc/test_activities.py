"""Activities with two bot processes on one PostgreSQL: made once, never oversubscribed."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.activities.models import Activity, Signup
from bot.activities.sync import ActivityFileSync
from bot.runtime import Runtime

WINTER = """\
activities:
  - id: winter-volunteer
    title: 冬季志愿服务
    time: 2026-11-10 14:00
    place: 街道活动中心
    quota: 1
    targets:
      groups: ["qq:40001"]
"""


async def test_two_processes_starting_on_one_activity_file_make_it_once(
    processes: tuple[Runtime, Runtime, list[tuple[str, str]]],
) -> None:
    first, second, _ = processes
    folder = first.settings.faq_dir / "activities"
    folder.mkdir(exist_ok=True)
    (folder / "winter.yaml").write_text(WINTER, encoding="utf-8")

    syncs = [
        ActivityFileSync(rt.activities, rt.settings.faq_dir, watch=False) for rt in processes[:2]
    ]
    results = await asyncio.gather(*(sync.sync("启动") for sync in syncs))

    assert all(not result.errors for result in results)
    async with first.db.session() as session:
        made = (await session.scalars(select(Activity))).all()
    assert [(a.title, a.status) for a in made] == [("冬季志愿服务", "announced")]

    # Youths signing up through both processes at once: one seat, the rest wait.
    signups = await asyncio.gather(
        *(
            (first if n % 2 else second).activities.sign_up(made[0].id, "qq", f"3030{n}", "40001")
            for n in range(6)
        )
    )
    assert sorted(s.status for s in signups) == ["signed"] + ["waitlisted"] * 5
    async with first.db.session() as session:
        ranks = await session.scalar(select(func.count(func.distinct(Signup.position))))
    assert ranks == 6

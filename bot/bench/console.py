"""How long every console page takes to render on a large database, through HTTP.

    python -m bot.bench.console [--questions 100000] [--postgres URL] [--runs 10]

Seeds a scratch database (SQLite, or a throwaway schema of PostgreSQL) with questions spread
over 60 days and the orgs of the bundled grid (their texts are the bundled FAQ's questions and
variants of them, with the outcomes chat gives: mostly answered, some menus and handovers, 没用
on some), a case for every 20th, activities with sign-ups, 微心愿 and 微心愿活动, 团情日记 and
兴趣小组. Then, for an admin (every org) and for a street cadre (their street and below), each
logged in through the login form, it requests every console page through the real routes (an
in-process ASGI client) and reports the median and 95th percentile in ms over `runs` requests
after one warm-up.
`clusters_cold` and `report_cold` are the cluster and report pages with their caches emptied
before every request: what the first viewer of a scope and period (or month) waits.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, insert, select
from sqlalchemy import text as sql

from bot.activities.models import Activity, Signup
from bot.cases.models import Case
from bot.common.heap import freeze_startup_objects
from bot.console import web
from bot.diary.models import Diary, FollowUp
from bot.faq.model import EntryKind
from bot.faq.normalize import normalize
from bot.grid.model import Grid, OrgLevel
from bot.groups.models import GroupMember, GroupPoll, GroupProposal, GroupVote, InterestGroup
from bot.qa.models import Feedback, Question
from bot.runtime import Runtime, get_runtime, set_runtime
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.scratch import scratch_database
from bot.wishes.models import Wish, WishCampaign

BUNDLED = Path(__file__).resolve().parents[2] / "faq_data"
NOW = datetime(2026, 12, 1, 4, tzinfo=timezone.utc)
OUTCOMES = ("answered",) * 6 + ("chosen", "suggested", "unanswered", "human", "small_talk")
SUFFIXES = ("", "？", "呀", "，谢谢", "，急", "啊老师", "（在线等）")
UNKNOWN = (
    "青年之家周末几点开门",
    "区里篮球场晚上开放吗",
    "暑假社会实践证明去哪里盖章",
    "学校的心理老师怎么预约",
    "志愿者马甲可以借吗",
)
ADMIN, PASSWORD = "bench-admin", "bench admin password"
CADRE = "bench-street"
PAGE_BUDGET_MS = 300.0


def _texts(runtime: Runtime) -> tuple[list[tuple[str, str]], list[str]]:
    entries = [e for e in runtime.faq.index.entries.values() if e.kind is EntryKind.FAQ]
    asked = [(q, e.id) for e in entries for q in e.questions]
    return asked, list(UNKNOWN)


async def seed(runtime: Runtime, count: int, rng: random.Random) -> None:
    """`count` questions (3% with feedback, a case for every 20th), 300 activities with
    sign-ups, 20 wish campaigns and 2000 wishes (half of them in one campaign), 1000
    团情日记, 30 兴趣小组 with votes."""
    db, grid = runtime.db, runtime.grid.grid
    asked, unknown = _texts(runtime)
    orgs = [*grid.orgs, None]
    normalized: dict[str, str] = {}
    rows = []
    for n in range(count):
        outcome = rng.choice(OUTCOMES)
        if outcome in ("unanswered", "human") and rng.random() < 0.5:
            text, entry = rng.choice(unknown), None
        else:
            text, entry = rng.choice(asked)
        text += rng.choice(SUFFIXES)
        matched = [{"id": entry, "score": round(rng.uniform(0.3, 0.9), 3)}] if entry else []
        rows.append(
            {
                "platform": "qq",
                "group_id": "1",
                "user_id": str(n % 5000),
                "message_id": str(n),
                "account": "",
                "text": text,
                "normalized": normalized.setdefault(text, normalize(text)),
                "matches": matched,
                "band": "answer",
                "outcome": outcome,
                "entry_id": entry if outcome in ("answered", "chosen") else None,
                "org_id": rng.choice(orgs),
                "asker": "小*",
                "created_at": NOW - timedelta(minutes=rng.randrange(60 * 24 * 60)),
            }
        )
    rows.sort(key=lambda row: row["created_at"])  # ids grow with time, as in a real database
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
    await _seed_activities(db, grid, rng)
    await _seed_diaries(db, grid, rng)
    await _seed_groups(db, grid, rng)
    await _settle(db)


async def _settle(db: Database) -> None:
    """PostgreSQL: what autovacuum does soon after a bulk load (the visibility map, which lets
    it read an index alone, and the planner's statistics), done now, so that the pages are
    timed on a settled database and not whenever autovacuum happens to run. SQLite keeps no
    statistics unless asked, and 青声 never asks: nothing to do."""
    if db.dialect != "postgresql":
        return
    async with db.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(sql("VACUUM ANALYZE"))


async def _seed_groups(db: Database, grid: Grid, rng: random.Random) -> None:
    """30 兴趣小组 of 100 members each, a vote in each among three proposals, half voting."""
    orgs = list(grid.orgs)
    async with db.session() as session:
        await session.execute(
            insert(InterestGroup),
            [
                {"name": f"兴趣小组{n}", "aliases": [], "org_id": orgs[n % len(orgs)]}
                for n in range(30)
            ],
        )
        groups = list((await session.scalars(select(InterestGroup.id))).all())
        members = [
            {"group_id": g, "platform": "qq", "user_id": str(u), "nickname": "小明"}
            for g in groups
            for u in range(100)
        ]
        await session.execute(insert(GroupMember), members)
        await session.execute(
            insert(GroupPoll),
            [
                {
                    "group_id": g,
                    "deadline": NOW + timedelta(days=3),
                    "created_by": "bench",
                    "creator_platform": "qq",
                    "creator_account": "",
                }
                for g in groups
            ],
        )
        polls = list((await session.scalars(select(GroupPoll.id))).all())
        await session.execute(
            insert(GroupProposal),
            [
                {"poll_id": p, "title": f"活动方案{k}", "starts_at": NOW + timedelta(days=7)}
                for p in polls
                for k in range(3)
            ],
        )
        proposals = (await session.execute(select(GroupProposal.poll_id, GroupProposal.id))).all()
        by_poll: dict[int, list[int]] = {}
        for poll_id, proposal_id in proposals:
            by_poll.setdefault(poll_id, []).append(proposal_id)
        await session.execute(
            insert(GroupVote),
            [
                {
                    "poll_id": p,
                    "proposal_id": rng.choice(by_poll[p]),
                    "platform": "qq",
                    "user_id": str(u),
                }
                for p in polls
                for u in range(50)
            ],
        )


async def _seed_diaries(db: Database, grid: Grid, rng: random.Random) -> None:
    """1000 团情日记 over 60 days by the grid's people, a follow-up on every 5th."""
    people = [p for p in grid.people.values() if p.orgs]
    diaries = []
    for n in range(1000):
        person = rng.choice(people)
        diaries.append(
            {
                "author_id": person.id,
                "author_name": person.name,
                "platform": "qq",
                "account": "",
                "visited_on": (NOW - timedelta(days=rng.randrange(60))).date(),
                "org_id": rng.choice(person.orgs),
                "place": "社区青年之家",
                "youths_met": rng.randrange(1, 20),
                "heard": "青年反映篮球场晚上没有灯",
                "problems": rng.choice(("就业", "学业", "心理", "")),
                "deed": n % 3 == 0,
                "research": n % 4 == 0,
                "paired": n % 5 == 0,
                "created_at": NOW - timedelta(days=rng.randrange(60)),
            }
        )
    async with db.session() as session:
        await session.execute(insert(Diary), diaries)
        ids = list((await session.scalars(select(Diary.id))).all())
        await session.execute(
            insert(FollowUp),
            [{"diary_id": i, "text": "联系街道装灯", "created_at": NOW} for i in ids[::5]],
        )


async def _seed_activities(db: Database, grid: Grid, rng: random.Random) -> None:
    orgs = list(grid.orgs)
    activities = [
        {
            "title": f"志愿服务活动 {n}",
            "starts_at": NOW + timedelta(days=rng.randrange(-50, 20)),
            "place": "青年之家",
            "details": "",
            "quota": 30,
            "targets": {},
            "target_groups": [],
            "fields": ["name", "phone"],
            "checkin_code": f"{n:06d}",
            "status": "announced",
            "org_id": rng.choice(orgs),
            "created_by": "bench",
            "creator_platform": "qq",
            "creator_account": "",
            "created_at": NOW - timedelta(days=60),
        }
        for n in range(300)
    ]
    async with db.session() as session:
        await session.execute(insert(Activity), activities)
        ids = list((await session.scalars(select(Activity.id))).all())
        signups = [
            {
                "activity_id": activity_id,
                "platform": "qq",
                "user_id": str(p),
                "group_id": "1",
                "nickname": "小明",
                "status": "signed" if p < 30 else "waitlisted",
                "position": p,
                "answers": {"name": "小明", "phone": "13812345678"},
                "signed_up_at": NOW - timedelta(days=1),
            }
            for activity_id in ids
            for p in range(40)
        ]
        for start in range(0, len(signups), 5000):
            await session.execute(insert(Signup), signups[start : start + 5000])
        await session.execute(
            insert(WishCampaign),
            [
                {
                    "name": f"六一微心愿 {n}",
                    "target_date": (NOW + timedelta(days=30)).date(),
                    "orgs": orgs if n == 0 else rng.sample(orgs, 3),
                    "created_by": "bench",
                    "created_at": NOW - timedelta(days=30),
                }
                for n in range(20)
            ],
        )
        campaigns = list((await session.scalars(select(WishCampaign.id))).all())
        await session.execute(
            insert(Wish),
            [
                {
                    "text": f"想要一套课外书 {n}",
                    "platform": "qq",
                    "user_id": str(n),
                    "nickname": "小红",
                    "for_whom": "自己",
                    "contact": "13812345678",
                    "org_id": (org := rng.choice(orgs)),
                    "status": rng.choice(("open", "claimed", "lit", "withdrawn")),
                    "claimed_by": None,
                    "campaign_id": campaigns[0] if n % 2 else None,
                    "campaign_org_id": org if n % 2 else None,
                    "created_at": NOW - timedelta(days=rng.randrange(60)),
                }
                for n in range(2000)
            ],
        )


def pages(activity_id: int, case_id: int, campaign_id: int, group_id: int) -> dict[str, str]:
    """Every console page (GET) with the query a user would send: name -> path."""
    return {
        "dashboard": "/console",
        "questions": "/console/questions?kind=all",
        "questions_not_helpful": "/console/questions?kind=not_helpful",
        "cases": "/console/cases",
        "cases_all": "/console/cases?state=all",
        "case": f"/console/cases/{case_id}",
        "diaries": "/console/diaries?month=2026-11",
        "groups": "/console/groups",
        "group": f"/console/groups/{group_id}",
        "activities": "/console/activities",
        "activity": f"/console/activities/{activity_id}",
        "report": "/console/report?month=2026-11",
        "report_cold": "/console/report?month=2026-11",
        "wishes": "/console/wishes",
        "wishes_lit": "/console/wishes?state=lit",
        "campaigns": "/console/wishes/campaigns",
        "campaign": f"/console/wishes/campaigns/{campaign_id}",
        "faq": "/console/faq",
        "faq_search": "/console/faq?q=团费",
        "hit_test": "/console/faq/test?q=团费怎么交",
        "clusters": "/console/faq/clusters",
        "clusters_cold": "/console/faq/clusters",
        "review": "/console/faq/review",
        "accounts": "/console/accounts",
        "audit": "/console/audit",
        "password": "/console/password",
    }


ADMIN_ONLY = frozenset({"review", "accounts", "audit"})


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


async def _time_pages(
    client: httpx.AsyncClient, paths: dict[str, str], runs: int, admin: bool
) -> dict[str, dict[str, float]]:
    timed: dict[str, dict[str, float]] = {}
    for name, path in paths.items():
        if name in ADMIN_ONLY and not admin:
            continue
        times = []
        for run in range(runs + 1):
            if name == "clusters_cold":
                web.services().clusters.clear()
            elif name == "report_cold":
                web.services().reports.clear()
            started = time.perf_counter()
            res = await client.get(path)
            took = (time.perf_counter() - started) * 1000
            if res.status_code != 200:
                raise RuntimeError(f"{path}: HTTP {res.status_code}")
            if run:  # the first request warms caches up (templates, the jieba dictionary)
                times.append(took)
        timed[name] = {
            "median": round(statistics.median(times), 1),
            "p95": round(_percentile(times, 0.95), 1),
        }
    return timed


async def _signed_in(app: FastAPI, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50123)),
        base_url="http://127.0.0.1:8080",
    )
    page = await client.get("/console/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    res = await client.post(
        "/console/login", data={"username": username, "password": password, "csrf": token}
    )
    if res.status_code != 303:
        raise RuntimeError(f"login of {username} failed: HTTP {res.status_code}")
    return client


async def run(count: int, postgres_url: str | None, runs: int = 10) -> dict[str, Any]:
    """Seed `count` questions and time every console page; figures in ms."""
    figures: dict[str, Any] = {"questions": count, "runs": runs}
    try:
        previous: Runtime | None = get_runtime()
    except RuntimeError:
        previous = None  # the command line: no bot running in this process
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(BUNDLED, root / "faq_data")
        settings = Settings(
            data_dir=root,
            faq_dir=root / "faq_data",
            faq_watch=False,
            semantic="off",
            console_admin_user=ADMIN,
            console_admin_password=PASSWORD,
        )
        async with scratch_database(postgres_url, root) as db:
            figures["database"] = db.dialect
            runtime = await Runtime.start(settings, db=db, timers=False)
            runtime.qa.clock = runtime.cases.clock = lambda: NOW
            set_runtime(runtime)
            try:
                started = time.perf_counter()
                await seed(runtime, count, random.Random(1))
                figures["seed_s"] = round(time.perf_counter() - started, 1)
                freeze_startup_objects()  # as the bot does once it has started
                figures.update(await _measure(runtime, runs))
            finally:
                set_runtime(previous)
                await runtime.stop()
    return figures


async def _measure(runtime: Runtime, runs: int) -> dict[str, Any]:
    app = FastAPI()
    app.include_router(web.router)
    grid = runtime.grid.grid
    street = next(
        p
        for p in grid.people.values()
        if p.role.value == "cadre" and p.orgs and grid.orgs[p.orgs[0]].level is OrgLevel.STREET
    )
    admin = await _signed_in(app, ADMIN, PASSWORD)
    await web.services().accounts.create(ADMIN, CADRE, PASSWORD, "cadre", street.id)
    cadre = await _signed_in(app, CADRE, PASSWORD)
    async with runtime.db.session() as session:
        activity_id = await session.scalar(
            select(Activity.id).where(Activity.org_id.in_(street.orgs)).limit(1)
        )
        case_id = await session.scalar(select(Case.id).where(Case.org_id.in_(street.orgs)).limit(1))
        campaign_id = await session.scalar(select(func.min(WishCampaign.id)))
        group_id = await session.scalar(
            select(func.min(InterestGroup.id)).where(InterestGroup.org_id.in_(street.orgs))
        )
    paths = pages(activity_id or 1, case_id or 1, campaign_id or 1, group_id or 1)
    found: dict[str, Any] = {}
    try:
        for name, client, is_admin in (("admin", admin, True), ("street", cadre, False)):
            found[name] = await _time_pages(client, paths, runs, is_admin)
    finally:
        await admin.aclose()
        await cadre.aclose()
    slowest = max(
        (t["p95"], f"{viewer} {page}") for viewer in found for page, t in found[viewer].items()
    )
    found["slowest_p95"] = {"ms": slowest[0], "page": slowest[1]}
    found["under_budget"] = slowest[0] < PAGE_BUDGET_MS
    return found


def main() -> None:
    """Command line: print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page")
    args = parser.parse_args()
    print(
        json.dumps(asyncio.run(run(args.questions, args.postgres, args.runs)), ensure_ascii=False)
    )


if __name__ == "__main__":
    main()

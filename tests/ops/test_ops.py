"""/healthz and /metrics: status codes, what they count, who may read the metrics."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from bot.cases.models import Case, CaseStatus
from bot.delivery.models import OutboxAccount
from bot.ops.web import ops_router
from bot.qa.model import Incoming
from bot.qa.models import Question
from bot.runtime import Runtime
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from tests.utils import Clock, next_message_id

LOCAL = ("127.0.0.1", 40000)


def client(settings: Settings, peer: tuple[str, int] = LOCAL) -> httpx.AsyncClient:
    app = FastAPI()
    app.include_router(ops_router(settings))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=peer), base_url="http://127.0.0.1:8080"
    )


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


@pytest.fixture
async def connected(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The runtime with one QQ account connected."""
    monkeypatch.setattr(runtime.outbox.channels["qq"], "accounts", lambda: ["3800000001"])
    return runtime


async def test_healthz_ok_with_database_and_an_account(connected: Runtime) -> None:
    async with client(connected.settings) as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "accounts": {"qq": 1}}


async def test_healthz_503_without_a_qq_account(runtime: Runtime) -> None:
    async with client(runtime.settings) as http:
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["accounts"] == {"qq": 0}

    web_only = runtime.settings.model_copy(update={"healthz_require_qq": False})
    async with client(web_only) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_healthz_503_when_the_database_is_away(
    connected: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    away = Database("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    monkeypatch.setattr(connected, "db", away)
    try:
        async with client(connected.settings) as http:
            response = await http.get("/healthz")
    finally:
        await away.dispose()
    assert response.status_code == 503
    assert response.json()["database"] is False


async def test_metrics_count_messages_replies_cases_and_the_outbox(
    connected: Runtime, clock: Clock, database: Database
) -> None:
    async with client(connected.settings) as http:
        before = samples((await http.get("/metrics")).text)
    msg = Incoming("qq", str(next_message_id()), "30001", "团费怎么交", group_id="40001")
    reply = await connected.qa.handle(msg)
    assert reply is not None
    await connected.qa.sent("qq", "m1", reply)
    now = utcnow()  # what /metrics compares due times with
    async with database.session() as session:
        question = Question(
            platform="qq",
            user_id="30001",
            message_id="q1",
            text="路灯坏了",
            normalized="路灯坏了",
            band="unanswered",
            outcome="handed_over",
        )
        session.add(question)
        await session.flush()
        for status, due in (
            (CaseStatus.OPEN, now - timedelta(hours=1)),
            (CaseStatus.ASSIGNED, now + timedelta(hours=1)),
            (CaseStatus.CLOSED, now - timedelta(hours=5)),
        ):
            session.add(
                Case(
                    question_id=question.id,
                    text="路灯坏了",
                    normalized="路灯坏了",
                    status=status.value,
                    due_at=due,
                )
            )
        session.add(
            OutboxAccount(
                account="3800000001", risk_failures=0, paused_until=now + timedelta(minutes=5)
            )
        )
    await connected.outbox.enqueue("activity:1:qq:40001", "qq", "40001", "团日活动")
    await connected.outbox.enqueue("activity:1:qq:40002", "qq", "40002", "团日活动")

    async with client(connected.settings) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    kind = reply.kind.value
    assert grew("qingsheng_messages_in_total", platform="qq", chat="group") == 1
    assert grew("qingsheng_replies_total", platform="qq", kind=kind) == 1
    assert grew("qingsheng_replies_sent_total", platform="qq", kind=kind) == 1
    assert grew("qingsheng_reply_seconds_count", platform="qq") == 1
    assert after[("qingsheng_cases_open", ())] == 2
    assert after[("qingsheng_cases_overdue", ())] == 1
    assert after[("qingsheng_outbox_depth", (("account", "default"),))] == 2
    assert after[("qingsheng_outbox_circuit_open", (("account", "3800000001"),))] == 1
    assert after[("qingsheng_accounts_connected", (("platform", "qq"),))] == 1


async def test_metrics_are_for_this_machine_or_a_token(runtime: Runtime) -> None:
    async with client(runtime.settings, peer=("203.0.113.9", 5000)) as http:
        assert (await http.get("/metrics")).status_code == 403
    async with client(runtime.settings) as http:
        assert (await http.get("/metrics")).status_code == 200
        # A same-host reverse proxy passes the internet's requests on from loopback.
        for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded", "Via", "X-Forwarded-Proto"):
            res = await http.get("/metrics", headers={header: "203.0.113.9"})
            assert res.status_code == 403, header
        # A DNS-rebinding page, or a proxy that passes the client's Host on.
        for host in ("evil.example", "evil.example:8080", "127.0.0.1:9999"):
            assert (await http.get("/metrics", headers={"Host": host})).status_code == 403, host

    gated = runtime.settings.model_copy(update={"metrics_token": "s3cret-metrics"})
    async with client(gated, peer=("203.0.113.9", 5000)) as http:
        assert (await http.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await http.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer s3cret-metrics"}
        assert (await http.get("/metrics", headers=right)).status_code == 200

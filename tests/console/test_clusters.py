"""The loop from unsettled questions to the FAQ, through HTTP: the questions that got a
handover or 没用 are clustered in the viewer's scope; an admin adds a cluster's question as a
similar question of an entry (or as a new entry), the faq_data file changes, the FAQ reloads
and chat answers that phrasing directly; an edit the files would not take is refused and the
index being served stays; cadres and forged forms change nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, select

from bot.console.clusters import ClusterCache
from bot.console.models import AuditEntry
from bot.console.period import Period
from bot.faq.bands import decision_from
from bot.qa.model import ReplyKind
from bot.qa.models import Question
from bot.runtime import Runtime
from tests.console.conftest import ask, csrf_of, make_cadre, signed_in
from tests.web.conftest import Client

CLUSTER = re.compile(r'<section class="card" data-cluster="\d+" data-count="(\d+)"')
OPENING = ("青年之家周末几点开门", "青年之家周末几点开门呀", "周末青年之家几点开门")
LOST_CARD = "团员证掉在公交车上了去哪里弄新的"


async def _seed(console: Runtime) -> None:
    for n, text in enumerate(OPENING):
        assert (await ask(console, text, user=f"50{n}")).kind is ReplyKind.UNANSWERED
    await ask(console, "我的电话13812345678，青年之家周末几点开门", user="509")
    await ask(console, LOST_CARD, user="510")
    await ask(console, "二街道的篮球场晚上开放吗", group="40003", user="511")
    crisis = await ask(console, "我不想活了，青年之家周末几点开门", user="512")
    assert crisis.kind is ReplyKind.CRISIS


def _sections(page: str) -> list[str]:
    return page.split('<section class="card" data-cluster=')[1:]


async def test_the_page_clusters_unsettled_questions_in_scope(
    client: Client, console: Runtime
) -> None:
    await _seed(console)
    async with signed_in(client) as admin:
        await make_cadre(admin, "er", "street2-a")
        page = (await admin.get("/console/faq/clusters")).text
    sections = _sections(page)
    opening = next(s for s in sections if "青年之家周末几点开门" in s)
    assert 'data-count="4"' in opening, "three phrasings and the masked one, not the crisis"
    assert "138****5678" in opening and "13812345678" not in page, "examples are masked"
    assert "不想活" not in page, "crisis messages are never examples"
    assert "二街道的篮球场" in page and LOST_CARD in page
    assert CLUSTER.findall(page)[:2] == ["4", "1"], "the biggest cluster first"
    assert 'action="/console/faq/clusters/similar"' in page
    async with signed_in(client, "er", "a cadre password") as cadre:
        mine = (await cadre.get("/console/faq/clusters")).text
        other = await cadre.get("/console/faq/clusters", params={"org": "street"})
    assert "二街道的篮球场" in mine and "青年之家" not in mine, "a cadre sees their orgs only"
    assert "/console/faq/clusters/similar" not in mine, "cadres read; admins write"
    assert other.status_code == 403
    async with signed_in(client) as admin:
        bad = await admin.get("/console/faq/clusters", params={"from": "2026-13-01"})
    assert bad.status_code == 400


async def _post(c: httpx.AsyncClient, change: str, **data: str) -> httpx.Response:
    token = csrf_of((await c.get("/console/faq/clusters")).text)
    return await c.post(f"/console/faq/clusters/{change}", data={"csrf": token, **data})


async def test_add_as_similar_writes_the_file_and_chat_answers_it(
    client: Client, console: Runtime
) -> None:
    await _seed(console)
    basics = console.settings.faq_dir / "faq" / "basics.yaml"
    before = basics.read_text(encoding="utf-8")
    assert (await ask(console, LOST_CARD, user="520")).kind is not ReplyKind.ANSWER
    async with signed_in(client) as admin:
        res = await _post(admin, "similar", entry="cert-lost", question=LOST_CARD)
        assert res.status_code == 303, res.text
        shown = (await admin.get(res.headers["location"])).text
        assert f"已把“{LOST_CARD}”加为条目 cert-lost 的相似问法" in shown
        card = next(s for s in _sections(shown) if LOST_CARD in s)
        assert 'data-band="answer"' in card, "the cluster is answered directly now"
        again = await _post(admin, "similar", entry="cert-lost", question=LOST_CARD)
        assert again.status_code == 400 and "已经是条目 cert-lost 的问法" in again.text
    after = basics.read_text(encoding="utf-8")
    assert f'      - 补办团员证的流程\n      - "{LOST_CARD}"\n' in after, (
        "under cert-lost's similar"
    )
    assert after.replace(f'      - "{LOST_CARD}"\n', "") == before, "nothing else changed"
    reply = await ask(console, LOST_CARD, user="521")
    assert reply.kind is ReplyKind.ANSWER and reply.entry and reply.entry.id == "cert-lost"
    async with console.db.session() as session:
        audit = (
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == "faq_similar_added")
            )
        ).all()
    assert [(a.username, a.target, a.note) for a in audit] == [
        ("admin-zhang", "cert-lost", LOST_CARD)
    ]
    assert audit[0].detail == {"file": "faq/basics.yaml"}


async def test_a_new_entry_is_written_and_served(client: Client, console: Runtime) -> None:
    await _seed(console)
    async with signed_in(client) as admin:
        res = await _post(
            admin,
            "new",
            question=OPENING[0],
            similar=f"{OPENING[1]}\n{OPENING[2]}\n",
            answer="周末上午九点到下午五点开门。",
            tags="青年之家",
        )
        assert res.status_code == 303, res.text
        assert "已新建条目 added-1" in (await admin.get(res.headers["location"])).text
        empty = await _post(admin, "new", question="青年之家有WiFi吗", answer=" ")
        assert empty.status_code == 400 and "答案不能为空" in empty.text
        # The new entry takes more ways of asking, through the learned entries' writer.
        more = await _post(admin, "similar", entry="added-1", question="青年之家礼拜天营业时间")
        assert more.status_code == 303, more.text
    learned = (console.settings.faq_dir / "faq" / "learned.yaml").read_text(encoding="utf-8")
    assert "id: added-1" in learned and "待审核" not in learned.split("entries:")[1]
    assert "青年之家礼拜天营业时间" in learned
    for n, text in enumerate((OPENING[2], "青年之家礼拜天营业时间")):
        reply = await ask(console, text, user=f"53{n}")
        assert reply.kind is ReplyKind.ANSWER and "下午五点" in reply.text, text
    async with console.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "faq_entry_added" in actions


async def test_a_write_the_files_would_not_take_is_refused(
    client: Client, console: Runtime
) -> None:
    await _seed(console)
    faq = console.settings.faq_dir / "faq"
    basics = faq / "basics.yaml"
    original = basics.read_text(encoding="utf-8")
    async with signed_in(client) as admin:
        unknown = await _post(admin, "similar", entry="no-such-entry", question=LOST_CARD)
        assert unknown.status_code == 400 and "没有条目 no-such-entry" in unknown.text
        # Another file is broken (not reloaded yet): the edit would not be served, so it is undone.
        (faq / "broken.yaml").write_text("entries:\n  - id: x\n    question: 缺答案\n", "utf-8")
        undone = await _post(admin, "similar", entry="cert-lost", question=LOST_CARD)
        assert undone.status_code == 400 and "已撤销" in undone.text
        assert "broken.yaml" in undone.text and "缺少答案" in undone.text
        assert basics.read_text(encoding="utf-8") == original
        (faq / "broken.yaml").unlink()
        # The entry's own file has a syntax error: nothing is written.
        basics.write_text(original + "  - id: [oops\n", encoding="utf-8")
        broken = await _post(admin, "similar", entry="cert-lost", question=LOST_CARD)
        assert broken.status_code == 400 and "格式错误" in broken.text
        assert basics.read_text(encoding="utf-8") == original + "  - id: [oops\n"
    reply = await ask(console, "团员证丢了怎么补办？", user="540")
    assert reply.kind is ReplyKind.ANSWER, "the index being served still answers"
    assert (await ask(console, LOST_CARD, user="541")).kind is not ReplyKind.ANSWER


async def test_cadres_and_forged_forms_change_nothing(client: Client, console: Runtime) -> None:
    await _seed(console)
    basics = console.settings.faq_dir / "faq" / "basics.yaml"
    original = basics.read_text(encoding="utf-8")
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
        forged = await admin.post(
            "/console/faq/clusters/similar", data={"entry": "cert-lost", "question": LOST_CARD}
        )
        assert forged.status_code == 403 and "页面已过期" in forged.text
    async with signed_in(client, "jia", "a cadre password") as cadre:
        res = await _post(cadre, "similar", entry="cert-lost", question=LOST_CARD)
        assert res.status_code == 403 and "只有管理员" in res.text
        new = await _post(cadre, "new", question=LOST_CARD, answer="去团委补办")
        assert new.status_code == 403
    assert basics.read_text(encoding="utf-8") == original
    assert not (console.settings.faq_dir / "faq" / "learned.yaml").exists()
    async with console.db.session() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert not {"faq_similar_added", "faq_entry_added"} & set(actions)


async def test_only_the_newest_are_grouped_and_the_result_is_cached(console: Runtime) -> None:
    now = console.cases.clock()
    rows = [
        {
            "platform": "qq",
            "user_id": str(n),
            "message_id": f"b{n}",
            "text": "旧问题：团费交给谁" if n < 20 else "新问题：篮球场晚上开放吗",
            "normalized": "",
            "matches": [],
            "band": "escalate",
            "outcome": "unanswered",
            "org_id": "street",
            "created_at": now - timedelta(hours=40 - n),
        }
        for n in range(30)
    ]
    async with console.db.session() as session:
        await session.execute(insert(Question), rows)
    cache = ClusterCache()
    period = Period.parse(None, None, ZoneInfo(console.settings.timezone), now)
    decision = decision_from(console.qa.settings)
    index = console.faq.index
    view = await cache.view(console.db, index, decision, None, period, now, limit=10)
    assert view.read == 10 and view.limited
    assert [(c.count, c.question) for c in view.clusters] == [(10, "新问题：篮球场晚上开放吗")]
    assert await cache.view(console.db, index, decision, None, period, now, limit=10) is view
    outside = await cache.view(console.db, index, decision, {"street2"}, period, now, limit=10)
    assert outside.read == 0 and not outside.clusters, "scoped to the orgs asked for"
    await console.faq.reload(reason="test")
    fresh = await cache.view(console.db, console.faq.index, decision, None, period, now, limit=10)
    assert fresh is not view, "a new index computes the clusters again"

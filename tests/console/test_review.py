"""Learned entries from the console: a cadre adds an answered case to the FAQ, an admin
approves it (edited) or rejects it, and chat answers with it at once."""

from __future__ import annotations

from sqlalchemy import select

from bot.cases.models import Case, CaseEvent
from bot.cases.review import learned_path
from bot.console.models import AuditEntry
from bot.qa.model import ReplyKind
from bot.runtime import Runtime
from tests.console.conftest import ask, csrf_of, make_cadre, signed_in
from tests.web.conftest import Client


async def _answered_case(console: Runtime, client: Client, text: str, answer: str) -> int:
    reply = await ask(console, text, user="3")
    assert reply.kind is ReplyKind.UNANSWERED
    async with console.db.session() as session:
        case_id = await session.scalar(select(Case.id).order_by(Case.id.desc()))
    async with signed_in(client, "jia", "a cadre password") as c:
        token = csrf_of((await c.get(f"/console/cases/{case_id}")).text)
        await c.post(f"/console/cases/{case_id}/answer", data={"answer": answer, "csrf": token})
        res = await c.post(f"/console/cases/{case_id}/learn", data={"csrf": token})
        assert res.status_code == 303
        shown = (await c.get(res.headers["location"])).text
        assert f"learned-{case_id}" in shown and "审核" in shown
        assert (await c.get("/console/faq/review")).status_code == 403, "cadres do not review"
        again = await c.post(f"/console/cases/{case_id}/learn", data={"csrf": token})
        assert again.status_code == 409 and "已经入库" in again.text
    return case_id


async def test_an_approved_entry_answers_in_chat(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    case_id = await _answered_case(console, client, "青年之家周末几点开门", "九点开门。")
    entry = f"learned-{case_id}"
    assert "待审核" in learned_path(console.settings).read_text(encoding="utf-8")
    before = await ask(console, "青年之家周末几点开门", user="8")
    assert before.kind is not ReplyKind.ANSWER, "not served while pending"
    async with signed_in(client) as admin:
        page = (await admin.get("/console/faq/review")).text
        assert f'data-entry="{entry}"' in page and "九点开门。" in page
        token = csrf_of(page)
        assert (
            await admin.post(f"/console/faq/review/{entry}/approve", data={"answer": "x"})
        ).status_code == 403
        res = await admin.post(
            f"/console/faq/review/{entry}/approve",
            data={"answer": "周末上午九点开门，下午五点关门。", "csrf": token},
        )
        assert res.status_code == 200 and f"已通过 {entry}" in res.text
        assert f'data-entry="{entry}"' not in res.text
    after = await ask(console, "青年之家周末几点开门", user="9")
    assert after.kind is ReplyKind.ANSWER and "下午五点关门" in after.text
    async with console.db.session() as session:
        kinds = (
            await session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        ).all()
        audit = (
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.action.in_(("case_learned", "entry_approved"))
                )
            )
        ).all()
    assert kinds[-2:] == ["learned", "approved"]
    assert audit == ["case_learned", "entry_approved"]


async def test_a_rejected_entry_leaves_the_file(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    case_id = await _answered_case(console, client, "青年之家能借场地吗", "可以，提前一周预约。")
    entry = f"learned-{case_id}"
    async with signed_in(client) as admin:
        token = csrf_of((await admin.get("/console/faq/review")).text)
        res = await admin.post(
            f"/console/faq/review/{entry}/reject", data={"reason": "要核实", "csrf": token}
        )
        assert res.status_code == 200 and f"已驳回并删除 {entry}" in res.text
        twice = await admin.post(
            f"/console/faq/review/{entry}/reject", data={"reason": "", "csrf": token}
        )
        assert twice.status_code == 409
    assert entry not in learned_path(console.settings).read_text(encoding="utf-8")
    async with console.db.session() as session:
        case = await session.get(Case, case_id)
    assert case.learned_entry_id is None, "the case may be learned again"

"""The dashboard, the question lists, cases and the hit test through HTTP: figures equal what
the database holds, a street cadre sees only their orgs, answers go through the case service."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.cases.models import Case, CaseEvent, Delivery
from bot.chat.speaker import Speaker
from bot.console.models import AuditEntry
from bot.faq.bands import decision_from
from bot.qa.model import Outcome
from bot.qa.models import Feedback, Question
from bot.runtime import Runtime
from tests.console.conftest import ask, csrf_of, make_cadre, signed_in
from tests.web.conftest import Client


def figure(page: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}"><span>[^<]*</span><b class="n">([^<]*)</b>', page)
    assert match, f"figure {key} on the page"
    return match.group(1)


async def _seed(runtime: Runtime) -> None:
    """Questions in both streets and in private: FAQ answers, cases, a like and a 没用."""
    await ask(runtime, "几岁可以入团", user="1")  # street, FAQ
    await ask(runtime, "怎么交团费", user="2")  # street, FAQ
    await ask(runtime, "食堂几点开门", user="3")  # street, case
    await ask(runtime, "图书馆周末开吗", group="40003", user="4")  # street2, case
    await ask(runtime, "几岁可以入团", group="40003", user="5")  # street2, FAQ
    await ask(runtime, "几岁可以入团", group=None, user="6")  # private, FAQ
    async with runtime.db.session() as session:
        first, second = (
            await session.scalars(
                select(Question)
                .where(Question.outcome == Outcome.ANSWERED.value)
                .order_by(Question.id)
            )
        ).all()[:2]
        session.add_all(
            [
                Feedback(
                    question_id=first.id,
                    entry_id=first.entry_id,
                    platform="qq",
                    user_id="1",
                    helpful=True,
                ),
                Feedback(
                    question_id=second.id,
                    entry_id=second.entry_id,
                    platform="qq",
                    user_id="2",
                    helpful=False,
                ),
            ]
        )


async def _count(runtime: Runtime, *where) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count(Question.id)).where(*where)) or 0)


async def test_the_dashboard_shows_what_the_database_holds(
    client: Client, console: Runtime
) -> None:
    await _seed(console)
    async with signed_in(client) as c:
        page = (await c.get("/console")).text
        answered = await _count(console, Question.outcome.in_(("answered", "chosen")))
        assert figure(page, "collected") == str(await _count(console)) == "6"
        assert figure(page, "by_faq") == str(answered) == "4"
        assert figure(page, "by_people") == "0"
        assert figure(page, "likes") == "1" and figure(page, "not_helpful") == "1"
        assert figure(page, "open_cases") == "2" and figure(page, "overdue") == "0"
        assert figure(page, "median_first_response") == "暂无"
        assert "<svg" in page and "<script" not in page
        # Every figure links to its list, whose count is the figure.
        for key, kind in (
            ("collected", "all"),
            ("by_faq", "faq"),
            ("likes", "liked"),
            ("not_helpful", "not_helpful"),
        ):
            href = re.search(rf'href="([^"]+)" data-figure="{key}"', page).group(1)
            assert f"kind={kind}" in href
            listed = (await c.get(href.replace("&amp;", "&"))).text
            total = re.search(r"<b data-total>(\d+)</b>", listed).group(1)
            assert total == figure(page, key), key
        cases = (await c.get("/console/cases?state=active")).text
        assert re.search(r"<b data-total>(\d+)</b>", cases).group(1) == "2"
        # By org: the district counts both streets; street2 only its own.
        district = (await c.get("/console?org=district")).text
        assert figure(district, "collected") == "5"
        street2 = (await c.get("/console?org=street2")).text
        assert figure(street2, "collected") == "2" and figure(street2, "open_cases") == "1"
        # The case becomes overdue when its time limit passes.
        console.cases.clock.advance(hours=console.settings.case_sla_hours + 1)
        assert figure((await c.get("/console")).text, "overdue") == "2"
        # A date range before the questions counts nothing.
        empty = (await c.get("/console?from=2020-01-01&to=2020-01-31")).text
        assert figure(empty, "collected") == "0"
        bad = await c.get("/console?from=2020-02-01&to=2020-01-01")
        assert bad.status_code == 400


async def test_a_street_cadre_sees_only_their_orgs(client: Client, console: Runtime) -> None:
    await _seed(console)
    async with console.db.session() as session:
        street_case, street2_case = (await session.scalars(select(Case).order_by(Case.id))).all()
    assert (street_case.origin_org_id, street2_case.origin_org_id) == ("street", "street2")
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as c:
        page = (await c.get("/console")).text
        assert figure(page, "collected") == "3", "the street's questions only"
        assert figure(page, "open_cases") == "1"
        assert "测试第二街道团工委" not in page and "未归属组织" not in page
        listed = (await c.get("/console/questions?kind=all")).text
        assert "食堂几点开门" in listed and "图书馆周末开吗" not in listed
        cases = (await c.get("/console/cases?state=all")).text
        assert f'data-case="{street_case.id}"' in cases
        assert f'data-case="{street2_case.id}"' not in cases
        assert (await c.get(f"/console/cases/{street_case.id}")).status_code == 200
        assert (await c.get(f"/console/cases/{street2_case.id}")).status_code == 404
        assert (await c.get("/console?org=street2")).status_code == 403
        assert (await c.get("/console/questions?org=district")).status_code == 403
        assert (await c.get("/console/cases?org=street2")).status_code == 403
        assert (await c.get("/console/accounts")).status_code == 403
        assert (await c.get("/console/audit")).status_code == 403
        token = csrf_of(page)
        res = await c.post(
            f"/console/cases/{street2_case.id}/answer", data={"answer": "不该答", "csrf": token}
        )
        assert res.status_code == 404
    async with console.db.session() as session:
        assert (await session.get(Case, street2_case.id)).answer is None


async def test_a_case_is_answered_and_closed_from_the_console(
    client: Client, console: Runtime
) -> None:
    await ask(console, "食堂几点开门", user="3")
    await ask(console, "图书馆周末开吗", user="4")
    async with console.db.session() as session:
        first, second = (await session.scalars(select(Case).order_by(Case.id))).all()
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as c:
        page = (await c.get(f"/console/cases/{first.id}")).text
        assert "食堂几点开门" in page and "处理记录" in page
        assert "提出" in page, "the log shows the opening"
        token = csrf_of(page)
        refused = await c.post(f"/console/cases/{first.id}/answer", data={"answer": "七点"})
        assert refused.status_code == 403
        res = await c.post(
            f"/console/cases/{first.id}/answer", data={"answer": "早上七点开门。", "csrf": token}
        )
        assert res.status_code == 303
        shown = await c.get(res.headers["location"])
        assert f"已回复 #{first.id}" in shown.text and "data-answer>早上七点开门。" in shown.text
        closed = await c.post(
            f"/console/cases/{second.id}/close", data={"reason": "不属于团组织的事", "csrf": token}
        )
        assert closed.status_code == 303
        again = await c.post(
            f"/console/cases/{second.id}/close", data={"reason": "再关", "csrf": token}
        )
        assert again.status_code == 409 and "已关闭" in again.text
    async with console.db.session() as session:
        case = await session.get(Case, first.id)
        question = await session.get(Question, first.question_id)
        events = (
            await session.scalars(
                select(
                    CaseEvent.kind,
                ).where(CaseEvent.case_id == first.id, CaseEvent.actor == "street-a")
            )
        ).all()
        deliveries = (
            await session.scalars(select(Delivery).where(Delivery.case_id == first.id))
        ).all()
        closed_case = await session.get(Case, second.id)
        audit = (
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.username == "jia")
                .order_by(AuditEntry.id)
            )
        ).all()
    assert (case.status, case.answer, case.answered_by) == (
        "answered",
        "早上七点开门。",
        "street-a",
    )
    assert question.outcome == Outcome.HUMAN.value
    assert events == ["answered"], "the same ledger as /答, by the grid person"
    assert [d.text for d in deliveries] == [
        "关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"
    ]
    assert (closed_case.status, closed_case.close_reason) == ("closed", "不属于团组织的事")
    assert audit == ["login", "case_answered", "case_closed"]


async def test_a_case_is_handed_to_another_cadre(client: Client, console: Runtime) -> None:
    await ask(console, "食堂几点开门", user="3")
    async with console.db.session() as session:
        case = (await session.scalars(select(Case))).one()
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with signed_in(client, "jia", "a cadre password") as c:
        token = csrf_of((await c.get(f"/console/cases/{case.id}")).text)
        unknown = await c.post(
            f"/console/cases/{case.id}/reassign", data={"person": "nobody", "csrf": token}
        )
        assert unknown.status_code == 400
        res = await c.post(
            f"/console/cases/{case.id}/reassign", data={"person": "street-b", "csrf": token}
        )
        assert res.status_code == 303
        shown = (await c.get(res.headers["location"])).text
        assert f"已把 #{case.id} 转给 街道乙" in shown
    async with console.db.session() as session:
        after = await session.get(Case, case.id)
        event = await session.scalar(
            select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reassigned")
        )
    assert after.assignee_id == "street-b"
    assert (event.actor, event.detail["to"]) == ("street-a", "street-b")


async def test_the_hit_test_shows_the_band_chat_would_choose(
    client: Client, console: Runtime
) -> None:
    async with signed_in(client) as c:
        page = (await c.get("/console/faq/test", params={"q": "几岁可以入团"})).text
        assert 'data-entry="join-age"' in page
        matches = console.faq.search("几岁可以入团", k=5)
        band = decision_from(console.qa.settings).classify(matches)
        assert f'data-band="{band.value}"' in page
        assert f"{matches[0].score:.3f}" in page
        await ask(console, "几岁可以入团", user="9")
        async with console.db.session() as session:
            asked = await session.scalar(select(Question.band).order_by(Question.id.desc()))
        assert asked == band.value
        nothing = (await c.get("/console/faq/test", params={"q": "火星上有团支部吗"})).text
        assert 'data-band="escalate"' in nothing
        assert (
            await c.get("/console/faq/test", params={"q": "x", "org": "nowhere"})
        ).status_code == 403


async def test_every_page_renders_for_an_admin(client: Client, console: Runtime) -> None:
    await _seed(console)
    async with signed_in(client) as c:
        paths = [
            "/console",
            "/console?org=street&from=2026-10-01&to=2026-11-30",
            *(
                f"/console/questions?kind={k}"
                for k in ("all", "faq", "people", "liked", "not_helpful")
            ),
            *(
                f"/console/cases?state={s}"
                for s in ("active", "overdue", "answered", "closed", "all")
            ),
            "/console/cases/1",
            "/console/faq/test",
            "/console/faq/test?q=怎么交团费&org=street",
            "/console/activities",
            "/console/report",
            "/console/report?org=street&month=2026-10",
            "/console/faq",
            "/console/faq?file=nowhere.yaml&tag=none&q=%3Cb%3E",
            "/console/accounts",
            "/console/audit",
            "/console/password",
            "/console/static/console.css",
        ]
        for path in paths:
            res = await c.get(path)
            assert res.status_code == 200, (path, res.text[:500])
        assert (await c.get("/console/questions?kind=nope")).status_code == 400
        assert (await c.get("/console/cases?state=nope")).status_code == 400
        assert (await c.get("/console/cases/999")).status_code == 404
        audit = (await c.get("/console/audit")).text
        assert "新建账号" in audit and "登录" in audit


async def test_a_risk_case_warns_of_private_answers_and_shows_who_was_not_reached(
    client: Client, console: Runtime
) -> None:
    """No QQ account is connected, so nobody was notified: the list and the page say 未通知到
    (until a cadre takes it); a risk case's page says answers go privately, and an answer from
    the console is reported as such."""
    await ask(console, "我不想活了", user="3")
    await ask(console, "食堂几点开门", user="4")
    async with console.db.session() as session:
        risk, ordinary = (await session.scalars(select(Case).order_by(Case.id))).all()
    assert risk.risky and not ordinary.risky
    async with signed_in(client) as c:
        listed = (await c.get("/console/cases")).text
        assert listed.count("data-unnotified>未通知到") == 2
        page = (await c.get(f"/console/cases/{risk.id}")).text
        assert "未通知到" in page and "data-risk-note" in page and "私下送达" in page
        plain = (await c.get(f"/console/cases/{ordinary.id}")).text
        assert "data-risk-note" not in plain
        await console.cases.claim(ordinary.id, street_a(console))
        listed = (await c.get("/console/cases")).text
        assert listed.count("data-unnotified>未通知到") == 1, "a cadre who took it knows of it"
        res = await c.post(
            f"/console/cases/{risk.id}/answer",
            data={"answer": "王老师在，马上联系你。", "csrf": csrf_of(page)},
        )
        assert res.status_code == 303
        shown = (await c.get(res.headers["location"])).text
        assert "私下送达" in shown and "没有发在群里" in shown
    async with console.db.session() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.case_id == risk.id))
    assert delivery is not None and delivery.group_id is None and "我不想活了" in delivery.text


def street_a(runtime: Runtime) -> Speaker:
    """街道甲 as in chat."""
    return Speaker("qq", "10001", runtime.grid.grid.people["street-a"])

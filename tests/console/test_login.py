"""Login at /console: the first admin from settings, hashed passwords, signed sessions, CSRF
on every form, limits on failed logins, the audit log."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import select

from bot.console.models import AuditEntry, ConsoleAccount
from bot.runtime import Runtime
from tests.console.conftest import ADMIN, PASSWORD, csrf_of, log_in, make_cadre, signed_in
from tests.web.conftest import Client


async def test_pages_need_a_login(client: Client, console: Runtime) -> None:
    async with client() as c:
        first = await c.get("/console")
        cookie = first.headers["set-cookie"]
        for path in (
            "/console",
            "/console/cases",
            "/console/cases/1",
            "/console/faq/test",
            "/console/faq",
            "/console/activities",
            "/console/activities/1",
            "/console/report",
            "/console/report.xlsx",
            "/console/questions",
            "/console/accounts",
            "/console/audit",
        ):
            res = await c.get(path)
            assert res.status_code == 303 and res.headers["location"] == "/console/login", path
        page = await c.get("/console/login")
    assert page.status_code == 200 and "登录" in page.text
    assert "qs_console=" in cookie and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower() and "Path=/console" in cookie
    assert "default-src 'none'" in page.headers["content-security-policy"]


async def test_the_first_admin_logs_in_with_a_hashed_password(
    client: Client, console: Runtime
) -> None:
    async with client() as c:
        wrong = await log_in(c, ADMIN, "not the password")
        assert wrong.status_code == 401 and "用户名或密码不对" in wrong.text
        assert (await c.get("/console")).status_code == 303
        res = await log_in(c)
        assert res.status_code == 303
        dashboard = await c.get("/console")
        assert dashboard.status_code == 200 and "概览" in dashboard.text
    async with console.db.session() as session:
        account = (await session.scalars(select(ConsoleAccount))).one()
        actions = (await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all()
    assert account.username == ADMIN and account.role == "admin"
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    assert actions == ["account_created", "login_failed", "login"]


async def test_a_login_replaces_the_session_and_logout_ends_it(
    client: Client, console: Runtime
) -> None:
    async with client() as c:
        before = (await c.get("/console/login")).text
        await log_in(c)
        page = (await c.get("/console")).text
        assert csrf_of(page) != csrf_of(before), "a login issues a new nonce"
        out = await c.post("/console/logout", data={"csrf": csrf_of(page)})
        assert out.status_code == 303 and out.headers["location"] == "/console/login"
        assert (await c.get("/console")).status_code == 303


async def test_a_forged_or_expired_cookie_is_nobody(client: Client, console: Runtime) -> None:
    async with signed_in(client) as c:
        good = c.cookies["qs_console"]
        c.cookies.set("qs_console", good[:-2] + ("AA" if not good.endswith("AA") else "BB"))
        assert (await c.get("/console")).status_code == 303, "an altered cookie is refused"
        c.cookies.set("qs_console", good)
        assert (await c.get("/console")).status_code == 200
    hours = console.settings.console_session_hours
    console.settings = console.settings.model_copy(update={"console_session_hours": 1 / 3600})
    async with signed_in(client) as c:
        cookie = c.cookies["qs_console"]
    await asyncio.sleep(2.1)  # itsdangerous reads the real clock
    async with client() as c:
        c.cookies.set("qs_console", cookie)
        assert (await c.get("/console")).status_code == 303, "an old cookie is refused"
    console.settings = console.settings.model_copy(update={"console_session_hours": hours})


async def test_every_post_needs_the_csrf_token(client: Client, console: Runtime) -> None:
    async with client() as c:
        await c.get("/console/login")
        res = await c.post("/console/login", data={"username": ADMIN, "password": PASSWORD})
        assert res.status_code == 403
        assert (await c.get("/console")).status_code == 303, "no login without the token"
    async with signed_in(client) as c:
        page = (await c.get("/console/accounts")).text
        token = csrf_of(page)
        form = {"username": "li", "password": "a long password", "role": "admin"}
        assert (await c.post("/console/accounts", data=form)).status_code == 403
        bad = await c.post("/console/accounts", data={**form, "csrf": token[::-1]})
        assert bad.status_code == 403
        assert (await c.post("/console/logout", data={})).status_code == 403
        assert (await c.get("/console")).status_code == 200, "still signed in"
        ok = await c.post("/console/accounts", data={**form, "csrf": token})
        assert ok.status_code == 200 and "已新建账号 li" in ok.text
    async with console.db.session() as session:
        names = (await session.scalars(select(ConsoleAccount.username))).all()
    assert sorted(names) == sorted([ADMIN, "li"])


async def test_failed_logins_are_limited_per_user_and_per_address(
    client: Client, console: Runtime
) -> None:
    console.settings = console.settings.model_copy(
        update={"console_login_failures_per_user": 3, "console_login_failures_per_address": 5}
    )
    async with client(peer="10.0.0.1") as c:
        for _ in range(3):
            assert (await log_in(c, ADMIN, "guess")).status_code == 401
        refused = await log_in(c)
        assert refused.status_code == 429 and "次数太多" in refused.text, "even the right password"
    async with client(peer="10.0.0.2") as c:
        assert (await log_in(c)).status_code == 429, "per user: from another address too"
        for name in ("a", "b", "c", "d", "e"):
            assert (await log_in(c, name, "guess")).status_code == 401
    async with client(peer="10.0.0.2") as c:
        # The address has failed 5 times: it may not try another name either.
        assert (await log_in(c, "f", "guess")).status_code == 429
    # The window passes: the admin gets in again.
    console.cases.clock.advance(minutes=console.settings.console_login_window_minutes + 1)
    async with client(peer="10.0.0.3") as c:
        assert (await log_in(c)).status_code == 303
    async with console.db.session() as session:
        refusals = (
            await session.scalars(
                select(AuditEntry.address).where(AuditEntry.action == "login_refused")
            )
        ).all()
    assert refusals == ["10.0.0.1", "10.0.0.2", "10.0.0.2"]


async def test_a_disabled_account_loses_its_session(client: Client, console: Runtime) -> None:
    async with signed_in(client) as admin:
        token = csrf_of((await admin.get("/console/accounts")).text)
        await admin.post(
            "/console/accounts",
            data={
                "username": "street",
                "password": "street password",
                "role": "cadre",
                "person": "street-a",
                "csrf": token,
            },
        )
        async with signed_in(client, "street", "street password", peer="10.0.0.9") as cadre:
            assert (await cadre.get("/console")).status_code == 200
            async with console.db.session() as session:
                account_id = await session.scalar(
                    select(ConsoleAccount.id).where(ConsoleAccount.username == "street")
                )
            res = await admin.post(f"/console/accounts/{account_id}/disable", data={"csrf": token})
            assert res.status_code == 200 and "已停用" in res.text
            assert (await cadre.get("/console")).status_code == 303
        async with client(peer="10.0.0.9") as again:
            assert (await log_in(again, "street", "street password")).status_code == 401


async def test_a_password_change_ends_other_sessions(client: Client, console: Runtime) -> None:
    async with signed_in(client) as one, signed_in(client, peer="10.0.0.5") as other:
        token = csrf_of((await one.get("/console/password")).text)
        short = await one.post(
            "/console/password", data={"old": PASSWORD, "new": "short", "csrf": token}
        )
        assert short.status_code == 400 and "至少 10" in short.text
        res = await one.post(
            "/console/password",
            data={"old": PASSWORD, "new": "another long one", "csrf": token},
        )
        assert res.status_code == 200 and "密码已修改" in res.text
        assert (await one.get("/console")).status_code == 200, "this session goes on"
        assert (await other.get("/console")).status_code == 303, "the other one ends"
    async with client() as c:
        assert (await log_in(c, ADMIN, "another long one")).status_code == 303


def test_settings_refuse_a_half_or_weak_first_admin() -> None:
    from bot.settings import Settings

    with pytest.raises(ValueError, match="go together"):
        Settings(console_admin_user="x")
    with pytest.raises(ValueError, match="10 characters"):
        Settings(console_admin_user="x", console_admin_password="short")
    assert Settings(console_admin_user="x", console_admin_password="long enough!").console


async def test_a_cadre_gets_a_link_code_for_the_official_bot(
    client: Client, console: Runtime
) -> None:
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
        page = (await admin.get("/console/password")).text
        assert "获取绑定码" not in page, "the first admin is no person of the grid"
        refused = await admin.post("/console/link-code", data={"csrf": csrf_of(page)})
        assert refused.status_code == 403
    async with signed_in(client, "jia", "a cadre password") as cadre:
        page = (await cadre.get("/console/password")).text
        assert "还没有绑定" in page
        assert (await cadre.post("/console/link-code", data={})).status_code == 403, "CSRF"
        res = await cadre.post("/console/link-code", data={"csrf": csrf_of(page)})
        assert res.status_code == 200
        code = re.search(r"绑定码：<strong>(\d{6})</strong>", res.text)
        assert code, res.text
        person = await console.links.redeem("qqbot", "OPENID-JIA", code.group(1))
        assert person.id == "street-a"
        assert "已绑定（OPENID…）" in (await cadre.get("/console/password")).text
    async with signed_in(client) as admin:
        assert "获取绑定码" in (await admin.get("/console/audit")).text

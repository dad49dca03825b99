"""Console fixtures: a runtime with the first admin configured, a second street in the grid,
questions asked through the real Q&A service, and clients that log in through the form."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from bot.qa.model import Incoming, Reply
from bot.runtime import Runtime
from tests.web.conftest import Client, client  # noqa: F401 - the shared fixture

ADMIN = "admin-zhang"
PASSWORD = "correct horse battery"
EXTRA_GRID = """\
# A second street beside the fixture's one, with a cadre of its own and a youth group.
orgs:
  - id: street2
    name: 测试第二街道团工委
    level: 街道团工委
    parent: district
    groups: ["qq:40003"]
people:
  - id: street2-a
    name: 二街道甲
    role: 团干部
    orgs: [street2]
    qq: "10011"
"""
_ids = itertools.count(1)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def console(runtime: Runtime) -> Runtime:
    """The runtime with CONSOLE_ADMIN_USER set, nothing matched by the FAQ as a menu (so an
    unknown question opens a case), and the street2 branch in the grid."""
    runtime.settings = runtime.settings.model_copy(
        update={"console_admin_user": ADMIN, "console_admin_password": PASSWORD}
    )
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    (runtime.settings.faq_dir / "grid" / "street2.yaml").write_text(EXTRA_GRID, encoding="utf-8")
    report = await runtime.grid.reload(reason="test")
    assert report.ok and "street2" in runtime.grid.grid.orgs, report
    return runtime


async def ask(
    runtime: Runtime, text: str, *, group: str | None = "40001", user: str = "30001"
) -> Reply:
    """A youth's question through the Q&A service, as a chat surface hands it over (the
    reply's follow-up, e.g. routing a new case, runs as after sending)."""
    number = next(_ids)
    reply = await runtime.qa.handle(
        Incoming(
            platform="qq",
            message_id=f"m{number}",
            user_id=user,
            text=text,
            group_id=group,
            nickname="小明",
        )
    )
    assert reply is not None
    await runtime.qa.sent("qq", f"r{number}", reply)
    return reply


def csrf_of(page: str) -> str:
    """The CSRF token in a page's forms."""
    match = _CSRF.search(page)
    assert match, "the page has a form with a CSRF token"
    return match.group(1)


async def log_in(
    c: httpx.AsyncClient, username: str = ADMIN, password: str = PASSWORD
) -> httpx.Response:
    """Open the login page and submit it, as a browser does."""
    page = await c.get("/console/login")
    assert page.status_code == 200
    return await c.post(
        "/console/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
    )


@asynccontextmanager
async def signed_in(
    make: Client, username: str = ADMIN, password: str = PASSWORD, peer: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """A client (of the `client` fixture `make`) logged in as `username`."""
    async with make(peer=peer) as c:
        res = await log_in(c, username, password)
        assert res.status_code == 303 and res.headers["location"] == "/console", res.text
        yield c


async def make_cadre(admin: httpx.AsyncClient, username: str, person: str) -> None:
    """Create a cadre account for grid person `person` through the accounts page, as an admin."""
    token = csrf_of((await admin.get("/console/accounts")).text)
    res = await admin.post(
        "/console/accounts",
        data={
            "username": username,
            "password": "a cadre password",
            "role": "cadre",
            "person": person,
            "csrf": token,
        },
    )
    assert res.status_code == 200 and f"已新建账号 {username}" in res.text, res.text

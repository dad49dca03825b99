"""Addresses the console does not have — a number that is no number, one too big for the
database, a page that does not exist — get the console's own 404 page, never raw JSON; so do
the web page's."""

from __future__ import annotations

import pytest

from bot.console.web import NO_PAGE
from bot.runtime import Runtime
from tests.console.conftest import csrf_of, signed_in
from tests.web.conftest import Client

GETS = [
    "/console/cases/abc",
    "/console/cases/1.5",
    "/console/cases/-1",
    "/console/cases/99999999999999999999999",
    "/console/activities/abc",
    "/console/activities/abc/signups.xlsx",
    "/console/wishes/campaigns/abc",
    "/console/nope",
]
POSTS = [
    "/console/cases/abc/answer",
    "/console/cases/abc/reassign",
    "/console/cases/abc/close",
    "/console/cases/abc/learn",
    "/console/wishes/abc/claim",
    "/console/accounts/abc/disable",
    "/console/wishes/campaigns/abc/import",
]


def is_console_404(res) -> bool:  # type: ignore[no-untyped-def]
    return (
        res.status_code == 404
        and res.headers["content-type"].startswith("text/html")
        and NO_PAGE in res.text
        and "/console" in res.text
    )


@pytest.mark.parametrize("path", GETS)
async def test_a_wrong_address_is_the_console_s_404_page(
    client: Client, console: Runtime, path: str
) -> None:
    async with signed_in(client) as c:
        res = await c.get(path)
    assert is_console_404(res), (path, res.status_code, res.text[:300])


async def test_a_wrong_address_posted_to_is_the_console_s_404_page(
    client: Client, console: Runtime
) -> None:
    async with signed_in(client) as c:
        token = csrf_of((await c.get("/console/cases")).text)
        for path in POSTS:
            res = await c.post(path, data={"csrf": token, "answer": "x", "to": "street-a"})
            assert is_console_404(res), (path, res.status_code, res.text[:300])


async def test_signed_out_a_wrong_address_is_the_404_page_too(
    client: Client, console: Runtime
) -> None:
    async with client() as c:
        res = await c.get("/console/cases/abc")
    assert is_console_404(res), res.text[:300]


async def test_numbers_still_reach_their_pages(client: Client, console: Runtime) -> None:
    async with signed_in(client) as c:
        res = await c.get("/console/cases/999")
    assert res.status_code == 404 and NO_PAGE not in res.text, "the case page's own 404"
    assert "没有这个工单" in res.text

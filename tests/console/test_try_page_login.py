"""The try page's cadre mode on the console login: a signed-in cadre acts as their own grid
person on the page from any computer (no trial link), and as nobody else; logging out ends it."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.console.conftest import csrf_of, make_cadre, signed_in
from tests.web.conftest import Client

REMOTE = "203.0.113.7"  # not this machine: the local trial does not apply


async def test_a_signed_in_cadre_acts_as_themselves_on_the_try_page(
    client: Client, console: Runtime
) -> None:
    async with signed_in(client) as admin:
        await make_cadre(admin, "jia", "street-a")
    async with client(peer=REMOTE) as stranger:
        assert (await stranger.get("/api/chat/cadres")).status_code == 403
        refused = await stranger.post("/api/chat", json={"text": "/待办", "cadre": "street-a"})
        assert refused.status_code == 403
    async with signed_in(client, "jia", "a cadre password", peer=REMOTE) as c:
        listed = await c.get("/api/chat/cadres")
        assert listed.status_code == 200
        assert [p["id"] for p in listed.json()] == ["street-a"], "only their own person"
        todo = await c.post("/api/chat", json={"text": "/待办", "cadre": "street-a"})
        assert todo.status_code == 200
        assert "只有团干部" not in todo.json()["text"]
        youth = await c.post("/api/chat", json={"text": "/待办"})
        assert "只有团干部可以使用" in youth.json()["text"], "without `cadre` the page is a youth"
        other = await c.post("/api/chat", json={"text": "/待办", "cadre": "district-a"})
        assert other.status_code == 403, "nobody else"
        page = (await c.get("/console")).text
        out = await c.post("/console/logout", data={"csrf": csrf_of(page)})
        assert out.status_code == 303
        after = await c.post("/api/chat", json={"text": "/待办", "cadre": "street-a"})
        assert after.status_code == 403, "logging out of the console ends the page's cadre mode"

"""The try page as an attacker meets it: spoofed Host and proxy headers against cadre mode,
client-chosen ids and forged cookies against other youths' answers, rotating identities against
the rate limit. Over HTTP on the real ASGI app, from chosen TCP peers."""

from __future__ import annotations

import json

import nonebot
import pytest
from starlette.requests import Request

from bot.cases.commands import CaseCommands
from bot.chat.speaker import Speaker
from bot.runtime import Runtime
from bot.settings import Settings
from bot.web import chat
from bot.web.access import client_address
from bot.web.identity import COOKIE, WebIdentities, identities, load_secret
from tests.web.conftest import Client, cadre_key

PROXY_HEADERS = [
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Real-IP": "127.0.0.1"},
    {"Forwarded": "for=127.0.0.1"},
    {"X-Forwarded-Host": "127.0.0.1:8080"},
    {"Via": "1.1 frp"},
]


async def cadre_powers(c: object, headers: dict[str, str] | None = None) -> tuple[int, int]:
    """Status of listing the cadres and of running /待办 as one."""
    listed = await c.get("/api/chat/cadres", headers=headers)  # type: ignore[attr-defined]
    todo = await c.post(  # type: ignore[attr-defined]
        "/api/chat", json={"text": "/待办", "cadre": "city-a"}, headers=headers
    )
    return listed.status_code, todo.status_code


async def test_cadre_powers_only_on_loopback_with_a_loopback_host(
    client: Client, cadres_on: Runtime
) -> None:
    for base in ("http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"):
        async with client(base=base, cadre_link=True) as c:
            assert await cadre_powers(c) == (200, 200), base
    # DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its own name
    # (even with the trial key in its cookie).
    for host in ("evil.example:8080", "evil.example", "127.0.0.1:9999", "localhost.evil:8080"):
        async with client(cadre_link=True) as c:
            assert await cadre_powers(c, {"Host": host}) == (403, 403), host
    async with client(peer="203.0.113.7", cadre_link=True) as c:
        assert await cadre_powers(c) == (403, 403), "not from this machine"


async def test_a_bare_same_host_proxy_needs_the_trial_key(
    client: Client, cadres_on: Runtime
) -> None:
    """nginx's bare `proxy_pass http://127.0.0.1:8080` sends Host 127.0.0.1:8080 and no proxy
    header: only the key printed at start-up tells this machine's browser from the internet."""
    async with client() as internet:
        assert await cadre_powers(internet) == (403, 403)
        res = await internet.post("/api/chat", json={"text": "/待办", "cadre": "city-a"})
        assert res.json()["detail"] == chat.CADRES_NEED_LINK
        await internet.get("/chat?cadre=c-guessed")
        assert await cadre_powers(internet) == (403, 403), "a wrong key is no key"
    async with client(headers={"X-Real-IP": "203.0.113.8"}) as proxied:
        await proxied.get(f"/chat?cadre={cadre_key()}")
        assert chat.CADRE_COOKIE not in proxied.cookies, "never handed out through a proxy"
    async with client(cadre_link=True) as local:
        assert await cadre_powers(local) == (200, 200)
        assert "qs_cadre" in str(local.cookies.jar)


@pytest.mark.parametrize("header", PROXY_HEADERS, ids=lambda h: next(iter(h)))
async def test_cadre_powers_never_through_a_proxy(
    client: Client, cadres_on: Runtime, header: dict[str, str]
) -> None:
    """A same-host nginx or frp connects from 127.0.0.1 for every internet client."""
    async with client(cadre_link=True) as c:
        assert await cadre_powers(c, header) == (403, 403)


async def test_cadre_powers_need_a_server_on_loopback_only(
    client: Client, cadres_on: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with client(cadre_link=True) as c:
        monkeypatch.setattr(nonebot.get_driver().config, "host", "0.0.0.0")
        assert await cadre_powers(c) == (403, 403)


async def test_the_cadre_list_names_no_qq_numbers(client: Client, cadres_on: Runtime) -> None:
    async with client(cadre_link=True) as c:
        people = (await c.get("/api/chat/cadres")).json()
    assert people and all(set(p) == {"id", "name", "role"} for p in people)
    numbers = {p.qq for p in cadres_on.grid.grid.people.values() if p.qq}
    assert numbers and not any(n in json.dumps(people) for n in numbers)


async def test_client_chosen_ids_and_forged_cookies_reach_nobody_else(
    client: Client, runtime: Runtime
) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    victim_id = "web-victim"  # what the page used to send as `user`
    city = runtime.grid.grid.people["city-a"]
    async with client() as victim:
        asked = await victim.post("/api/chat", json={"user": victim_id, "text": "食堂几点开门"})
        assert "#1" in asked.json()["text"]
        await CaseCommands(runtime.cases).run(
            Speaker("qq", city.qq, city), "答", "1 早上七点开门。"
        )
        async with client(peer="198.51.100.9") as attacker:  # names the victim's id
            poll = await attacker.post("/api/chat/poll", json={"user": victim_id})
        assert poll.json() == [], "held answers go to the cookie's identity only"
        stolen = victim.cookies[COOKIE]
        user = stolen.rpartition(".")[0]
        forgeries = (None, f"{user}.forged", f"{user}x.{stolen.rpartition('.')[2]}", "garbage")
        for cookie in forgeries:
            headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
            for path, body in (("/api/chat/poll", {}), ("/api/chat", {"text": "我的问题"})):
                async with client(peer="198.51.100.9", headers=headers) as attacker:
                    res = await attacker.post(path, json={"user": victim_id, **body})
                assert res.status_code == 200, (cookie, path)
                assert "食堂" not in json.dumps(res.json(), ensure_ascii=False), (cookie, path)
                fresh = res.cookies.get(COOKIE)
                assert fresh and fresh.rpartition(".")[0] != user, "a fresh identity instead"
        later = (await victim.post("/api/chat/poll", json={})).json()
        assert later == ["关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"]
        mine = (await victim.post("/api/chat", json={"text": "我的问题"})).json()
        assert "食堂几点开门" in mine["text"]


async def test_rotating_identities_do_not_escape_the_address_limit(
    client: Client, runtime: Runtime
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"web_rate_address_per_minute": 3})
    statuses = []
    for i in range(5):
        async with client(peer="192.0.2.10") as c:  # a new client: no cookie, a new identity
            res = await c.post("/api/chat", json={"user": f"web-{i}", "text": "几岁可以入团"})
            statuses.append(res.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert res.json()["text"] == chat.TOO_FAST
    async with client(peer="192.0.2.11") as other:
        assert (await other.post("/api/chat", json={"text": "几岁可以入团"})).status_code == 200
    # IPv6: one subscriber's /64 is one address for the limit.
    v6 = [f"2001:db8:1:2::{i:x}" for i in range(4)] + ["2001:db8:1:3::1"]
    statuses = []
    for peer in v6:
        async with client(peer=peer) as c:
            statuses.append((await c.post("/api/chat", json={"text": "你好"})).status_code)
    assert statuses == [200, 200, 200, 429, 200]


async def test_proxy_headers_do_not_change_the_rate_limited_address(
    client: Client, runtime: Runtime
) -> None:
    """Through a same-host proxy that passes the client's own headers on (frp does)."""
    runtime.settings = runtime.settings.model_copy(update={"web_rate_address_per_minute": 2})
    statuses = []
    for i in range(4):
        spoof = {"X-Forwarded-For": f"10.0.0.{i}", "X-Real-IP": f"10.0.1.{i}"}
        async with client(peer="127.0.0.1", headers=spoof) as c:
            res = await c.post("/api/chat", json={"user": f"web-{i}", "text": "几岁可以入团"})
            statuses.append(res.status_code)
    assert statuses == [200, 200, 429, 429]


def request_from(peer: str, headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "client": (peer, 1), "headers": raw, "scheme": "http"})


def test_client_address_believes_only_trusted_proxies() -> None:
    trusted = Settings(trusted_proxies="127.0.0.1, 10.1.0.0/16").trusted_proxy_networks
    xff = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5"}
    assert client_address(request_from("198.51.100.1", xff), trusted) == "198.51.100.1"
    assert client_address(request_from("127.0.0.1", xff), ()) == "127.0.0.1"
    # nginx appends the peer it saw: the client can only forge what stands left of it.
    assert client_address(request_from("127.0.0.1", xff), trusted) == "203.0.113.5"
    two_hops = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5, 10.1.2.3"}
    assert client_address(request_from("127.0.0.1", two_hops), trusted) == "203.0.113.5"
    real = {"X-Real-IP": "203.0.113.9"}
    assert client_address(request_from("127.0.0.1", real), trusted) == "203.0.113.9"
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        Settings(trusted_proxies="nginx")


async def test_identity_cookie_is_signed_httponly_and_survives_a_restart(
    client: Client, runtime: Runtime
) -> None:
    async with client() as c:
        res = await c.get("/chat")
        cookie = res.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Path=/" in cookie
        value = c.cookies[COOKIE]
        again = await c.post("/api/chat/poll", json={})
        assert "set-cookie" not in again.headers, "a valid cookie is kept"
    secret_file = runtime.settings.data_dir / "web_secret"
    assert secret_file.stat().st_mode & 0o077 == 0, "only the bot's user can read the key"
    identities.cache_clear()  # as after a restart: the key is read again from DATA_DIR
    ids = identities(runtime.settings.web_secret, runtime.settings.data_dir)
    assert ids.user(value) == value.rpartition(".")[0]
    assert WebIdentities(b"another-secret-of-16").user(value) is None
    assert load_secret(runtime.settings.data_dir) == secret_file.read_text().strip().encode()
    with pytest.raises(ValueError, match="WEB_SECRET"):
        Settings(web_secret="short")

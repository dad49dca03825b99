"""The try-it chat page goes through the same Q&A service as QQ."""

from __future__ import annotations

from sqlalchemy import select

from bot.qa import texts
from bot.qa.models import Feedback, Question
from bot.runtime import Runtime
from bot.safety.ratelimit import RateLimiter
from bot.web import chat
from tests.web.conftest import Client


async def test_page_is_served(client: Client, runtime: Runtime) -> None:
    async with client() as c:
        res = await c.get("/chat")
    assert res.status_code == 200
    assert "青声" in res.text
    assert "textContent" in res.text, "replies are inserted as text, never as HTML"
    assert "qs_web=" in res.headers["set-cookie"], "the page comes with its identity"


async def test_ask_then_like(client: Client, runtime: Runtime) -> None:
    entry = runtime.faq.get("join-age")
    assert entry is not None
    async with client() as c:
        res = await c.post("/api/chat", json={"text": "几岁可以入团"})
        assert res.status_code == 200
        body = res.json()
        assert body["kind"] == "answer"
        assert body["text"] == texts.answer(entry)
        like = await c.post("/api/chat", json={"text": "赞", "reply_to": body["message_id"]})
        assert like.json()["text"] == texts.THANKS
        bad = await c.post("/api/chat", json={"text": "x" * 2001})
        assert bad.status_code == 200, "a Chinese message, not a raw 422"
        assert bad.json()["text"] == texts.TOO_LONG.format(limit=300)
    async with runtime.db.session() as session:
        question = (await session.scalars(select(Question))).one()
        feedback = (await session.scalars(select(Feedback))).one()
    assert (question.platform, question.group_id, question.entry_id) == ("web", None, "join-age")
    assert question.user_id.startswith("w-")
    assert (feedback.question_id, feedback.helpful) == (question.id, True)


async def test_whole_case_loop_from_the_page(
    client: Client, runtime: Runtime, cadres_on: Runtime
) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    async with client() as youth, client(cadre_link=True) as cadre:
        people = (await cadre.get("/api/chat/cadres")).json()
        assert {"id": "city-a", "name": "市里甲", "role": "cadre"} in people
        asked = await youth.post("/api/chat", json={"text": "食堂几点开门"})
        assert "问题编号 #1" in asked.json()["text"]
        todo = await cadre.post("/api/chat", json={"text": "/待办", "cadre": "city-a"})
        assert "#1 食堂几点开门" in todo.json()["text"]
        mine = await youth.post("/api/chat", json={"text": "/待办"})
        assert "#1" not in (mine.json()["text"] or ""), "a youth on the page is not a cadre"
        answered = await cadre.post(
            "/api/chat", json={"text": "/答 1 早上七点开门。", "cadre": "city-a"}
        )
        assert (
            answered.json()["text"]
            == "已回复 #1，答案已送达 0 人，1 人在网页上，开着页面几秒内就会收到。"
        )
        later = (await youth.post("/api/chat/poll", json={})).json()
        assert later == ["关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"]
        assert (await youth.post("/api/chat/poll", json={})).json() == []
        status = (await youth.post("/api/chat", json={"text": "我的问题"})).json()
        assert "食堂几点开门" in status["text"] and status["kind"] == "my_questions"


async def test_cadre_mode_is_off_by_default(client: Client, runtime: Runtime) -> None:
    assert runtime.settings.web_chat_cadres is False
    async with client() as c:
        assert (await c.get("/api/chat/cadres")).status_code == 403
        res = await c.post("/api/chat", json={"text": "/待办", "cadre": "city-a"})
        assert res.status_code == 403
        assert "WEB_CHAT_CADRES" in res.json()["detail"]


async def test_the_servers_address_leads_to_the_try_page(client: Client, runtime: Runtime) -> None:
    async with client() as c:
        res = await c.get("/")
    assert res.status_code == 307
    assert res.headers["location"] == "/chat"


def test_the_try_page_link_is_one_a_person_can_open() -> None:
    from bot.web.chat import try_page_link

    assert try_page_link("0.0.0.0", 8080) == "http://127.0.0.1:8080/chat"
    assert try_page_link("::1", 8686) == "http://[::1]:8686/chat"


async def test_the_page_and_the_server_have_one_length_limit(
    client: Client, runtime: Runtime
) -> None:
    """The page stops a question at the server's limit (MAX_QUESTION_CHARS) and says so; a
    longer one sent anyway gets the same Chinese message."""
    runtime.qa.settings = runtime.qa.settings.model_copy(update={"max_question_chars": 120})
    async with client() as c:
        page = (await c.get("/chat")).text
        assert 'maxlength="2000"' not in page
        assert 'data-max-chars="120"' in page
        assert f'data-too-long="{texts.TOO_LONG.format(limit=120)}"' in page
        res = await c.post("/api/chat", json={"text": "团费" * 61})
        assert res.status_code == 200
        assert res.json()["text"] == texts.TOO_LONG.format(limit=120)


async def test_a_message_over_the_rate_limit_is_told_so_every_time(
    client: Client, runtime: Runtime
) -> None:
    """A chat app is told once, then the bot stays silent; the page always says why."""
    runtime.qa.user_limit = RateLimiter(2, 60.0)
    async with client() as c:
        said = []
        for _ in range(5):
            res = await c.post("/api/chat", json={"text": "几岁可以入团"})
            said.append((res.status_code, res.json()["kind"], res.json()["text"]))
    assert [kind for _, kind, _ in said[:2]] == ["answer", "answer"]
    assert said[2] == (200, "rate_limited", texts.RATE_LIMITED)
    assert said[3:] == [(429, "rate_limited", chat.TOO_FAST)] * 2

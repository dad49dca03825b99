"""The try-it chat page goes through the same Q&A service as QQ."""

from __future__ import annotations

from nonebug import App
from sqlalchemy import select

from bot.qa import texts
from bot.runtime import Runtime
from bot.storage.models import Feedback, Question


async def test_page_is_served(app: App, runtime: Runtime) -> None:
    async with app.test_server() as ctx:
        client = ctx.get_client()
        res = await client.get("/chat")
        assert res.status_code == 200
        assert "青声" in res.text
        assert "textContent" in res.text, "replies are inserted as text, never as HTML"


async def test_ask_then_like(app: App, runtime: Runtime) -> None:
    entry = runtime.faq.get("join-age")
    assert entry is not None
    async with app.test_server() as ctx:
        client = ctx.get_client()
        res = await client.post("/api/chat", json={"user": "web-1", "text": "几岁可以入团"})
        assert res.status_code == 200
        body = res.json()
        assert body["kind"] == "answer"
        assert body["text"] == texts.answer(entry)
        like = await client.post(
            "/api/chat", json={"user": "web-1", "text": "赞", "reply_to": body["message_id"]}
        )
        assert like.json()["text"] == texts.THANKS
        bad = await client.post("/api/chat", json={"user": "", "text": "x"})
        assert bad.status_code == 422
    async with runtime.db.session() as session:
        question = (await session.scalars(select(Question))).one()
        feedback = (await session.scalars(select(Feedback))).one()
    assert (question.platform, question.group_id, question.entry_id) == ("web", None, "join-age")
    assert (feedback.question_id, feedback.helpful) == (question.id, True)


async def test_whole_case_loop_from_the_page(app: App, runtime: Runtime) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    async with app.test_server() as ctx:
        client = ctx.get_client()
        people = (await client.get("/api/chat/cadres")).json()
        assert {"qq": "10006", "name": "市里甲", "role": "cadre"} in people
        asked = await client.post("/api/chat", json={"user": "web-2", "text": "食堂几点开门"})
        assert "问题编号 #1" in asked.json()["text"]
        todo = await client.post("/api/chat", json={"user": "x", "text": "/待办", "cadre": "10006"})
        assert "#1 食堂几点开门" in todo.json()["text"]
        youth = await client.post("/api/chat", json={"user": "web-2", "text": "/待办"})
        assert "#1" not in (youth.json()["text"] or ""), "a youth on the page is not a cadre"
        answered = await client.post(
            "/api/chat", json={"user": "x", "text": "/答 1 早上七点开门。", "cadre": "10006"}
        )
        assert (
            answered.json()["text"]
            == "已回复 #1，答案已送达 0 人，1 人待送达（对方下次发消息时送达）。"
        )
        later = (await client.post("/api/chat/poll", json={"user": "web-2"})).json()
        assert later == ["关于你问的“食堂几点开门”，团干部回复：\n早上七点开门。"]
        assert (await client.post("/api/chat/poll", json={"user": "web-2"})).json() == []


async def test_cadre_mode_can_be_turned_off(app: App, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"web_chat_cadres": False})
    async with app.test_server() as ctx:
        client = ctx.get_client()
        assert (await client.get("/api/chat/cadres")).status_code == 403
        res = await client.post("/api/chat", json={"user": "x", "text": "/待办", "cadre": "10006"})
        assert res.status_code == 403

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

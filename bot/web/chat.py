"""The try-it chat page: ask 青声 from a browser, no QQ account needed.

It talks to the same Q&A service as QQ (platform "web"), so answers, choices, likes and the
record of questions behave exactly as in a private chat.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot.qa.model import Incoming
from bot.runtime import get_runtime

PLATFORM = "web"
router = APIRouter()
_PAGE = Path(__file__).with_name("chat.html")


class ChatRequest(BaseModel):
    """One message typed on the page."""

    user: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=2000)
    reply_to: str | None = Field(default=None, max_length=64)


class ChatResponse(BaseModel):
    """The bot's reply; `message_id` can be quoted back as `reply_to`."""

    text: str | None
    kind: str | None
    message_id: str | None
    later: list[str] = Field(default_factory=list)
    """Answers from people to earlier questions, delivered now."""


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> str:
    """The chat page."""
    return _PAGE.read_text(encoding="utf-8")


@router.post("/api/chat")
async def chat(request: ChatRequest) -> ChatResponse:
    """Handle one message as a private chat with the bot."""
    runtime = get_runtime()
    incoming = Incoming(
        platform=PLATFORM,
        message_id=uuid.uuid4().hex,
        user_id=request.user,
        text=request.text,
        reply_to=request.reply_to,
        nickname="网页用户",
    )
    reply = await runtime.qa.handle(incoming)
    # The page cannot be pushed to: answers from people wait for the youth's next message.
    held = await runtime.cases.release_held(PLATFORM, request.user, None)
    if reply is None:
        return ChatResponse(text=None, kind=None, message_id=None, later=held)
    message_id = uuid.uuid4().hex
    await runtime.qa.remember_sent(PLATFORM, message_id, reply)
    return ChatResponse(text=reply.text, kind=reply.kind.value, message_id=message_id, later=held)

"""The try-it chat page: ask 青声 from a browser, no QQ account needed.

It talks to the same Q&A service as QQ (platform "web"), so answers, choices, likes and the
record of questions behave exactly as in a private chat. From this machine only (loopback), the
page can also act as a cadre of the grid, so the whole case loop can be tried without QQ:
cadre commands (/待办, /答 …) run as that person.
"""

from __future__ import annotations

import ipaddress
import uuid
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot.cases.commands import CaseCommands
from bot.cases.service import Actor
from bot.privacy.commands import PrivacyCommands
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
    cadre: str | None = Field(default=None, max_length=32)
    """Act as the grid person with this QQ number (loopback only)."""


class ChatResponse(BaseModel):
    """The bot's reply; `message_id` can be quoted back as `reply_to`."""

    text: str | None
    kind: str | None
    message_id: str | None
    later: list[str] = Field(default_factory=list)
    """Answers from people to earlier questions, delivered now."""


class Cadre(BaseModel):
    """A person of the grid the page may act as."""

    qq: str
    name: str
    role: str


class PollRequest(BaseModel):
    """The page asking for answers that arrived since."""

    user: str = Field(min_length=1, max_length=64)


def _require_loopback(request: Request) -> None:
    """Acting as a cadre is for trials on this machine: refused when turned off or from elsewhere."""
    if not get_runtime().settings.web_chat_cadres:
        raise HTTPException(status_code=403, detail="团干部身份试用已关闭")
    if request.client is None:  # in-process ASGI calls carry no peer address
        return
    try:
        local = ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise HTTPException(status_code=403, detail="只能在本机试用团干部身份")


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> str:
    """The chat page."""
    return _PAGE.read_text(encoding="utf-8")


@router.get("/api/chat/cadres")
async def cadres(request: Request) -> list[Cadre]:
    """The grid people with a QQ number, for the page's identity picker (loopback only)."""
    _require_loopback(request)
    people = get_runtime().grid.grid.people.values()
    return [Cadre(qq=p.qq, name=p.name, role=p.role.value) for p in people if p.qq]


@router.post("/api/chat")
async def chat(body: ChatRequest, request: Request) -> ChatResponse:
    """Handle one message as a private chat with the bot (or a cadre command)."""
    runtime = get_runtime()
    if body.cadre:
        _require_loopback(request)
        person = runtime.grid.grid.person_by_account("qq", body.cadre)
        actor = Actor("qq", body.cadre, person)
        name, _, args = body.text.strip().lstrip("/").partition(" ")
        text = await CaseCommands(runtime.cases).run(actor, name, args)
        return ChatResponse(text=text, kind="command", message_id=None)
    if PrivacyCommands.wants(body.text):
        text = await PrivacyCommands(runtime.privacy).run(
            PLATFORM, body.user, body.text, in_group=False
        )
        return ChatResponse(text=text, kind="privacy", message_id=None)
    incoming = Incoming(
        platform=PLATFORM,
        message_id=uuid.uuid4().hex,
        user_id=body.user,
        text=body.text,
        reply_to=body.reply_to,
        nickname="网页用户",
    )
    reply = await runtime.qa.handle(incoming)
    # The page cannot be pushed to: answers from people wait for the youth's next message.
    held = await runtime.cases.release_held(PLATFORM, body.user, None)
    if reply is None:
        return ChatResponse(text=None, kind=None, message_id=None, later=held)
    message_id = uuid.uuid4().hex
    await runtime.qa.sent(PLATFORM, message_id, reply)
    return ChatResponse(text=reply.text, kind=reply.kind.value, message_id=message_id, later=held)


@router.post("/api/chat/poll")
async def poll(body: PollRequest) -> list[str]:
    """Answers from people that arrived for this page's youth since the last look."""
    return await get_runtime().cases.release_held(PLATFORM, body.user, None)

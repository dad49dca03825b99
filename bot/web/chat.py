"""The try-it chat page: ask 青声 from a browser, no QQ account needed.

A surface of the one conversation (bot.chat, platform "web"), like a private chat on QQ:
answers, choices (buttons here), likes, 我的问题, activities (活动, 报名 with its fields asked
right here, 我的报名, 取消报名, 签到) and the record of questions behave as on QQ. Who the youth is
comes from a signed cookie the server issues (bot.web.identity), never from the page; messages
are also limited per client address, so new cookies don't buy more. A cadre signed in to the
console (/console) in the same browser acts on the page as their own grid person, from any
computer. When WEB_CHAT_CADRES is on, a visitor on this very machine can also act as any person
of the grid (bot.web.access.cadre_refusal) and use every cadre and organiser command, so the
whole case loop can be tried without QQ.
"""

from __future__ import annotations

import base64
import hmac
import html
import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

import nonebot
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from bot.chat.conversation import Bubble, Image, Message, Quote
from bot.chat.features import conversation
from bot.chat.speaker import speaker_of
from bot.console.web import signed_in_viewer
from bot.grid.model import Person
from bot.qa import texts as qa_texts
from bot.runtime import Runtime, get_runtime
from bot.safety.ratelimit import RateLimiter
from bot.settings import Settings
from bot.web.access import cadre_refusal, client_address, is_https, peer_address, rate_key
from bot.web.identity import COOKIE, MAX_AGE_SECONDS, identities

PLATFORM = "web"
router = APIRouter()
log = logging.getLogger(__name__)
_PAGE = Path(__file__).with_name("chat.html")

CADRES_OFF = "团干部身份试用已关闭（WEB_CHAT_CADRES）"
CADRES_NEED_LINK = "请用青声启动时打印的“团干部试用链接”打开本页，再切换团干部身份"
CADRE_COOKIE = "qs_cadre"
CADRES_LOCAL_ONLY = "团干部身份只能在运行青声的这台电脑上、直接打开 http://127.0.0.1 试用"
UNKNOWN_PERSON = "没有这个人员，请刷新页面后重新选择身份"
TOO_FAST = "发送太频繁了，请稍后再试。"


MAX_CHARS = 2000
"""Longest message the page's API takes (a cadre's answer can be long); a youth's page stops
at MAX_QUESTION_CHARS, the limit of a question, before sending."""


class ChatRequest(BaseModel):
    """One message typed on the page (who sent it comes from the identity cookie)."""

    text: str
    reply_to: str | None = Field(default=None, max_length=64)
    cadre: str | None = Field(default=None, max_length=64)
    """Act as the grid person with this id (only where `cadre_refusal` allows it)."""


class WebLink(BaseModel):
    """Something tappable in a reply (a hotline as tel:)."""

    label: str
    url: str


class WebImage(BaseModel):
    """A picture in a reply (the /月报 summary), as a data: URL the page shows as an <img>."""

    url: str
    alt: str
    """What the picture says, as text."""


class ChatResponse(BaseModel):
    """The bot's reply; `message_id` can be quoted back as `reply_to`."""

    text: str | None
    kind: str | None
    message_id: str | None
    later: list[str] = Field(default_factory=list)
    """Answers from people to earlier questions, delivered now."""
    choices: list[str] = Field(default_factory=list)
    """The offered questions of a “您是不是想问” reply: send its number (1, 2…) to pick one."""
    links: list[WebLink] = Field(default_factory=list)
    images: list[WebImage] = Field(default_factory=list)
    """Shown above the text (a bubble with an image says its caption as text)."""


class Cadre(BaseModel):
    """A person of the grid the page may act as (no account numbers: the id picks them)."""

    id: str
    name: str
    role: str


def web_user(request: Request, response: Response) -> str:
    """The page's youth: the id in a valid identity cookie, else a fresh one (cookie set)."""
    settings = get_runtime().settings
    ids = identities(settings.web_secret, settings.data_dir)
    user = ids.user(request.cookies.get(COOKIE))
    if user is None:
        user = ids.new()
        response.set_cookie(
            COOKIE,
            ids.cookie(user),
            max_age=MAX_AGE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_https(request, settings.trusted_proxy_networks),
        )
    return user


_limits: tuple[Runtime, RateLimiter] | None = None


def _address_limiter(runtime: Runtime) -> RateLimiter:
    """One limiter per runtime (a test's runtime starts with a clean one)."""
    global _limits
    limit = runtime.settings.web_rate_address_per_minute
    if _limits is None or _limits[0] is not runtime or _limits[1].limit != limit:
        _limits = (runtime, RateLimiter(limit, 60.0))
    return _limits[1]


def _local_refusal(request: Request) -> str | None:
    runtime = get_runtime()
    config = nonebot.get_driver().config
    return cadre_refusal(
        request,
        enabled=runtime.settings.web_chat_cadres,
        bind_host=str(config.host),
        bind_port=int(config.port),
    )


def _cadre_key() -> str:
    settings = get_runtime().settings
    return identities(settings.web_secret, settings.data_dir).cadre_key()


def cadre_trial_link(settings: Settings, host: str, port: int) -> str:
    """The link that lets this machine's browser act as a cadre on the try page."""
    key = identities(settings.web_secret, settings.data_dir).cadre_key()
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/chat?cadre={key}"


def may_act_as_cadre(request: Request) -> str | None:
    """Why this request may not act as a cadre (a Chinese message), or None when it may.

    Every cadre power of the page asks here, unless a console account is signed in in this
    browser (then the page acts as that account's person only, see `_console_person`). The
    trial: on this machine (see `cadre_refusal`), a browser that opened the link printed at start-up.
    A same-host proxy with a bare configuration sends no header that gives it away, so the
    loopback checks alone do not suffice; the key in the cookie does.
    """
    runtime = get_runtime()
    reason = _local_refusal(request)
    if reason is None:
        given = request.cookies.get(CADRE_COOKIE, "")
        if hmac.compare_digest(given.encode(), _cadre_key().encode()):
            return None
        reason = "no cadre trial key in the cookie"
        log.info("web chat: cadre mode refused to %s: %s", peer_address(request), reason)
        return CADRES_NEED_LINK
    if runtime.settings.web_chat_cadres:
        log.warning("web chat: cadre mode refused to %s: %s", peer_address(request), reason)
        return CADRES_LOCAL_ONLY
    return CADRES_OFF


def _require_cadre_powers(request: Request) -> None:
    refusal = may_act_as_cadre(request)
    if refusal is not None:
        raise HTTPException(status_code=403, detail=refusal)


@router.get("/", include_in_schema=False)
async def home() -> RedirectResponse:
    """The server's address leads to the try page (later also to the console)."""
    return RedirectResponse("/chat", status_code=307)


def try_page_link(host: str, port: int) -> str:
    """The try page's address as a person on this machine types it."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/chat"


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page(
    request: Request, response: Response, cadre: str = "", _user: str = Depends(web_user)
) -> str:
    """The chat page (and the visitor's identity cookie, if they have none yet). Opened with
    the cadre trial key on this machine, it also keeps that key, so the page may act as cadres."""
    if cadre:
        if _local_refusal(request) is None and hmac.compare_digest(
            cadre.encode(), _cadre_key().encode()
        ):
            response.set_cookie(CADRE_COOKIE, cadre, path="/", httponly=True, samesite="strict")
        else:
            log.warning(
                "web chat: a wrong or remote cadre trial key from %s", peer_address(request)
            )
    limit = get_runtime().qa.settings.max_question_chars
    page = _PAGE.read_text(encoding="utf-8")
    # The page's length check and its message are the server's: one setting, one text.
    page = page.replace("{{MAX_CHARS}}", str(limit))
    return page.replace("{{TOO_LONG}}", html.escape(qa_texts.TOO_LONG.format(limit=limit)))


async def _console_person(request: Request) -> Person | None:
    """The grid person of the console account signed in in this browser, if any: the page may
    act as them (and only them), from any computer."""
    viewer = await signed_in_viewer(request)
    return viewer.person if viewer is not None else None


@router.get("/api/chat/cadres")
async def cadres(request: Request) -> list[Cadre]:
    """The grid people the page may act as: the console account's own person when one is
    signed in, else everyone where the local trial allows it."""
    signed_in = await _console_person(request)
    if signed_in is not None:
        people: Iterable[Person] = [signed_in]
    else:
        _require_cadre_powers(request)
        people = get_runtime().grid.grid.people.values()
    return [Cadre(id=p.id, name=p.name, role=p.role.value) for p in people]


@router.post("/api/chat")
async def chat(
    body: ChatRequest, request: Request, response: Response, user: str = Depends(web_user)
) -> ChatResponse:
    """Handle one message as a private chat with the bot (or a cadre command)."""
    runtime = get_runtime()
    address = client_address(request, runtime.settings.trusted_proxy_networks)
    if not _address_limiter(runtime).allow(rate_key(address)):
        log.info("web chat: %s over %d messages a minute", address, _address_limiter(runtime).limit)
        response.status_code = 429
        return ChatResponse(text=TOO_FAST, kind="rate_limited", message_id=None)
    if len(body.text) > MAX_CHARS:
        limit = MAX_CHARS if body.cadre else runtime.qa.settings.max_question_chars
        return ChatResponse(
            text=qa_texts.TOO_LONG.format(limit=limit), kind="too_long", message_id=None
        )
    speaker, sender = None, user
    if body.cadre:
        signed_in = await _console_person(request)
        if signed_in is not None and signed_in.id == body.cadre:
            person: Person | None = signed_in
        else:
            _require_cadre_powers(request)
            person = runtime.grid.grid.people.get(body.cadre)
        if person is None:
            raise HTTPException(status_code=400, detail=UNKNOWN_PERSON)
        speaker, sender = speaker_of(person), f"{user}:{person.id}"
    message = Message(
        platform=PLATFORM,
        sender=sender,
        text=body.text,
        message_id=uuid.uuid4().hex,
        quote=Quote(body.reply_to) if body.reply_to else None,
        nickname="网页用户",
        deduped=True,  # a fresh id: the page sends each message once
    )
    said: list[tuple[Bubble, str | None]] = []

    async def send(bubble: Bubble) -> str | None:
        # Only a Q&A reply gets an id: quoting it (赞, 没用, a choice) finds its question.
        message_id = uuid.uuid4().hex if bubble.qa is not None else None
        said.append((bubble, message_id))
        return message_id

    # The page cannot be pushed to: answers from people wait for the youth's next message.
    chat = conversation(runtime)
    if not await chat.handle(message, send, qa=speaker is None, speaker=speaker):
        # Acting as a cadre, plain text is no question: say what the cadre can do.
        await send(Bubble(chat.help(message, speaker)))
    reply = _response(said)
    if reply.text is None and runtime.qa.limited(PLATFORM, sender):
        # Told once that it is too fast, a chat app then stays silent; a page that stays
        # silent looks broken, so it says so each time.
        response.status_code = 429
        reply.text, reply.kind = TOO_FAST, "rate_limited"
    return reply


def _response(said: list[tuple[Bubble, str | None]]) -> ChatResponse:
    """The bubbles of one message as the page shows them: the replies (joined), and the
    answers from people that waited."""
    later = [b.text for b, _ in said if b.kind == "later"]
    now = [(b, message_id) for b, message_id in said if b.kind != "later"]
    if not now:
        return ChatResponse(text=None, kind=None, message_id=None, later=later)
    first, message_id = now[0]
    return ChatResponse(
        # Choices are buttons here: their bubble's text without the numbered list; an image
        # is shown: its caption instead of the text.
        text="\n\n".join(_shown_text(b) for b, _ in now),
        kind=first.kind,
        message_id=message_id,
        later=later,
        choices=[c for b, _ in now for c in b.choices],
        links=[WebLink(label=x.label, url=x.url) for b, _ in now for x in b.links],
        images=[_web_image(b.image, b.text) for b, _ in now if b.image is not None],
    )


def _shown_text(bubble: Bubble) -> str:
    if bubble.image is not None:
        return bubble.image.caption
    if bubble.choices and bubble.with_buttons is not None:
        return bubble.with_buttons
    return bubble.text


def _web_image(image: Image, alt: str) -> WebImage:
    """An image inline: the page needs no second request, and the picture is no more
    reachable than the reply that carried it (whoever the page acts as)."""
    encoded = base64.b64encode(image.data).decode("ascii")
    return WebImage(url=f"data:{image.media_type};base64,{encoded}", alt=alt)


@router.post("/api/chat/poll")
async def poll(user: str = Depends(web_user)) -> list[str]:
    """Answers from people that arrived for this page's youth since the last look."""
    return await get_runtime().cases.release_held(PLATFORM, user, None)

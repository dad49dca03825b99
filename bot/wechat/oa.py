"""The 服务号 callback: verified, decrypted, deduplicated, answered within WeChat's 5 seconds.

A question is answered in the HTTP reply (passive) when ready within WECHAT_PASSIVE_TIMEOUT;
otherwise the reply is "success" and the answer follows by customer-service message. WeChat
re-delivers a message it got no reply to (3 deliveries, same MsgId): the first delivery claims
the message in `wechat_replies`, retries wait for it in-process and get the same stored reply,
so a retry never records a second question or opens a second case.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select, update
from wechatpy import create_reply, parse_message

from bot.chat.conversation import Bubble, Message
from bot.chat.features import conversation
from bot.qa.mine import MY_QUESTIONS_WORDS
from bot.runtime import Runtime, get_runtime
from bot.safety.masking import mask_user
from bot.settings import Settings
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore
from bot.wechat import texts
from bot.wechat.channel import PLATFORM, WeChatChannel
from bot.wechat.crypto import CallbackCrypto, Forged, check_signature, check_timestamp
from bot.wechat.models import WeChatReply
from bot.wechat.replay import ReplayGuard
from bot.wechat.split import split_utf8
from bot.wechat.xml import MAX_BODY_BYTES, BadXml, parse_xml, read_limited

log = logging.getLogger(__name__)

SUCCESS = "success"


@dataclass(frozen=True, slots=True)
class Handled:
    """The texts for one callback: the passive reply XML (None: "success") and every part."""

    passive: str | None
    parts: list[str]


class OaCallback:
    """Handles GET (URL verification) and POST (messages, events) of the 服务号 callback."""

    def __init__(
        self,
        settings: Settings,
        channel: WeChatChannel | None = None,
        runtime: Callable[[], Runtime] = get_runtime,
    ) -> None:
        self.settings = settings
        self.channel = channel
        self._runtime = runtime
        self.crypto = (
            CallbackCrypto(
                settings.wechat_oa_token,
                settings.wechat_oa_aes_key,
                settings.wechat_oa_appid,
                wecom=False,
            )
            if settings.wechat_oa_aes_key
            else None
        )
        self.mode = settings.wechat_oa_message_mode
        """safe | compatible | plain: only plain accepts an unencrypted callback."""
        self.replay = ReplayGuard(
            "oa", lambda: self._runtime().db, settings.wechat_max_timestamp_skew
        )
        self._running: dict[str, asyncio.Task[Handled]] = {}
        self._late: set[str] = set()
        """Keys whose first delivery timed out: their answer goes by CS, never passively too."""
        self.background: set[asyncio.Task[None]] = set()

    # ---- HTTP ------------------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """URL verification: echo `echostr` when the signature is ours, fresh and not replayed."""
        q = request.query_params
        timestamp, nonce, echo = q.get("timestamp", ""), q.get("nonce", ""), q.get("echostr", "")
        try:
            check_timestamp(timestamp, self.settings.wechat_max_timestamp_skew)
            check_signature(self.settings.wechat_oa_token, q.get("signature", ""), timestamp, nonce)
            await self.replay.check(timestamp, nonce, echo.encode())
        except Forged as exc:
            log.warning("wechat oa: URL verification refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(echo)

    async def receive(self, request: Request) -> Response:
        """One message or event; refused with 4xx (and nothing stored) unless genuine.

        With an EncodingAESKey (safe or compatible mode) only the encrypted message counts: its
        msg_signature covers the ciphertext, while the URL signature covers no body at all. A
        (timestamp, nonce) pair is accepted with one message only (see bot.wechat.replay).
        """
        q = request.query_params
        body = await read_limited(request, MAX_BODY_BYTES)
        if body is None:
            log.warning("wechat oa: body over %d bytes refused", MAX_BODY_BYTES)
            return PlainTextResponse("too large", status_code=413)
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        encrypted = q.get("encrypt_type", "raw") == "aes"
        try:
            check_timestamp(timestamp, self.settings.wechat_max_timestamp_skew)
            check_signature(self.settings.wechat_oa_token, q.get("signature", ""), timestamp, nonce)
            outer = parse_xml(body)
            if encrypted:
                if self.crypto is None:
                    raise Forged("encrypted message but WECHAT_OA_AES_KEY is not set")
                plain = self.crypto.decrypt(
                    outer.get("Encrypt", ""), q.get("msg_signature", ""), timestamp, nonce
                )
                fields = parse_xml(plain)
            elif self.mode != "plain":
                raise Forged(f"unencrypted message refused in {self.mode} mode")
            else:
                plain, fields = body.decode("utf-8"), outer
            await self.replay.check(timestamp, nonce, plain.encode("utf-8"))
        except Forged as exc:
            log.warning("wechat oa: forged request refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        except (BadXml, UnicodeDecodeError) as exc:
            log.warning("wechat oa: bad XML refused: %s", exc)
            return PlainTextResponse("bad request", status_code=400)
        handled = await self.handle(plain, fields)
        if handled.passive is None:
            return PlainTextResponse(SUCCESS)
        if encrypted and self.crypto is not None:
            envelope = self.crypto.encrypt(handled.passive, uuid.uuid4().hex[:10])
            return Response(envelope, media_type="application/xml")
        return Response(handled.passive, media_type="application/xml")

    # ---- messages --------------------------------------------------------------------------

    async def handle(self, plain: str, fields: dict[str, str]) -> Handled:
        """Answer once per message key; retries get the first answer."""
        openid = fields.get("FromUserName", "")
        key = _key(fields)
        if not openid or key is None:
            log.warning(
                "wechat oa: %s without sender or id not handled", fields.get("MsgType") or "message"
            )
            return Handled(None, [])
        db = self._runtime().db
        async with db.session() as session:
            claimed = await insert_ignore(
                session, WeChatReply, key=key, openid=openid, status="pending", parts=[]
            )
        task = self._running.get(key)
        if claimed:
            message = parse_message(plain)
            task = asyncio.create_task(self._answer(key, message, fields))
            self._running[key] = task
            task.add_done_callback(lambda _t: self._running.pop(key, None))
        elif task is None:
            return Handled(None, []) if key in self._late else await self._stored(key)
        else:
            log.info("wechat oa: %s re-delivered while being answered", key)
            if key in self._late:
                return Handled(None, [])
        try:
            handled = await asyncio.wait_for(
                asyncio.shield(task), self.settings.wechat_passive_timeout
            )
        except asyncio.TimeoutError:
            if claimed:
                log.info("wechat oa: %s not ready in time: 'success', answer follows", key)
                self._late.add(key)
                self._follow_up(key, openid, task)
            return Handled(None, [])
        if key in self._late:  # the first delivery gave up: the answer goes by CS
            return Handled(None, [])
        return handled

    async def _stored(self, key: str) -> Handled:
        async with self._runtime().db.session() as session:
            row = await session.scalar(select(WeChatReply).where(WeChatReply.key == key))
        log.info("wechat oa: %s re-delivered: %s", key, row.status if row else "unknown")
        if row is not None and row.status == "passive":
            return Handled(row.passive, list(row.parts))
        return Handled(None, [])

    async def _answer(self, key: str, message: object, fields: dict[str, str]) -> Handled:
        """Compute the reply, store it as the passive reply, and send extra parts by CS."""
        openid = fields["FromUserName"]
        if self.channel is not None:
            await self.channel.opened(openid)
        try:
            texts_out = await self._texts(fields)
        except Exception:
            log.exception("wechat oa: answering %s failed", key)
            await self._finish(key, "failed", None, [])
            return Handled(None, [])
        parts = [part for text in texts_out for part in split_utf8(text)]
        if key in self._late:  # the first delivery said "success": _follow_up sends it all
            return Handled(None, parts)
        passive = create_reply(parts[0], message).render() if parts else None
        await self._finish(key, "passive", passive, parts)
        if len(parts) > 1:
            self._spawn(self._send_cs(openid, parts[1:]))
        return Handled(passive, parts)

    def _follow_up(self, key: str, openid: str, task: asyncio.Task[Handled]) -> None:
        async def later() -> None:
            try:
                handled = await task
                if handled.parts:
                    await self._finish(key, "cs", None, handled.parts)
                    await self._send_cs(openid, handled.parts)
            except Exception:
                log.exception("wechat oa: following up %s failed", key)
            finally:
                self._late.discard(key)

        self._spawn(later())

    async def _send_cs(self, openid: str, parts: list[str]) -> None:
        if self.channel is None:
            log.warning(
                "wechat oa: no WECHAT_OA_SECRET: %d part(s) for %s lost", len(parts), openid
            )
            return
        for part in parts:
            try:
                await self.channel.send_private(openid, part)
            except Exception as exc:
                log.warning("wechat oa: CS message to %s failed: %s", mask_user(openid), exc)
                return

    async def _finish(self, key: str, status: str, passive: str | None, parts: list[str]) -> None:
        async with self._runtime().db.session() as session:
            await session.execute(
                update(WeChatReply)
                .where(WeChatReply.key == key)
                .values(status=status, passive=passive, parts=parts, done_at=utcnow())
            )

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def _texts(self, fields: dict[str, str]) -> list[str]:
        """What the youth should read, in order."""
        runtime = self._runtime()
        openid = fields["FromUserName"]
        kind = fields.get("MsgType", "")
        out: list[str] = []
        text = fields.get("Content", "").strip() if kind == "text" else None
        if kind == "event":
            event = fields.get("Event", "").lower()
            click = fields.get("EventKey", "")
            if event == "click" and click == texts.MENU_MY_QUESTIONS:
                text = MY_QUESTIONS_WORDS[0]  # the menu item says what the youth would type
            elif event == "subscribe":
                out.append(texts.WELCOME)
            elif event == "click":
                out.append(texts.HOW_TO_ASK)
            else:
                return []
        elif kind != "text":
            out.append(texts.TEXT_ONLY)
        if text is None:
            # Answers from people that waited for this youth: by CS now the window is open,
            # or here.
            return out + await runtime.cases.release_held(PLATFORM, openid, None)
        message = Message(
            platform=PLATFORM,
            sender=openid,
            text=text,
            message_id=fields.get("MsgId", ""),
            account=self.settings.wechat_oa_appid,
            deduped=True,  # `handle` answers each message key once
        )

        async def send(bubble: Bubble) -> str | None:
            # Passive replies have no id to remember; cadres are told of a case now. An image
            # would need the media upload API: the text (which says it all) goes instead.
            out.append(bubble.text)
            return None

        await conversation(runtime).handle(message, send)
        return out


def _key(fields: dict[str, str]) -> str | None:
    """The dedupe key: MsgId, or FromUserName+CreateTime+Event for events."""
    if fields.get("MsgType") == "event":
        parts = (fields.get("FromUserName"), fields.get("CreateTime"), fields.get("Event"))
        return ":".join(p for p in parts if p) if all(parts) else None
    msg_id = fields.get("MsgId")
    return f"msg:{msg_id}" if msg_id else None

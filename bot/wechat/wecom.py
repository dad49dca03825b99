"""企业微信 (WeCom) for cadres: a self-built app's callback is a surface of the one conversation
(bot.chat): every cadre and organiser command, and plain text answers the latest case
notification (WeCom's app chat has no quote). Case notifications reach cadres as app messages,
at most 30 a minute per member."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from bot.chat.conversation import Bubble, Message
from bot.chat.features import conversation
from bot.delivery.channel import SendError
from bot.runtime import Runtime, get_runtime
from bot.settings import Settings
from bot.storage.inbound import InboundKey, claim
from bot.wechat import texts
from bot.wechat.api import ApiError, WeChatApi
from bot.wechat.crypto import CallbackCrypto, Forged, check_timestamp
from bot.wechat.replay import ReplayGuard
from bot.wechat.split import split_utf8
from bot.wechat.xml import MAX_BODY_BYTES, BadXml, parse_xml, read_limited

log = logging.getLogger(__name__)

PLATFORM = "wecom"
PER_MEMBER_PER_MINUTE = 30


class PerMemberPace:
    """At most `rate` sends per member in any 60 s; a caller over the pace waits its turn."""

    def __init__(self, rate: int = PER_MEMBER_PER_MINUTE, period: float = 60.0) -> None:
        self.rate, self.period = rate, period
        self._sent: dict[str, deque[float]] = defaultdict(deque)
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def wait(self, member: str) -> None:
        """Return when one more message to `member` keeps within the pace (and count it)."""
        async with self._locks[member]:
            sent = self._sent[member]
            while True:
                now = time.monotonic()
                while sent and now - sent[0] >= self.period:
                    sent.popleft()
                if len(sent) < self.rate:
                    sent.append(now)
                    return
                await asyncio.sleep(self.period - (now - sent[0]))


class WeComChannel:
    """App messages of the 企业微信 self-built app to one member (userid)."""

    platform = PLATFORM
    can_push = True

    def __init__(self, api: WeChatApi, agent_id: str, pace: PerMemberPace | None = None) -> None:
        self.api = api
        self.agent_id = agent_id
        self.pace = pace or PerMemberPace()

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Send `text` (split at 2048 bytes); returns the msgid of the last part."""
        message_id = None
        for part in split_utf8(text):
            await self.pace.wait(user_id)
            try:
                result = await self.api.call(
                    lambda client, part=part: client.message.send_text(self.agent_id, user_id, part)
                )
            except ApiError as exc:
                raise SendError(f"企业微信应用消息发送失败: {exc}") from exc
            if isinstance(result, dict) and result.get("invaliduser"):
                raise SendError(f"企业微信成员不可见或不存在: {result.get('invaliduser')}")
            message_id = str(result.get("msgid", "")) if isinstance(result, dict) else None
        return message_id or None

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """Not supported: cadres are reached one by one."""
        raise SendError("企业微信应用不发群消息")


class WeComCallback:
    """URL verification (answered at once) and cadres' messages to the app."""

    def __init__(
        self,
        settings: Settings,
        channel: WeComChannel | None = None,
        runtime: Callable[[], Runtime] = get_runtime,
    ) -> None:
        self.settings = settings
        self.channel = channel
        self._runtime = runtime
        self.crypto = CallbackCrypto(
            settings.wecom_token, settings.wecom_aes_key, settings.wecom_corp_id, wecom=True
        )
        self.replay = ReplayGuard(
            "wecom", lambda: self._runtime().db, settings.wechat_max_timestamp_skew
        )
        self.background: set[asyncio.Task[None]] = set()

    async def verify(self, request: Request) -> Response:
        """Decrypt `echostr` and echo it (fresh, signed, not replayed): well within WeCom's 1 s."""
        q = request.query_params
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        try:
            check_timestamp(timestamp, self.settings.wechat_max_timestamp_skew)
            echo = self.crypto.decrypt(
                q.get("echostr", ""), q.get("msg_signature", ""), timestamp, nonce
            )
            await self.replay.check(timestamp, nonce, echo.encode("utf-8"))
        except Forged as exc:
            log.warning("wecom: URL verification refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(echo)

    async def receive(self, request: Request) -> Response:
        """A cadre's message: checked, deduplicated, answered by app message in the background."""
        q = request.query_params
        body = await read_limited(request, MAX_BODY_BYTES)
        if body is None:
            log.warning("wecom: body over %d bytes refused", MAX_BODY_BYTES)
            return PlainTextResponse("too large", status_code=413)
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        try:
            check_timestamp(timestamp, self.settings.wechat_max_timestamp_skew)
            outer = parse_xml(body)
            plain = self.crypto.decrypt(
                outer.get("Encrypt", ""), q.get("msg_signature", ""), timestamp, nonce
            )
            fields = parse_xml(plain)
            await self.replay.check(timestamp, nonce, plain.encode("utf-8"))
        except Forged as exc:
            log.warning("wecom: forged request refused: %s", exc)
            return PlainTextResponse("forbidden", status_code=403)
        except BadXml as exc:
            log.warning("wecom: bad XML refused: %s", exc)
            return PlainTextResponse("bad request", status_code=400)
        if fields.get("MsgType") != "text" or not fields.get("MsgId"):
            log.info(
                "wecom: %s %s from %s not handled (only text messages are commands)",
                fields.get("MsgType") or "message",
                fields.get("MsgId") or fields.get("Event") or "",
                fields.get("FromUserName") or "?",
            )
            return PlainTextResponse("")
        key = InboundKey.of(
            PLATFORM,
            fields["MsgId"],
            user_id=fields.get("FromUserName", ""),
            account=self.settings.wecom_corp_id,
        )
        if await claim(self._runtime().db, key):
            task = asyncio.ensure_future(
                self._run(fields["FromUserName"], fields.get("Content", ""), fields["MsgId"])
            )
            self.background.add(task)
            task.add_done_callback(self.background.discard)
        return PlainTextResponse("")

    async def _run(self, userid: str, content: str, msg_id: str = "") -> None:
        try:
            for reply in await self.replies(userid, content, msg_id):
                if self.channel is not None:
                    await self.channel.send_private(userid, reply)
        except Exception:
            log.exception("wecom: handling a message of %s failed", userid)

    async def replies(self, userid: str, content: str, msg_id: str = "") -> list[str]:
        """What to say to one cadre message: a command's reply; plain text answers the latest
        case notification sent to them here (WeCom has no quote); else the help text."""
        chat = conversation(self._runtime())
        message = Message(
            platform=PLATFORM,
            sender=userid,
            text=content.strip(),
            message_id=msg_id or uuid.uuid4().hex,
            account=self.settings.wecom_corp_id,
            deduped=True,  # `receive` claimed it
            can_quote=False,
        )
        if not chat.speaker(message).is_staff:
            return [texts.WECOM_NOT_CADRE]
        said: list[str] = []

        async def send(bubble: Bubble) -> str | None:
            said.append(bubble.text)  # no image: WeCom needs a media upload for one
            return None

        if not await chat.handle(message, send, qa=False):
            said.append(chat.help(message))
        return said

    async def command(self, userid: str, content: str) -> str:
        """The reply to one cadre message, as one text."""
        return "\n\n".join(await self.replies(userid, content))

"""The official QQ bot API (QQ 开放平台, webhook mode) on nonebot-adapter-qq, with replay refusal.

The adapter checks each webhook event's ed25519 signature (over the `X-Signature-Timestamp`
header and the body, with a key derived from the AppSecret) but not how old the event is nor
whether it came before: a captured event could be posted again and again. `Adapter` here
refuses, after the signature check, an event whose signed timestamp is further than
`QQ_BOT_MAX_TIMESTAMP_SKEW` from now, or whose event id was already accepted (kept in the
database with `bot.wechat.replay.ReplayGuard`, so it holds across processes). The chat itself
is the surface plugin `plugins.qqbot`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from nonebot.adapters.qq import Adapter as QQAdapter
from nonebot.adapters.qq.config import BotInfo, Config, Intents
from nonebot.drivers import Driver, Request, Response

from bot.storage.database import Database
from bot.wechat.crypto import Forged
from bot.wechat.replay import ReplayGuard

log = logging.getLogger(__name__)

PLATFORM = "qqbot"
"""The platform name of the official QQ bot in the conversation, cases and outbox (openids,
not QQ numbers: never the same people as platform "qq")."""
API_BASE = "https://api.bot.qq.com/"
SANDBOX_API_BASE = "https://sandbox.api.sgroup.qq.com/"
AUTH_URL = "https://api.bot.qq.com/app/getAppAccessToken"
WEBHOOK_PATH = "/qq/webhook"
REPLAY_ENDPOINT = "qqbot"


def adapter_config(
    appid: str, secret: str, *, sandbox: bool = False, api_base: str = "", auth_url: str = ""
) -> Config:
    """The adapter's configuration for one bot in webhook mode: group @ and C2C messages."""
    return Config(
        qq_api_base=api_base or (SANDBOX_API_BASE if sandbox else API_BASE),
        qq_auth_base=auth_url or AUTH_URL,
        qq_verify_webhook=True,
        qq_bots=[
            BotInfo(
                id=appid,
                secret=secret,
                intent=Intents(
                    guilds=False,
                    guild_members=False,
                    guild_message_reactions=False,
                    message_audit=False,
                    at_messages=False,
                    c2c_group_at_messages=True,
                ),
                use_websocket=False,
            )
        ],
    )


class Adapter(QQAdapter):
    """nonebot-adapter-qq with its configuration given (not read from NoneBot's QQ_BOTS) and
    webhook events refused when stale or replayed."""

    def __init__(
        self,
        driver: Driver,
        *,
        qq_config: Config,
        db: Callable[[], Database],
        max_skew: int = 300,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        # QQAdapter.__init__ reads its config from NoneBot's; this one is given it.
        super(QQAdapter, self).__init__(driver, **kwargs)
        self.qq_config = qq_config
        self.tasks = set()
        self.max_skew = max_skew
        self.clock = clock
        self.replay = ReplayGuard(REPLAY_ENDPOINT, db, max_skew, clock, retries=False)
        self.setup()

    async def _handle_http(self, request: Request) -> Response:
        refusal = await self._refuse_replay(request)
        if refusal is not None:
            return refusal
        return await super()._handle_http(request)

    async def _refuse_replay(self, request: Request) -> Response | None:
        """403 for a signed event that is stale or seen before; None to let the adapter go on
        (it refuses unsigned or forged events itself, and answers the URL check, op 13)."""
        body = request.content
        if body is None:
            return None
        raw = body.encode() if isinstance(body, str) else body
        try:
            payload = json.loads(raw)
        except ValueError:
            return None  # the adapter answers 400
        if not isinstance(payload, dict) or payload.get("op") != 0:
            return None  # not an event: the callback URL check (signed by us), or unknown
        bot_id = request.headers.get("X-Bot-Appid", "")
        bot_info = next((b for b in self.qq_config.qq_bots if b.id == bot_id), None)
        if bot_info is None:
            return None  # the adapter refuses an unknown bot
        from nonebot.adapters.qq import Bot

        if self._check_signature(Bot(self, bot_id, bot_info), request) is not None:
            log.warning("qqbot: webhook event with a missing or wrong signature refused")
            return Response(403, content="Invalid signature")
        timestamp = request.headers.get("X-Signature-Timestamp", "")
        try:
            moment = int(timestamp)
        except ValueError:
            log.warning("qqbot: webhook timestamp %r is not a number", timestamp[:32])
            return Response(403, content="Invalid timestamp")
        if abs(self.clock() - moment) > self.max_skew:
            log.warning("qqbot: webhook event of %s refused: outside the window", timestamp)
            return Response(403, content="Stale event")
        event_id = str(payload.get("id") or "")
        if not event_id:
            log.warning("qqbot: webhook event without an id refused")
            return Response(403, content="Missing event id")
        # Event ids run longer than the store's nonce column: kept as their digest.
        nonce = hashlib.sha256(f"{bot_id}:{event_id}".encode()).hexdigest()
        try:
            await self.replay.check(str(moment), nonce, raw)
        except Forged as exc:
            log.warning("qqbot: webhook event %s refused: %s", event_id[:80], exc)
            return Response(403, content="Replayed event")
        return None

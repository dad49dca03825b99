"""Refusing replayed callbacks: each (timestamp, nonce) is accepted with one message only.

The URL signature covers token, timestamp and nonce, and the timestamp check lets a signed URL
live for the allowed skew (300 s by default). Whoever sees one callback URL could post to it
again with another body in that time. So every accepted callback leaves its pair in
`wechat_nonces` (a unique key, insert-or-ignore: it holds across bot processes sharing one
database), with the digest of the message it carried:

- the same pair with the same message is WeChat delivering that message again (a retry): it goes
  on, and the MsgId dedupe gives it the reply the first delivery got;
- the same pair with another message is a replay: refused.

Rows are pruned by the callback's own timestamp once it is beyond the skew (then the timestamp
check refuses the pair anyway).

An endpoint whose sender never re-sends a pair (the QQ bot API's webhook: each event has its own
id) is guarded with `retries=False`: any pair seen before is refused.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from sqlalchemy import delete, select

from bot.storage.database import Database
from bot.storage.upsert import insert_ignore
from bot.wechat.crypto import Forged
from bot.wechat.models import WeChatNonce

log = logging.getLogger(__name__)

MAX_NONCE_CHARS = 64
PRUNE_EVERY_SECONDS = 60.0


class ReplayGuard:
    """Remembers the (timestamp, nonce) of accepted callbacks of one endpoint."""

    def __init__(
        self,
        endpoint: str,
        db: Callable[[], Database],
        max_skew: int,
        clock: Callable[[], float] = time.time,
        *,
        retries: bool = True,
    ) -> None:
        self.endpoint = endpoint
        self.retries = retries
        """Whether the same pair with the same message is a retry (let through) or a replay."""
        self.max_skew = max_skew
        self._db = db
        self._clock = clock
        self._pruned_at: float | None = None

    async def check(self, timestamp: str, nonce: str, message: bytes) -> None:
        """Record the pair for `message` (the authenticated plaintext); raise `Forged` when the
        pair was already used for another message. Call after every signature check."""
        if not nonce or len(nonce) > MAX_NONCE_CHARS:
            raise Forged("nonce is empty or too long")
        try:
            moment = int(timestamp)
        except ValueError as exc:
            raise Forged("timestamp is not a number") from exc
        digest = hashlib.sha256(message).hexdigest()
        await self._prune()
        async with self._db().session() as session:
            fresh = await insert_ignore(
                session,
                WeChatNonce,
                endpoint=self.endpoint,
                timestamp=moment,
                nonce=nonce,
                digest=digest,
            )
            if fresh:
                return
            if not self.retries:
                raise Forged(f"timestamp {timestamp} and nonce {nonce} already accepted")
            stored = await session.scalar(
                select(WeChatNonce.digest).where(
                    WeChatNonce.endpoint == self.endpoint,
                    WeChatNonce.timestamp == moment,
                    WeChatNonce.nonce == nonce,
                )
            )
        if stored != digest:
            raise Forged(f"timestamp {timestamp} and nonce replayed with another message")
        log.info("wechat %s: the same delivery again (timestamp %s)", self.endpoint, timestamp)

    async def _prune(self) -> None:
        now = self._clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY_SECONDS:
            return
        self._pruned_at = now
        async with self._db().session() as session:
            await session.execute(
                delete(WeChatNonce).where(
                    WeChatNonce.endpoint == self.endpoint,
                    WeChatNonce.timestamp < int(now) - self.max_skew,
                )
            )

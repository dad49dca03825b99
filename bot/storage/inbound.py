"""Inbound dedupe: every platform message the bot acts on is acted on once, by one process.

A message is known by where it arrived: the platform, the bot account that received it (OneBot
message ids are unique per account only, and some implementations number them per group), the
chat, and the platform's id. Claiming inserts that key, or finds it taken by an earlier delivery
(a retry of the platform, or the same event handed to a second process). Claimed in the session
of the handler, the key commits with what the handler wrote, so a message whose handling failed
is not marked as seen.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import Database
from bot.storage.models import InboundMessage
from bot.storage.upsert import insert_ignore

log = logging.getLogger(__name__)

DEFAULT_ACCOUNT = "default"
"""The account of a platform that has only one (the web page) or did not say which."""


@dataclass(frozen=True, slots=True)
class InboundKey:
    """What makes one platform message unique."""

    platform: str
    account: str
    """The bot account that received it: the QQ number (self_id), the 服务号 AppID, the CorpID."""
    chat: str
    """g<group id>, or u<user id> in private chat."""
    message_id: str

    @classmethod
    def of(
        cls,
        platform: str,
        message_id: str,
        *,
        user_id: str,
        group_id: str | None = None,
        account: str = DEFAULT_ACCOUNT,
    ) -> InboundKey:
        """The key of a message in a group (`group_id`) or in private chat with `user_id`."""
        chat = f"g{group_id}" if group_id else f"u{user_id}"
        return cls(platform, account or DEFAULT_ACCOUNT, chat, message_id)


async def first_delivery(session: AsyncSession, key: InboundKey) -> bool:
    """Claim `key` in `session`; False when an earlier delivery claimed it (then do nothing)."""
    fresh = await insert_ignore(
        session,
        InboundMessage,
        platform=key.platform,
        account=key.account,
        chat=key.chat,
        message_id=key.message_id,
    )
    if not fresh:
        log.info(
            "duplicate %s message %s (account %s, %s) ignored",
            key.platform,
            key.message_id,
            key.account,
            key.chat[:1],
        )
    return fresh


async def claim(db: Database, key: InboundKey) -> bool:
    """Claim `key` in a transaction of its own (a command whose service commits by itself)."""
    async with db.session() as session:
        return await first_delivery(session, key)

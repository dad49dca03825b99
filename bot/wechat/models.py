"""What WeChat needs remembered: the reply to each callback (retries get the same one), each
youth's customer-service window (48 h after their last message, 5 messages in it), and the
(timestamp, nonce) pairs of accepted callbacks (a replayed URL is refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class WeChatReply(Base):
    """One 服务号 callback, keyed by MsgId (events: FromUserName+CreateTime+Event)."""

    __tablename__ = "wechat_replies"
    __table_args__ = (UniqueConstraint("key", name="uq_wechat_reply_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(160))
    openid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    """pending (being answered) | passive (answered in the HTTP reply) | cs (by CS message) |
    failed (an error while answering; logged)."""
    passive: Mapped[str | None] = mapped_column(Text)
    """The plaintext reply XML given to the first delivery; a retry gets exactly this."""
    parts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Every text part of the reply, in order."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()


class WeChatWindow(Base):
    """A youth's customer-service window: opened by each message they send."""

    __tablename__ = "wechat_windows"
    __table_args__ = (UniqueConstraint("openid", name="uq_wechat_window_openid"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    openid: Mapped[str] = mapped_column(String(64))
    last_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent: Mapped[int] = mapped_column(default=0)
    """Customer-service messages sent since `last_in_at`."""


class WeChatNonce(Base):
    """The (timestamp, nonce) of one accepted callback, kept while its timestamp is within the
    allowed skew: the same pair with another message is a replay and is refused."""

    __tablename__ = "wechat_nonces"
    __table_args__ = (UniqueConstraint("endpoint", "timestamp", "nonce", name="uq_wechat_nonce"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    endpoint: Mapped[str] = mapped_column(String(8))
    """oa (服务号) or wecom (企业微信): each signs with its own token."""
    timestamp: Mapped[int] = mapped_column(BigInteger, index=True)
    """The callback's own timestamp (seconds); rows older than the skew are pruned by it."""
    nonce: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    """sha256 of the authenticated message: equal for WeChat's retry of the same delivery."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

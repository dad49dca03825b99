"""The 服务号 channel: late messages to a youth go as customer-service (客服) messages.

WeChat allows them only within 48 hours of the youth's last message, at most 5 in that window
(errors 45015 and 45047 otherwise). The window is tracked in the database; when it is closed
or used up, `SendError` makes the case service hold the answer until the youth writes again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.delivery.channel import SendError
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.storage.upsert import insert_ignore
from bot.wechat.api import ApiError, WeChatApi
from bot.wechat.models import WeChatWindow
from bot.wechat.split import split_utf8

log = logging.getLogger(__name__)

PLATFORM = "wechat"
WINDOW = timedelta(hours=48)
WINDOW_QUOTA = 5
WINDOW_CLOSED, QUOTA_USED = 45015, 45047


class WeChatChannel:
    """Customer-service messages of the 服务号, within the 48-hour window and its quota."""

    platform = PLATFORM
    can_push = True

    def __init__(
        self,
        api: WeChatApi,
        db: Callable[[], Database],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.api = api
        self._db = db
        self.clock = clock

    async def opened(self, openid: str) -> None:
        """The youth just wrote: a fresh 48-hour window with a fresh quota."""
        now = self.clock()
        async with self._db().session() as session:
            if not await insert_ignore(
                session, WeChatWindow, openid=openid, last_in_at=now, sent=0
            ):
                await session.execute(
                    update(WeChatWindow)
                    .where(WeChatWindow.openid == openid)
                    .values(last_in_at=now, sent=0)
                )

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Send `text` (split at 2048 bytes) if the window is open and the quota lasts."""
        parts = split_utf8(text)
        await self._reserve(user_id, len(parts))
        for part in parts:
            await self.send_now(user_id, part)
        return None

    async def send_now(self, user_id: str, part: str) -> None:
        """One customer-service text, quota already reserved; WeChat's refusals are SendError."""
        try:
            await self.api.call(lambda client: client.message.send_text(user_id, part))
        except ApiError as exc:
            if exc.errcode == WINDOW_CLOSED:
                await self._close(user_id)
                raise SendError("48 小时客服消息窗口已关闭 (45015)") from exc
            if exc.errcode == QUOTA_USED:
                await self._close(user_id)
                raise SendError("客服消息条数已用完 (45047)") from exc
            raise SendError(f"customer-service message failed: {exc}") from exc

    async def _reserve(self, openid: str, count: int) -> None:
        """Take `count` messages of the window's quota, or refuse (compare-and-set)."""
        since = self.clock() - WINDOW
        async with self._db().session() as session:
            window = await session.scalar(select(WeChatWindow).where(WeChatWindow.openid == openid))
            if window is None or window.last_in_at < since:
                raise SendError("48 小时客服消息窗口已关闭")
            if window.sent + count > WINDOW_QUOTA:
                raise SendError(f"客服消息额度不足（已用 {window.sent}/{WINDOW_QUOTA}）")
            won = await session.execute(
                update(WeChatWindow)
                .where(WeChatWindow.id == window.id, WeChatWindow.sent == window.sent)
                .values(sent=window.sent + count)
            )
            if not won.rowcount:
                raise SendError("客服消息额度正被并发使用，稍后再试")

    async def _close(self, openid: str) -> None:
        async with self._db().session() as session:
            await session.execute(
                update(WeChatWindow).where(WeChatWindow.openid == openid).values(sent=WINDOW_QUOTA)
            )

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """There are no groups on a 服务号."""
        raise SendError("服务号没有群聊")

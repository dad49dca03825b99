"""企业微信 group robot webhooks as a broadcast target of the outbox (send-only).

A robot posts into one internal WeCom group; the outbox addresses it by name as a "group" on
platform ``wecom-robot``. WeCom allows 20 messages a minute per robot and text up to 2048 bytes
(longer text is split). The webhook key is a secret: it never appears in logs or errors.
"""

from __future__ import annotations

import logging

import httpx

from bot.delivery.channel import SendError
from bot.wechat.split import split_utf8
from bot.wechat.wecom import PerMemberPace

log = logging.getLogger(__name__)

PLATFORM = "wecom-robot"
WEBHOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
PER_ROBOT_PER_MINUTE = 20


class WeComRobotChannel:
    """Text to a WeCom group through its robot webhook; no private messages, no late pushes."""

    platform = PLATFORM
    can_push = True

    def __init__(
        self,
        robots: dict[str, str],
        transport: httpx.AsyncBaseTransport | None = None,
        pace: PerMemberPace | None = None,
    ) -> None:
        self.robots = robots
        self._transport = transport
        self.pace = pace or PerMemberPace(PER_ROBOT_PER_MINUTE)

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """Post `text` (split at 2048 bytes) through the robot named `group_id`."""
        key = self.robots.get(group_id)
        if key is None:
            raise SendError(f"未配置名为 {group_id} 的企业微信群机器人")
        async with httpx.AsyncClient(transport=self._transport, timeout=10) as client:
            for part in split_utf8(text):
                await self.pace.wait(group_id)
                try:
                    res = await client.post(
                        WEBHOOK,
                        params={"key": key},
                        json={"msgtype": "text", "text": {"content": part}},
                    )
                    body = res.json()
                except (httpx.HTTPError, ValueError) as exc:
                    raise SendError(f"群机器人 {group_id} 发送失败: {type(exc).__name__}") from exc
                if res.status_code != 200 or body.get("errcode", 0) != 0:
                    raise SendError(
                        f"群机器人 {group_id} 发送失败: {body.get('errcode')} {body.get('errmsg')}"
                    )
        return None

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Robots only post into their group."""
        raise SendError("企业微信群机器人不能私聊")

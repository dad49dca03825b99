"""The QQ channel through a connected OneBot v11 implementation (NapCat, LLBot…)."""

from __future__ import annotations

import nonebot
from nonebot.adapters.onebot.v11 import ActionFailed, Bot, Message, MessageSegment, NetworkError

from bot.delivery.channel import SendError


class OneBotChannel:
    """Sends through the first connected OneBot v11 account; user text is always a text segment."""

    platform = "qq"
    can_push = True

    def _bot(self) -> Bot:
        for bot in nonebot.get_bots().values():
            if isinstance(bot, Bot):
                return bot
        # An account problem, not the chat's: the outbox pauses the account instead of
        # spending the messages' attempts while it is offline.
        raise SendError("no QQ account is connected", timeout=True)

    async def send_private(self, user_id: str, text: str) -> str | None:
        """Private message; QQ only delivers these between friends."""
        return await self._call(
            "send_private_msg", user_id=int(user_id), message=Message(MessageSegment.text(text))
        )

    async def send_group(
        self, group_id: str, text: str, *, reply_to: str | None = None, at: str | None = None
    ) -> str | None:
        """Group message, optionally quoting a message and @-ing one member."""
        message = Message()
        if reply_to:
            message.append(MessageSegment.reply(int(reply_to)))
        if at:
            message.append(MessageSegment.at(int(at)))
            text = " " + text
        message.append(MessageSegment.text(text))
        return await self._call("send_group_msg", group_id=int(group_id), message=message)

    async def _call(self, api: str, **params: object) -> str | None:
        try:
            result = await self._bot().call_api(api, **params)
        except ActionFailed as exc:
            retcode = exc.info.get("retcode")
            raise SendError(
                f"{api} failed: {exc}", retcode=retcode if isinstance(retcode, int) else None
            ) from exc
        except NetworkError as exc:
            raise SendError(f"{api} failed: {exc}", timeout=True) from exc
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return str(message_id) if message_id is not None else None

"""The QQ channel through connected OneBot v11 implementations (NapCat, LLBot…), one per account."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import nonebot
from nonebot.adapters.onebot.v11 import ActionFailed, Bot, Message, MessageSegment, NetworkError

from bot.delivery.channel import AccountChats, SendError

log = logging.getLogger(__name__)

HISTORY_COUNT = 100
"""How many of a chat's latest messages are read to find a send cut off by a crash."""
CLOCK_SKEW_SECONDS = 60
"""QQ's message times may be this far off ours."""


class OneBotChannel:
    """Sends through connected OneBot v11 accounts; user text is always a text segment.

    `send_private`/`send_group` (case notifications, answers, notices) go through the account
    `route` picks: the one asked for, else one in the chat (friend or group member, as last
    listed by `chats_of`); the outbox picks the account in the chat and calls `send_via`.
    """

    platform = "qq"
    can_push = True

    def __init__(self) -> None:
        self.chats = AccountChats()

    def accounts(self) -> list[str]:
        """Self ids of the connected QQ accounts."""
        return [bot.self_id for bot in nonebot.get_bots().values() if isinstance(bot, Bot)]

    def _bot(self, account: str | None = None) -> Bot:
        bots = nonebot.get_bots()
        if account is not None:
            bot = bots.get(account)
            if isinstance(bot, Bot):
                return bot
            raise SendError(f"QQ account {account} is not connected", offline=True)
        for bot in bots.values():
            if isinstance(bot, Bot):
                return bot
        raise SendError("no QQ account is connected", offline=True)

    def route(self, chat_type: str, chat_id: str, prefer: str | None = None) -> str | None:
        """The connected account to send to a chat through (see `AccountChats.pick`)."""
        return self.chats.pick(self.accounts(), chat_type, chat_id, prefer)

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Private message; QQ only delivers these between friends."""
        return await self._send(
            self.route("private", user_id, account),
            "send_private_msg",
            user_id=int(user_id),
            message=_text(text),
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
        """Group message, optionally quoting a message and @-ing one member."""
        message = Message()
        if reply_to:
            message.append(MessageSegment.reply(int(reply_to)))
        if at:
            message.append(MessageSegment.at(int(at)))
            text = " " + text
        message.append(MessageSegment.text(text))
        return await self._send(
            self.route("group", group_id, account),
            "send_group_msg",
            group_id=int(group_id),
            message=message,
        )

    async def send_via(self, account: str, chat_type: str, chat_id: str, text: str) -> str | None:
        """Plain `text` to a group or a friend through the account `account`."""
        if chat_type == "group":
            return await self._send(
                account, "send_group_msg", group_id=int(chat_id), message=_text(text)
            )
        return await self._send(
            account, "send_private_msg", user_id=int(chat_id), message=_text(text)
        )

    async def chats_of(self, account: str) -> list[tuple[str, str]] | None:
        """The groups (get_group_list) and friends (get_friend_list) of `account`; `route`
        keeps the last answer."""
        found = await self._list_chats(account)
        self.chats.listed(account, found)
        return found

    async def _list_chats(self, account: str) -> list[tuple[str, str]] | None:
        found: list[tuple[str, str]] = []
        for api, chat_type, field in (
            ("get_group_list", "group", "group_id"),
            ("get_friend_list", "private", "user_id"),
        ):
            try:
                listed = await self._call(account, api)
            except SendError as exc:
                log.warning(
                    "QQ account %s: %s failed, its chats stay as they were: %s", account, api, exc
                )
                return None
            if not isinstance(listed, list):
                return None
            found += [
                (chat_type, str(item[field]))
                for item in listed
                if isinstance(item, dict) and item.get(field) is not None
            ]
        return found

    async def find_sent(
        self, account: str, chat_type: str, chat_id: str, text: str, since: datetime
    ) -> str | None:
        """Look for `account`'s message `text` among the chat's latest messages
        (get_group_msg_history / get_friend_msg_history of NapCat and LLBot)."""
        if chat_type == "group":
            api, params = "get_group_msg_history", {"group_id": int(chat_id)}
        else:
            api, params = "get_friend_msg_history", {"user_id": int(chat_id)}
        data = await self._call(account, api, **params, message_seq=0, count=HISTORY_COUNT)
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, list):
            raise SendError(f"{api} gave no message list")
        oldest = None
        wanted = text.strip()
        earliest = since.timestamp() - CLOCK_SKEW_SECONDS
        for item in messages:
            if not isinstance(item, dict):
                continue
            at = item.get("time")
            if isinstance(at, int | float):
                oldest = at if oldest is None else min(oldest, at)
                if at < earliest:
                    continue
            sender = item.get("sender") if isinstance(item.get("sender"), dict) else {}
            author = item.get("user_id", sender.get("user_id"))
            if str(author) == account and _plain_text(item).strip() == wanted:
                return str(item.get("message_id"))
        if len(messages) >= HISTORY_COUNT and (oldest is None or oldest > earliest):
            raise SendError(
                f"{api}: the latest {HISTORY_COUNT} messages do not reach back far enough"
            )
        return None

    async def _send(self, account: str | None, api: str, **params: Any) -> str | None:
        result = await self._call(account, api, **params)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return str(message_id) if message_id is not None else None

    async def _call(self, account: str | None, api: str, **params: Any) -> Any:
        bot = self._bot(account)
        try:
            return await bot.call_api(api, **params)
        except ActionFailed as exc:
            retcode = exc.info.get("retcode")
            raise SendError(
                f"{api} failed: {exc}", retcode=retcode if isinstance(retcode, int) else None
            ) from exc
        except NetworkError as exc:
            raise SendError(f"{api} failed: {exc}", timeout=True) from exc


def _text(text: str) -> Message:
    return Message(MessageSegment.text(text))


def _plain_text(item: dict[str, Any]) -> str:
    """The text of a history message: its text segments, or the raw CQ string unescaped."""
    message = item.get("message")
    if isinstance(message, list):
        return "".join(
            str(seg.get("data", {}).get("text", ""))
            for seg in message
            if isinstance(seg, dict) and seg.get("type") == "text"
        )
    raw = str(message if isinstance(message, str) else item.get("raw_message", ""))
    return Message(raw).extract_plain_text()

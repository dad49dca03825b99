"""One interface for sending on a platform; each platform brings its own strategy."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

log = logging.getLogger(__name__)


class SendError(Exception):
    """A send failed (not a friend, account offline, risk control…); the message was not delivered.

    `retcode`: the platform's error code, when it gave one (OneBot 1200: a send timed out, often
    risk control). `timeout`: the platform did not answer in time (network error, timeout); the
    outbox counts both toward pausing the account. `offline`: no account of the platform is
    connected to send it; nothing was tried, the message waits for an account.
    """

    def __init__(
        self,
        message: str,
        *,
        retcode: int | None = None,
        timeout: bool = False,
        offline: bool = False,
    ) -> None:
        super().__init__(message)
        self.retcode = retcode
        self.timeout = timeout
        self.offline = offline


class Channel(Protocol):
    """How the bot reaches people on one platform."""

    platform: str
    can_push: bool
    """Whether the bot may message someone unprompted, later. If not (the official QQ bot API, a
    WeChat window that closed, the web page), late answers wait for the youth's next message."""

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Send `text` to one person; returns the platform message id. Raises SendError.

        `account`: the bot account to send through if it is connected (a platform of several
        accounts, see `AccountChannel.route`); a platform of one account ignores it."""
        ...

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """Send `text` to a group, quoting `reply_to` and @-ing `at`; returns the message id.
        `account` as for `send_private`."""
        ...


@runtime_checkable
class AccountChannel(Protocol):
    """A platform reached through bot accounts that connect and disconnect (QQ over OneBot).

    The outbox sends a message only through a connected account that is in its chat, waits
    while none is connected, and looks into a chat's history before re-sending a message whose
    send was cut off.
    """

    platform: str
    can_push: bool

    def accounts(self) -> list[str]:
        """The connected accounts, in the order they connected."""
        ...

    def route(self, chat_type: str, chat_id: str, prefer: str | None = None) -> str | None:
        """The connected account `send_private`/`send_group` use for a chat: `prefer` if it is
        connected; else one whose chats (from `chats_of`) include it; else one whose chats could
        not be listed; else the first. None if no account is connected."""
        ...

    async def chats_of(self, account: str) -> list[tuple[str, str]] | None:
        """(chat_type, chat_id) of every chat `account` can send to; None if it cannot tell."""
        ...

    async def send_via(self, account: str, chat_type: str, chat_id: str, text: str) -> str | None:
        """Send plain `text` to a chat through `account`; returns the message id."""
        ...

    async def find_sent(
        self, account: str, chat_type: str, chat_id: str, text: str, since: datetime
    ) -> str | None:
        """The id of `account`'s own message `text` in the chat since `since`; None if the
        history shows it was not sent. Raises SendError when the history cannot tell."""
        ...


class AccountChats:
    """Which chats each account of an `AccountChannel` was last listed in, and the account a
    send to a chat goes through (`AccountChannel.route`)."""

    def __init__(self) -> None:
        self._chats: dict[str, frozenset[tuple[str, str]]] = {}

    def listed(self, account: str, chats: Iterable[tuple[str, str]] | None) -> None:
        """Keep what `chats_of` found for `account`; None: its chats could not be listed."""
        if chats is None:
            self._chats.pop(account, None)
        else:
            self._chats[account] = frozenset(chats)

    def pick(
        self, connected: Sequence[str], chat_type: str, chat_id: str, prefer: str | None = None
    ) -> str | None:
        """Of the `connected` accounts: `prefer`; else the first listed in the chat; else the
        first whose chats could not be listed; else the first. None if none is connected."""
        if prefer and prefer in connected:
            return prefer
        chat = (chat_type, chat_id)
        in_chat = [a for a in connected if chat in self._chats.get(a, ())]
        unknown = [a for a in connected if a not in self._chats]
        for found in (in_chat, unknown, connected):
            if found:
                return found[0]
        return None


def account_for(channel: Channel, chat_type: str, chat_id: str, prefer: str | None = None) -> str:
    """The bot account a send through `channel` to the chat goes out from (what a record of the
    sent message keeps, so a quote of it is looked up with the quoting event's account); "" on a
    platform of one account, or with none connected. Pass it to the send as `account=`."""
    if isinstance(channel, AccountChannel):
        return channel.route(chat_type, chat_id, prefer) or ""
    return ""


async def tell_each(
    channel: Channel, people: Iterable[str], text: str, *, account: str | None = None
) -> list[str]:
    """Send `text` privately to each of `people` (admin notices), each through the account the
    channel picks for them (`account` if connected); returns who was told, logs who was not."""
    told = []
    for person in people:
        try:
            await channel.send_private(person, text, account=account)
        except (SendError, ValueError) as exc:  # ValueError: not an account number
            log.warning("could not tell %s on %s: %s", person, channel.platform, exc)
            continue
        told.append(person)
    return told


class PullOnlyChannel:
    """A platform where the bot only speaks when spoken to (e.g. the try-it web page)."""

    can_push = False

    def __init__(self, platform: str, *, polled: bool = False) -> None:
        self.platform = platform
        self.polled = polled
        """Its page asks for held messages every few seconds (the try page does): a held
        answer reaches an open page within seconds."""

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        """Always refused: nothing can be pushed here."""
        raise SendError(f"{self.platform} cannot push messages")

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        """Always refused: nothing can be pushed here."""
        raise SendError(f"{self.platform} cannot push messages")

"""One interface for sending on a platform; each platform brings its own strategy."""

from __future__ import annotations

from typing import Protocol


class SendError(Exception):
    """A send failed (not a friend, account offline, risk control…); the message was not delivered.

    `retcode`: the platform's error code, when it gave one (OneBot 1200: a send timed out, often
    risk control). `timeout`: the platform did not answer in time (network error, timeout); the
    outbox counts both toward pausing the account.
    """

    def __init__(self, message: str, *, retcode: int | None = None, timeout: bool = False) -> None:
        super().__init__(message)
        self.retcode = retcode
        self.timeout = timeout


class Channel(Protocol):
    """How the bot reaches people on one platform."""

    platform: str
    can_push: bool
    """Whether the bot may message someone unprompted, later. If not (the official QQ bot API, a
    WeChat window that closed, the web page), late answers wait for the youth's next message."""

    async def send_private(self, user_id: str, text: str) -> str | None:
        """Send `text` to one person; returns the platform message id. Raises SendError."""
        ...

    async def send_group(
        self, group_id: str, text: str, *, reply_to: str | None = None, at: str | None = None
    ) -> str | None:
        """Send `text` to a group, quoting `reply_to` and @-ing `at`; returns the message id."""
        ...


class PullOnlyChannel:
    """A platform where the bot only speaks when spoken to (e.g. the try-it web page)."""

    can_push = False

    def __init__(self, platform: str) -> None:
        self.platform = platform

    async def send_private(self, user_id: str, text: str) -> str | None:
        """Always refused: nothing can be pushed here."""
        raise SendError(f"{self.platform} cannot push messages")

    async def send_group(
        self, group_id: str, text: str, *, reply_to: str | None = None, at: str | None = None
    ) -> str | None:
        """Always refused: nothing can be pushed here."""
        raise SendError(f"{self.platform} cannot push messages")

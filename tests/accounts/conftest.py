"""Account-linking helpers: a sender talking to the one conversation, and the clock of codes."""

from __future__ import annotations

import itertools
import re

import pytest

from bot.chat.conversation import Bubble, Message
from bot.chat.features import conversation
from bot.runtime import Runtime
from tests.utils import Clock

_ids = itertools.count(1)


class Chat:
    """Says things to the conversation as one sender and keeps what it says back."""

    def __init__(self, runtime: Runtime, platform: str, sender: str, chat: str | None = None):
        self.runtime, self.platform, self.sender, self.chat = runtime, platform, sender, chat
        self.private: list[str] = []

    async def say(self, text: str) -> list[str]:
        out: list[Bubble] = []

        async def send(bubble: Bubble) -> str | None:
            (self.private.append(bubble.text) if bubble.private else out.append(bubble))
            return None

        message = Message(
            platform=self.platform,
            sender=self.sender,
            text=text,
            message_id=f"m{next(_ids)}",
            chat=self.chat,
            can_quote=self.platform != "qqbot",
        )
        await conversation(self.runtime).handle(message, send)
        return [b.text for b in out]


def code_in(text: str) -> str:
    """The code in the bot's /绑定码 reply."""
    found = re.search(r"绑定码：(\d{6})", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def links_clock(runtime: Runtime, clock: Clock) -> Clock:
    """The test clock, driving the codes' validity and the failure windows too."""
    runtime.links.clock = clock
    return clock

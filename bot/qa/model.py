"""What crosses the boundary between a chat platform and the Q&A service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum

from bot.common.text import clean_text
from bot.faq.model import FaqEntry
from bot.storage.inbound import DEFAULT_ACCOUNT, InboundKey


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message from a youth, already stripped of the @ of the bot. Its strings are passed
    through `clean_text` (NUL, control characters, lone surrogates) whatever the surface."""

    platform: str
    """qq | web (later: wechat)."""
    message_id: str
    user_id: str
    text: str
    group_id: str | None = None
    """None in private chat."""
    to_me: bool = True
    """The youth addressed the bot (@, a quote of the bot, or private chat)."""
    reply_to: str | None = None
    """The id of the message the youth quoted, if any."""
    nickname: str = ""
    """The youth's display name; only ever stored and shown masked."""
    account: str = DEFAULT_ACCOUNT
    """The bot account that received it (QQ: the bot's self_id; 服务号: its AppID)."""

    @property
    def inbound_key(self) -> InboundKey:
        """What makes this message unique (a re-delivery has the same key)."""
        return InboundKey.of(
            self.platform,
            self.message_id,
            user_id=self.user_id,
            group_id=self.group_id,
            account=self.account,
        )

    def __post_init__(self) -> None:
        # Every surface builds one of these: the one place its text is made storable.
        for name in ("message_id", "user_id", "text", "group_id", "reply_to", "nickname"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(value))

    @property
    def chat_key(self) -> str:
        """One key per conversation: the group, or the private chat with this user."""
        return (
            f"{self.platform}:g{self.group_id}"
            if self.group_id
            else f"{self.platform}:u{self.user_id}"
        )


class Outcome(str, Enum):
    """What became of a question."""

    ANSWERED = "answered"
    """The FAQ answered it directly."""
    SUGGESTED = "suggested"
    """Choices were offered; none picked yet."""
    CHOSEN = "chosen"
    """The youth picked one of the offered choices."""
    UNANSWERED = "unanswered"
    """Nothing fitted; it waits for a person."""
    CRISIS = "crisis"
    """Safety-critical: the hotline was given and people alerted."""
    HUMAN = "human"
    """A person (cadre or expert) answered it."""
    SMALL_TALK = "small_talk"
    """Small talk (你好, 谢谢): a short reply, no case."""
    OUT_OF_SCOPE = "out_of_scope"
    """Clearly outside the League's remit: told so kindly, recorded, no case unless 转人工."""


class ReplyKind(str, Enum):
    """What the bot says back."""

    ANSWER = "answer"
    SMALL_TALK = "small_talk"
    """A small-talk or out-of-scope entry's short reply (no feedback hint)."""
    SUGGEST = "suggest"
    UNANSWERED = "unanswered"
    CRISIS = "crisis"
    THANKS = "thanks"
    SORRY = "sorry"
    RATE_LIMITED = "rate_limited"
    TOO_LONG = "too_long"
    EMPTY = "empty"
    CHOICE_INVALID = "choice_invalid"
    HANDOVER = "handover"


@dataclass(frozen=True, slots=True)
class Reply:
    """The bot's reply: plain text (never markup) and the question it belongs to."""

    kind: ReplyKind
    text: str
    question_id: int | None = None
    entry: FaqEntry | None = None
    choices: tuple[FaqEntry, ...] = field(default=())
    follow_up: tuple[Callable[[], Awaitable[None]], ...] = field(
        default=(), compare=False, repr=False
    )
    """Work that waits until the youth has this reply (telling cadres of a new case); run by
    `QaService.sent`."""

    @property
    def remember(self) -> bool:
        """Whether a quote of this reply should find its question again (answers and choices)."""
        return self.question_id is not None and self.kind in (
            ReplyKind.ANSWER,
            ReplyKind.SUGGEST,
        )

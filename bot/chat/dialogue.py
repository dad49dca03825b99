"""Guided dialogues (e.g. /发布活动) whose state lives in the database.

A flow asks one thing at a time. Where it stands — the step it waits at and what was said so
far — is a row of `dialogues`, so the next answer may reach any process sharing the database, or
this one after a restart, and every surface (QQ, WeChat, WeCom, the web page) runs the same flow.
An answer is taken with a compare-and-set on the row's version before the step runs: one answer,
one step (and one broadcast), even if two processes received it.

While a dialogue waits, 退出 ends it and 帮助 repeats its question; any other command of the
registry runs as usual and ends the dialogue first (`leave`, with the flow's short note), so a
command is never taken as an answer (bot.chat.conversation decides which message is which).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete, select, update

from bot.chat.models import DialogueState
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

QUIT_WORDS = frozenset({"退出", "算了", "/退出"})
"""Said at any step, these end the dialogue (the flow tidies up and says so)."""
HELP_WORDS = frozenset({"帮助", "/帮助", "菜单", "/菜单", "help", "/help", "?", "？"})
"""Said at any step, these repeat the question instead of being taken as its answer."""
HELP_IN_DIALOGUE = "现在正在一步步填写，直接回复下面的问题就行；发“退出”可以放弃。"
EXIT_HINT = "（发送“退出”可随时退出）"
"""How to get out, said in the first question of every dialogue."""
ASKED = "_asked"
"""The key in a dialogue's stored state that keeps the last question asked (for HELP_WORDS)."""
DEFAULT_TTL = timedelta(minutes=30)
"""A dialogue left alone this long is over: the next message is an ordinary one."""


@dataclass(frozen=True, slots=True)
class ChatKey:
    """Whose dialogue: one person in one chat (a group, or private when `chat` is "")."""

    platform: str
    chat: str
    user_id: str


@dataclass(slots=True)
class Turn:
    """What a flow says, and where it goes: `step` next, or the end when None."""

    replies: list[str]
    step: str | None
    state: dict[str, Any] = field(default_factory=dict)


def is_control(text: str) -> bool:
    """Whether `text` is one of the words every dialogue takes itself (退出, 帮助)."""
    text = text.strip()
    return text in QUIT_WORDS or text.casefold() in HELP_WORDS


class Flow(Protocol):
    """A guided dialogue: its first question, each answer, and what quitting undoes (its reply
    is also the note said when a command ends the dialogue)."""

    kind: str
    ttl: timedelta | None
    """How long it waits for the next answer (None: the dialogues' default)."""

    async def begin(self, speaker: Any) -> Turn:
        """The first question (or a refusal, with step None)."""
        ...

    async def answer(self, speaker: Any, step: str, text: str, state: dict[str, Any]) -> Turn:
        """Take the answer `text` at `step`; re-asking keeps the step."""
        ...

    async def quit(self, speaker: Any, state: dict[str, Any]) -> str:
        """Undo what the dialogue made so far; the reply."""
        ...


class Dialogues:
    """Starts flows and feeds them answers, one row per person and chat."""

    def __init__(
        self,
        db: Database,
        flows: Mapping[str, Flow],
        clock: Callable[[], datetime] = utcnow,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.db = db
        self.flows = dict(flows)
        self.clock = clock
        self.ttl = ttl

    async def start(self, key: ChatKey, kind: str, speaker: Any) -> list[str]:
        """Begin `kind` for `key` (replacing a dialogue under way); the replies."""
        turn = await self.flows[kind].begin(speaker)
        async with self.db.session() as session:
            await session.execute(
                delete(DialogueState).where(DialogueState.expires_at <= self.clock())
            )
            await session.execute(delete(DialogueState).where(*self._where(key)))
            if turn.step is not None:
                session.add(
                    DialogueState(
                        platform=key.platform,
                        chat=key.chat,
                        user_id=key.user_id,
                        kind=kind,
                        step=turn.step,
                        state=_asking(turn.state, turn.replies),
                        version=0,
                        expires_at=self.clock() + self._ttl(kind),
                    )
                )
        return turn.replies

    async def begin_at(
        self, key: ChatKey, kind: str, step: str, state: dict[str, Any], asked: str = ""
    ) -> None:
        """Begin `kind` for `key` waiting at `step` with `state` (a flow started by a command
        that already asked its first question `asked`, e.g. /心愿 in a group asking in private)."""
        async with self.db.session() as session:
            await session.execute(delete(DialogueState).where(*self._where(key)))
            session.add(
                DialogueState(
                    platform=key.platform,
                    chat=key.chat,
                    user_id=key.user_id,
                    kind=kind,
                    step=step,
                    state=_asking(state, [asked] if asked else []),
                    version=0,
                    expires_at=self.clock() + self._ttl(kind),
                )
            )

    async def active(self, key: ChatKey) -> bool:
        """Whether a dialogue waits for `key`'s next message."""
        return await self._current(key) is not None

    async def answer(self, key: ChatKey, speaker: Any, text: str) -> list[str] | None:
        """Feed `text` to `key`'s dialogue; its replies, or None when none is under way (or
        another process took this very answer first)."""
        row = await self._current(key)
        if row is None:
            return None
        flow = self.flows.get(row.kind)
        if flow is None:  # a flow this version no longer has
            await self.end(key)
            return None
        text = text.strip()
        if text in QUIT_WORDS:
            note = await self._quit(key, row, flow, speaker)
            return None if note is None else [note]
        if text.casefold() in HELP_WORDS:
            asked = (row.state or {}).get(ASKED)
            return [f"{HELP_IN_DIALOGUE}\n{asked}" if asked else HELP_IN_DIALOGUE]
        # Take the answer first (the version moves on), then act: of two processes that got
        # the same answer, only one runs the step and its side effects (a broadcast).
        if not await self._advance(key, row.version, row.step, row.state, row.kind):
            log.info("dialogue %s of %s: answer taken by another process", row.kind, key)
            return None
        turn = await flow.answer(speaker, row.step, text, dict(row.state))
        await self._advance(
            key, row.version + 1, turn.step, _asking(turn.state, turn.replies), row.kind
        )
        return turn.replies

    async def leave(self, key: ChatKey, speaker: Any) -> str | None:
        """End `key`'s dialogue because the sender did something else (a command): the flow
        undoes what it made, as for 退出; its note, or None when none was under way (or another
        process ended it first)."""
        row = await self._current(key)
        if row is None:
            return None
        flow = self.flows.get(row.kind)
        if flow is None:
            await self.end(key)
            return None
        return await self._quit(key, row, flow, speaker)

    async def _quit(self, key: ChatKey, row: DialogueState, flow: Flow, speaker: Any) -> str | None:
        if not await self._advance(key, row.version, None, {}):
            return None  # another process took this very message
        return await flow.quit(speaker, dict(row.state))

    def _ttl(self, kind: str) -> timedelta:
        flow = self.flows.get(kind)
        return getattr(flow, "ttl", None) or self.ttl

    async def end(self, key: ChatKey) -> None:
        """Forget `key`'s dialogue, if any."""
        async with self.db.session() as session:
            await session.execute(delete(DialogueState).where(*self._where(key)))

    async def sweep(self) -> int:
        """Delete dialogues past their time; how many."""
        async with self.db.session() as session:
            result = await session.execute(
                delete(DialogueState).where(DialogueState.expires_at <= self.clock())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _current(self, key: ChatKey) -> DialogueState | None:
        async with self.db.session() as session:
            return await session.scalar(
                select(DialogueState).where(
                    *self._where(key), DialogueState.expires_at > self.clock()
                )
            )

    async def _advance(
        self,
        key: ChatKey,
        version: int,
        step: str | None,
        state: dict[str, Any],
        kind: str = "",
    ) -> bool:
        """Move the row from `version` on (to `step`, or delete it at the end); False if the
        row is no longer at `version`."""
        where = (*self._where(key), DialogueState.version == version)
        async with self.db.session() as session:
            if step is None:
                result = await session.execute(delete(DialogueState).where(*where))
            else:
                result = await session.execute(
                    update(DialogueState)
                    .where(*where)
                    .values(
                        step=step,
                        state=state,
                        version=version + 1,
                        expires_at=self.clock() + self._ttl(kind),
                    )
                )
        return bool(getattr(result, "rowcount", 0))

    @staticmethod
    def _where(key: ChatKey) -> tuple[Any, ...]:
        return (
            DialogueState.platform == key.platform,
            DialogueState.chat == key.chat,
            DialogueState.user_id == key.user_id,
        )


def _asking(state: dict[str, Any], replies: list[str]) -> dict[str, Any]:
    """`state` with the last of `replies` kept as the question being asked."""
    return {**state, ASKED: replies[-1]} if replies else dict(state)

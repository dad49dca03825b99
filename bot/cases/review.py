"""Admins review the FAQ entries cadres learned with /入库: list, approve (maybe edited), reject.

A learned entry answers youths only once approved (unless FAQ_LEARNED_AUTO_PUBLISH is on). The
review state lives in faq_data/faq/learned.yaml itself (see `bot.cases.learn`); each decision is
written there, the FAQ reloads, and the decision is logged in the case's event log (who, when).
Chat commands and, later, the admin console call this service.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.cases import texts
from bot.cases.learn import (
    REVIEW_TAG,
    Entries,
    LearnedFileError,
    change_learned_entries,
    read_learned_entries,
    scope_of_case,
)
from bot.cases.models import Case, CaseEvent, CaseEventKind
from bot.cases.service import CaseError
from bot.chat.speaker import Speaker
from bot.delivery.channel import Channel, SendError
from bot.faq.service import FaqService
from bot.grid.service import GridService
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow

log = logging.getLogger(__name__)

_CASE_NUMBER = re.compile(r"#?(\d+)")
LEARNED_FILE = Path("faq") / "learned.yaml"
"""Where /入库 writes, relative to FAQ_DIR."""


@dataclass(frozen=True, slots=True)
class LearnedEntry:
    """One learned FAQ entry as the file holds it."""

    id: str
    question: str
    answer: str
    pending: bool
    orgs: tuple[str, ...] = ()
    """Where it answers (see `bot.cases.learn.scope_of_case`); empty: everywhere."""

    @property
    def ref(self) -> str:
        """How admins name it in commands: the case number for `learned-N`, else the id."""
        number = self.id.removeprefix("learned-")
        return f"#{number}" if number.isdigit() and number != self.id else self.id


def learned_path(settings: Settings) -> Path:
    """The learned-entries file of these settings."""
    return settings.faq_dir / LEARNED_FILE


def _entry(raw: dict[str, Any]) -> LearnedEntry:
    tags = raw.get("tags") or []
    return LearnedEntry(
        id=str(raw.get("id", "")),
        question=str(raw.get("question", "")),
        answer=str(raw.get("answer", "")),
        pending=REVIEW_TAG in tags if isinstance(tags, list) else False,
        orgs=tuple(str(org) for org in orgs) if isinstance(orgs := raw.get("orgs"), list) else (),
    )


def entry_id_of(ref: str) -> str:
    """The entry id an admin means: `12` or `#12` is case 12's entry `learned-12`."""
    ref = ref.strip()
    match = _CASE_NUMBER.fullmatch(ref)
    return f"learned-{match.group(1)}" if match else ref


class LearnedReview:
    """Listing, approving and rejecting learned entries; only admins may decide."""

    def __init__(
        self,
        db: Database,
        faq: FaqService,
        grid: GridService,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        channels: Mapping[str, Channel] | None = None,
    ) -> None:
        self.db = db
        self.faq = faq
        self.grid = grid
        self.settings = settings
        self.clock = clock
        self.channels = dict(channels or {})

    @property
    def path(self) -> Path:
        """The file under review."""
        return learned_path(self.settings)

    def may_review(self, actor: Speaker) -> bool:
        """SUPERUSERS and the grid's admins review learned entries."""
        return actor.is_admin or (
            actor.person is not None and self.grid.grid.is_admin(actor.person)
        )

    def _require(self, actor: Speaker) -> None:
        if not self.may_review(actor):
            raise CaseError(texts.NOT_REVIEWER)

    async def pending(self, actor: Speaker) -> list[LearnedEntry]:
        """Entries waiting for review, in the order they were learned."""
        self._require(actor)
        return [entry for entry in await self._read() if entry.pending]

    async def tell_reviewers(self, entry_id: str, actor: Speaker) -> int:
        """Tell the grid's admins privately that `entry_id` waits for them; returns how many
        were reached. (SUPERUSERS outside the grid see it with /待审核.)"""
        found = [e for e in await self._read() if e.id == entry_id and e.pending]
        if not found:
            return 0
        entry = found[0]
        who = actor.person.name if actor.person else actor.account
        text = texts.REVIEW_NEEDED.format(
            ref=entry.ref,
            who=who,
            question=entry.question,
            answer=entry.answer.strip(),
            scope=self.scope(entry),
        )
        told = 0
        for person in self.grid.grid.people.values():
            if not self.grid.grid.is_admin(person):
                continue
            for platform in ("qq", "wecom"):
                account = person.account(platform)
                channel = self.channels.get(platform)
                if channel is None or not account:
                    continue
                try:
                    await channel.send_private(account, text)
                except SendError as exc:
                    log.warning("could not tell admin %s about %s: %s", person.id, entry_id, exc)
                    continue
                told += 1
                break
        return told

    def scope(self, entry: LearnedEntry) -> str:
        """Where `entry` answers, as its reviewers read it."""
        orgs = self.grid.grid.orgs
        return texts.scope([orgs[org].name if org in orgs else org for org in entry.orgs])

    async def _read(self) -> list[LearnedEntry]:
        try:
            raw = await asyncio.get_running_loop().run_in_executor(
                None, read_learned_entries, self.path
            )
        except LearnedFileError as exc:
            raise CaseError(texts.LEARNED_FILE_BROKEN.format(error=exc)) from exc
        return [_entry(item) for item in raw]

    async def approve(self, actor: Speaker, ref: str, answer: str = "") -> LearnedEntry:
        """Serve entry `ref` from now on, with `answer` instead of the cadre's if given."""
        self._require(actor)
        entry_id = entry_id_of(ref)
        scope = await self._case_scope(entry_id)

        def change(entries: Entries) -> LearnedEntry:
            raw = _pending_entry(entries, entry_id)
            raw["tags"] = [tag for tag in raw.get("tags") or [] if tag != REVIEW_TAG]
            if answer:
                raw["answer"] = answer
            if "orgs" not in raw and scope:
                # Learned before entries carried their case's org: scoped now, as /入库 does.
                raw["orgs"] = scope
            return _entry(raw)

        entry = await self._change(change)
        await self._decided(entry, actor, CaseEventKind.APPROVED, edited=bool(answer))
        return entry

    async def _case_scope(self, entry_id: str) -> list[str]:
        """Where the entry learned from a case answers (none if no case made it)."""
        async with self.db.session() as session:
            case = await session.scalar(select(Case).where(Case.learned_entry_id == entry_id))
        if case is None:
            return []
        roots = [org.id for org in self.grid.grid.orgs.values() if not org.parent]
        return scope_of_case(case.origin_org_id, case.org_id, roots)

    async def reject(self, actor: Speaker, ref: str, reason: str = "") -> LearnedEntry:
        """Delete entry `ref` from the file; its case may be learned again."""
        self._require(actor)
        entry_id = entry_id_of(ref)

        def change(entries: Entries) -> LearnedEntry:
            raw = _pending_entry(entries, entry_id)
            entries.remove(raw)
            return _entry(raw)

        entry = await self._change(change)
        await self._decided(entry, actor, CaseEventKind.REJECTED, reason=reason)
        return entry

    async def _change(self, change: Callable[[Entries], LearnedEntry]) -> LearnedEntry:
        try:
            return await asyncio.get_running_loop().run_in_executor(
                None, change_learned_entries, self.path, change
            )
        except LearnedFileError as exc:
            raise CaseError(texts.LEARNED_FILE_BROKEN.format(error=exc)) from exc

    async def _decided(
        self, entry: LearnedEntry, actor: Speaker, kind: CaseEventKind, **detail: object
    ) -> None:
        """Log the decision in the entry's case (who, when), then serve the new file."""
        async with self.db.session() as session:
            case = await session.scalar(select(Case).where(Case.learned_entry_id == entry.id))
            if case is not None:
                if kind is CaseEventKind.REJECTED:
                    case.learned_entry_id = None
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        kind=kind.value,
                        actor=actor.id,
                        detail={"entry": entry.id, **detail},
                        at=self.clock(),
                    )
                )
        log.info("learned entry %s %s by %s", entry.id, kind.value, actor.id)
        await self.faq.reload(reason=f"{kind.value} {entry.id}")


def _pending_entry(entries: Entries, entry_id: str) -> dict[str, Any]:
    """The raw entry `entry_id` if it waits for review; a refusal the admin can act on if not."""
    for raw in entries:
        if str(raw.get("id", "")) == entry_id:
            if not _entry(raw).pending:
                raise CaseError(texts.NOT_PENDING.format(entry=entry_id))
            return raw
    raise CaseError(texts.UNKNOWN_LEARNED.format(entry=entry_id))

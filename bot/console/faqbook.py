"""The FAQ as the console lists it to a signed-in account: entries by file and tag, with a text
filter; an entry scoped to orgs (`FaqEntry.orgs`) only to those who see one of them.

It reads the index being served, so what the page lists is what chat answers from; learned
entries still waiting for review are not served and are on the review page instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.faq.model import FaqEntry

PAGE_SIZE = 200
"""Most entries listed at once; the filters narrow the rest down."""


@dataclass(frozen=True, slots=True)
class Shelf:
    """What the FAQ page shows: the files and tags with their counts, and the chosen entries."""

    files: list[tuple[str, int]]
    tags: list[tuple[str, int]]
    entries: list[FaqEntry]
    matched: int
    """How many entries the filters let through (`entries` holds at most PAGE_SIZE of them)."""
    total: int


def file_of(entry: FaqEntry) -> str:
    """The file an entry was read from (`fee.yaml` of `fee.yaml:12`)."""
    return entry.source.rsplit(":", 1)[0] if entry.source else ""


def shelf(
    entries: Iterable[FaqEntry],
    orgs: Collection[str] | None,
    file: str = "",
    tag: str = "",
    text: str = "",
) -> Shelf:
    """Of the entries unscoped or scoped to one of `orgs` (None: all; see
    `Viewer.answered_orgs`), those of `file` carrying `tag` whose id, question, similar
    questions or answer contain `text` (each filter ignored when empty), in file order. Counts
    and totals are of those `orgs` let through: the others are not hinted at."""
    every = [
        entry
        for entry in entries
        if orgs is None or not entry.orgs or any(org in orgs for org in entry.orgs)
    ]
    files = Counter(file_of(entry) for entry in every)
    tags = Counter(tag for entry in every for tag in entry.tags)
    folded = text.casefold()
    chosen = [
        entry
        for entry in every
        if (not file or file_of(entry) == file)
        and (not tag or tag in entry.tags)
        and (not folded or any(folded in part.casefold() for part in _texts(entry)))
    ]
    return Shelf(
        files=sorted(files.items()),
        tags=sorted(tags.items(), key=lambda item: (-item[1], item[0])),
        entries=chosen[:PAGE_SIZE],
        matched=len(chosen),
        total=len(every),
    )


def _texts(entry: FaqEntry) -> tuple[str, ...]:
    return (entry.id, *entry.questions, entry.answer)

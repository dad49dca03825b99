"""faq_data/faq/learned.yaml: the FAQ entries cadres made with /入库, and their review state.

The file is the source of truth. An entry tagged 待审核 (`bot.faq.model.REVIEW_TAG`) waits for an
admin: the loader reads and checks it, the index leaves it out. Approving removes the tag,
rejecting removes the entry. Every change rewrites the file atomically under a lock file, so a
reload never sees half a file and two writers (two processes too) never lose each other's entry.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.faq.model import REVIEW_TAG

__all__ = [
    "REVIEW_TAG",
    "LearnedFileError",
    "append_learned_entry",
    "change_learned_entries",
    "learned_text",
    "locked",
    "read_learned_entries",
    "replace_text",
    "scope_of_case",
]

HEADER = (
    "# 由团干部在聊天中用 /入库 生成的问答；added- 开头的由管理员在后台“待补充”页新建。\n"
    "# 标签“待审核”的条目还不会回答用户，管理员发送 /通过 编号 或删掉“待审核”标签后生效；\n"
    "# /驳回 编号 删除条目。\n"
)

Entries = list[dict[str, Any]]
_T = TypeVar("_T")


class LearnedFileError(Exception):
    """The file cannot be read as a list of entries (e.g. an admin's edit broke it); nothing
    is written until it is fixed. The message says where, for `python -m bot.faq check`."""


def scope_of_case(origin_org_id: str | None, org_id: str | None, roots: Sequence[str]) -> list[str]:
    """The orgs a case's learned entry answers: the org the question came from (so that org
    and the orgs below it); if it came from no known org, the org that took the case; if none
    took it, the top of the grid (`roots`: every chat of a known org, never one of none)."""
    org = origin_org_id or org_id
    return [org] if org else list(roots)


def read_learned_entries(path: Path) -> Entries:
    """The entries of `path` as plain mappings (none if the file is missing or empty)."""
    if not path.exists():
        return []
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LearnedFileError(
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        ) from exc
    entries = loaded.get("entries") if isinstance(loaded, dict) else loaded
    if not isinstance(entries, list | None):
        raise LearnedFileError("entries 应为条目列表")
    return [entry for entry in entries or [] if isinstance(entry, dict)]


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`'s lock file (ignored by the loader: it starts with .).
    Every writer of a file under faq_data/ takes it, so two writers never lose a change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def learned_text(entries: Entries) -> str:
    """The file's text holding `entries`, as every change writes it."""
    body = yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body


def replace_text(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a reload sees the old file or the new, never half)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _write(path: Path, entries: Entries) -> None:
    replace_text(path, learned_text(entries))


def change_learned_entries(path: Path, change: Callable[[Entries], _T]) -> _T:
    """Read `path`, let `change` edit its entries in place, write them back atomically.

    Blocking (file lock and I/O): run it in an executor from async code. Returns what `change`
    returns; if `change` raises, the file is left as it was.
    """
    with locked(path):
        entries = read_learned_entries(path)
        result = change(entries)
        _write(path, entries)
        return result


def append_learned_entry(
    path: Path,
    entry_id: str,
    question: str,
    similar: list[str],
    answer: str,
    *,
    pending: bool = True,
    orgs: Sequence[str] = (),
) -> None:
    """Add one entry to `path` (created if missing); `pending`: tagged 待审核, not served yet;
    `orgs`: where it answers (its case's org: that org and those below it; empty: everywhere)."""
    seen = {question}
    unique_similar = [q for q in similar if not (q in seen or seen.add(q))]
    entry = {
        "id": entry_id,
        "question": question,
        "similar": unique_similar,
        "answer": answer,
        "tags": [REVIEW_TAG] if pending else [],
    }
    if orgs:
        entry["orgs"] = list(orgs)
    change_learned_entries(path, lambda entries: entries.append(entry))

"""Edits of the FAQ files made from the console: a new way of asking added to an entry, a new
entry.

The files stay the source of truth: an edit changes the file the entry lives in (a YAML file is
edited as text, so the admins' comments, order and layout stay as they wrote them), then the FAQ
reloads. An edit is refused, with nothing written, when the file would not load cleanly (the
loader's own check: the message names the file, the line and the field); and when the reload
after writing is rejected (another file is broken), the edit is undone, so the index being
served and the files never disagree.

New entries go to faq/learned.yaml through the writer of /入库 (`bot.cases.learn`), served at
once (an admin wrote them). Every writer takes the same lock file per FAQ file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.cases.learn import (
    LearnedFileError,
    change_learned_entries,
    learned_text,
    locked,
    replace_text,
)
from bot.common.issues import FileIssue
from bot.common.yaml_source import is_null
from bot.faq.loader import FIELD_ALIASES, YAML_SUFFIXES, load_faq_dir
from bot.faq.model import FaqEntry
from bot.faq.normalize import normalize
from bot.faq.service import FaqService

log = logging.getLogger(__name__)

NEW_ENTRIES = "faq/learned.yaml"
"""Where new entries go (relative to FAQ_DIR): the learned entries' file."""
NEW_ID_PREFIX = "added-"
MAX_QUESTION_CHARS = 200
MAX_ANSWER_CHARS = 2000
ISSUES_SHOWN = 3
OWNER_CANDIDATES = 10
"""Matches searched for an entry that already has a phrasing."""

_ID = re.compile(rf"{NEW_ID_PREFIX}(\d+)")


class FaqWriteError(ValueError):
    """An edit that was not made; the message says why, in Chinese, for the admin."""


@dataclass(frozen=True, slots=True)
class Written:
    """An edit that is served now."""

    entry_id: str
    file: str
    """The file changed, relative to FAQ_DIR (`faq/fee.yaml`)."""
    entries: int
    """Entries served after the reload."""


def _issues_text(issues: Iterable[FileIssue]) -> str:
    found = list(issues)
    shown = "；".join(str(issue) for issue in found[:ISSUES_SHOWN])
    more = f"（另有 {len(found) - ISSUES_SHOWN} 处）" if len(found) > ISSUES_SHOWN else ""
    return shown + more


def check_text(rel: str, text: str) -> list[FileIssue]:
    """The errors the loader finds in `text` as the file `rel` (relative to FAQ_DIR)."""
    with tempfile.TemporaryDirectory(prefix="faq-check-") as folder:
        target = Path(folder) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="")
        result = load_faq_dir(Path(folder))
    return [issue for issue in result.errors if issue.file == rel]


def _checked(rel: str, text: str) -> str:
    errors = check_text(rel, text)
    if errors:
        raise FaqWriteError(f"没有写入：改后的文件不能通过检查。{_issues_text(errors)}")
    return text


# ---- a YAML file edited as text --------------------------------------------------------------


def _quoted(text: str) -> str:
    """`text` as a YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _field(item: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key, value in item.value:
        if FIELD_ALIASES.get(str(key.value).strip().lower()) == name:
            return key, value
    return None


def _entry_node(root: yaml.Node | None, entry_id: str) -> yaml.MappingNode | None:
    if isinstance(root, yaml.MappingNode):
        root = next((v for k, v in root.value if k.value == "entries"), None)
    if not isinstance(root, yaml.SequenceNode):
        return None
    for item in root.value:
        if isinstance(item, yaml.MappingNode):
            found = _field(item, "id")
            if found and isinstance(found[1], yaml.ScalarNode) and found[1].value == entry_id:
                return item
    return None


def _line_after(text: str, index: int) -> int:
    """Where the line after the one holding `index` starts (the end if there is none)."""
    if index > 0 and text[index - 1] == "\n":
        return index  # a block scalar ends at the start of the next line
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def yaml_with_similar(text: str, entry_id: str, phrasing: str) -> str:
    """`text` (a YAML FAQ file) with `phrasing` added to entry `entry_id`'s similar questions;
    everything else stays as written."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # marks index characters of `text`
    except yaml.YAMLError as exc:
        raise FaqWriteError("没有写入：这个文件现在有 YAML 格式错误，请先修好它") from exc
    item = _entry_node(root, entry_id)
    if item is None or item.flow_style:
        raise FaqWriteError(
            f"没有写入：在文件里找不到条目 {entry_id}（或它写成了一行），请手工添加"
        )
    newline = "\r\n" if "\r\n" in text else "\n"
    quoted = _quoted(phrasing)
    found = _field(item, "similar")
    if found is None:
        question = _field(item, "question")
        if question is None:
            raise FaqWriteError(f"没有写入：条目 {entry_id} 缺少问题（question）")
        key, value = question
        at = _line_after(text, value.end_mark.index)
        line = f"{' ' * key.start_mark.column}{key_name(key)}: [{quoted}]{newline}"
        if at == len(text) and text and not text.endswith("\n"):
            line = newline + line
        return text[:at] + line + text[at:]
    key, value = found
    if is_null(value) and value.start_mark.index == value.end_mark.index:
        at = value.start_mark.index
        return f"{text[:at]} [{quoted}]{text[at:]}"
    if not isinstance(value, yaml.SequenceNode):
        raise FaqWriteError(f"没有写入：条目 {entry_id} 的相似问题不是列表，请先在文件里改正")
    if value.flow_style:
        close = value.end_mark.index - 1  # the "]"
        separator = ", " if value.value else ""
        return text[:close] + separator + quoted + text[close:]
    first, last = value.value[0], value.value[-1]
    line_start = text.rfind("\n", 0, first.start_mark.index) + 1
    dash = text.rfind("-", line_start, first.start_mark.index)
    column = dash - line_start if dash >= 0 else first.start_mark.column
    at = _line_after(text, last.end_mark.index)
    line = f"{' ' * column}- {quoted}{newline}"
    if at == len(text) and not text.endswith("\n"):
        line = newline + line
    return text[:at] + line + text[at:]


def key_name(key: yaml.Node) -> str:
    """What the admin calls the similar-questions key beside `key` (相似问题 in a file with
    Chinese keys)."""
    return "相似问题" if str(key.value).strip() in ("问题", "标准问题") else "similar"


# ---- the blocking edits (run in an executor) -------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FaqWriteError("没有写入：这个文件不是 UTF-8 编码，请在文件里手工添加") from exc


def _learned_edit(
    path: Path, rel: str, change: Callable[[list[dict[str, Any]]], None]
) -> tuple[str, str]:
    """Change the learned entries through their writer; (old text, new text)."""

    def checked(entries: list[dict[str, Any]]) -> tuple[str, str]:
        old = _read(path) if path.exists() else ""
        change(entries)
        return old, _checked(rel, learned_text(entries))

    try:
        return change_learned_entries(path, checked)
    except LearnedFileError as exc:
        raise FaqWriteError(f"没有写入：{rel} 现在读不出来（{exc}），请先修好它") from exc


def add_similar_blocking(faq_dir: Path, entry: FaqEntry, phrasing: str) -> tuple[str, str, str]:
    """Add `phrasing` to `entry`'s similar questions in its file; (file, old text, new text)."""
    rel = entry.source.rpartition(":")[0]
    path = faq_dir / rel
    if not rel or not path.is_file():
        raise FaqWriteError(f"没有写入：找不到条目 {entry.id} 所在的文件")
    if rel == NEW_ENTRIES:

        def change(entries: list[dict[str, Any]]) -> None:
            raw = next((e for e in entries if str(e.get("id", "")) == entry.id), None)
            if raw is None:
                raise FaqWriteError(f"没有写入：在 {rel} 里找不到条目 {entry.id}")
            similar = raw.get("similar") or []
            if not isinstance(similar, list):
                raise FaqWriteError(
                    f"没有写入：条目 {entry.id} 的相似问题不是列表，请先在文件里改正"
                )
            raw["similar"] = [*similar, phrasing]

        old, new = _learned_edit(path, rel, change)
        return rel, old, new
    if path.suffix.lower() not in YAML_SUFFIXES:
        raise FaqWriteError(
            f"没有写入：条目 {entry.id} 在表格文件 {rel} 里，后台只改写 YAML 文件；"
            f"请在表格这一条的相似问题里加上“{phrasing}”"
        )
    with locked(path):
        old = _read(path)
        new = _checked(rel, yaml_with_similar(old, entry.id, phrasing))
        replace_text(path, new)
    return rel, old, new


def add_entry_blocking(
    faq_dir: Path, known: Callable[[str], bool], entry: dict[str, Any]
) -> tuple[str, str, str, str]:
    """Add a new entry (its id numbered here) to the learned entries' file; (id, file, old
    text, new text). `known`: whether an id is taken elsewhere."""
    path = faq_dir / NEW_ENTRIES
    made: list[str] = []

    def change(entries: list[dict[str, Any]]) -> None:
        taken = [int(m.group(1)) for e in entries if (m := _ID.fullmatch(str(e.get("id", ""))))]
        number = max(taken, default=0) + 1
        while known(f"{NEW_ID_PREFIX}{number}"):
            number += 1
        made.append(f"{NEW_ID_PREFIX}{number}")
        entries.append({"id": made[0], **entry})

    old, new = _learned_edit(path, NEW_ENTRIES, change)
    return made[0], NEW_ENTRIES, old, new


def restore_blocking(path: Path, written: str, old: str) -> bool:
    """Put `old` back in `path` if it still holds what the edit wrote; whether it did."""
    with locked(path):
        if not path.exists() or _read(path) != written:
            return False
        if old:
            replace_text(path, old)
        else:
            path.unlink()
        return True


# ---- the service -----------------------------------------------------------------------------


def _clean(text: str, limit: int, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise FaqWriteError(f"{what}不能为空")
    if len(text) > limit:
        raise FaqWriteError(f"{what}最多 {limit} 个字")
    return text


class FaqWriter:
    """Edits the FAQ files and serves them: add a way of asking, add an entry."""

    def __init__(self, faq: FaqService, faq_dir: Path) -> None:
        self.faq = faq
        self.faq_dir = faq_dir

    def _owner_of(self, phrasing: str) -> FaqEntry | None:
        """The served entry that already has `phrasing` (normalised) as a question: one of the
        best matches of a search, so it stays cheap at 100k entries."""
        wanted = normalize(phrasing)
        for match in self.faq.index.search(phrasing, OWNER_CANDIDATES):
            if any(normalize(q) == wanted for q in match.entry.questions):
                return match.entry
        return None

    async def add_similar(self, entry_id: str, phrasing: str) -> Written:
        """Add `phrasing` as a similar question of served entry `entry_id`."""
        phrasing = _clean(phrasing, MAX_QUESTION_CHARS, "问法")
        entry = self.faq.get(entry_id.strip())
        if entry is None:
            raise FaqWriteError(f"问答库里没有条目 {entry_id.strip() or '（未填写）'}")
        owner = self._owner_of(phrasing)
        if owner is not None:
            raise FaqWriteError(f"“{phrasing}”已经是条目 {owner.id} 的问法")
        loop = asyncio.get_running_loop()
        try:
            rel, old, new = await loop.run_in_executor(
                None, add_similar_blocking, self.faq_dir, entry, phrasing
            )
        except OSError as exc:
            raise FaqWriteError(f"没有写入：无法写文件（{exc.strerror or exc}）") from exc
        return await self._serve(entry.id, rel, old, new, f"similar {entry.id}")

    async def add_entry(
        self, question: str, answer: str, similar: Iterable[str] = (), tags: Iterable[str] = ()
    ) -> Written:
        """Add a new entry (question, answer, other ways of asking, tags), served at once."""
        question = _clean(question, MAX_QUESTION_CHARS, "问题")
        answer = answer.strip()
        if not answer:
            raise FaqWriteError("答案不能为空")
        if len(answer) > MAX_ANSWER_CHARS:
            raise FaqWriteError(f"答案最多 {MAX_ANSWER_CHARS} 个字")
        owner = self._owner_of(question)
        if owner is not None:
            raise FaqWriteError(f"“{question}”已经是条目 {owner.id} 的问法，请加到那一条")
        others = [
            q
            for q in dict.fromkeys(" ".join(s.split()) for s in similar)
            if q and q != question and len(q) <= MAX_QUESTION_CHARS and self._owner_of(q) is None
        ]
        raw: dict[str, Any] = {"question": question, "similar": others, "answer": answer}
        raw["tags"] = [t for t in dict.fromkeys(t.strip() for t in tags) if t]
        loop = asyncio.get_running_loop()
        try:
            entry_id, rel, old, new = await loop.run_in_executor(
                None, add_entry_blocking, self.faq_dir, lambda i: self.faq.get(i) is not None, raw
            )
        except OSError as exc:
            raise FaqWriteError(f"没有写入：无法写文件（{exc.strerror or exc}）") from exc
        return await self._serve(entry_id, rel, old, new, f"new {entry_id}")

    async def _serve(self, entry_id: str, rel: str, old: str, new: str, reason: str) -> Written:
        """Reload; when the reload is rejected (another file is broken), undo the edit."""
        report = await self.faq.reload(reason=f"console: {reason}")
        if report.applied and report.ok:
            return Written(entry_id, rel, report.entries)
        loop = asyncio.get_running_loop()
        undone = await loop.run_in_executor(None, restore_blocking, self.faq_dir / rel, new, old)
        if undone:
            await self.faq.reload(reason=f"console: undo {reason}")
        log.warning("console FAQ edit %s: the reload was rejected (undone: %s)", reason, undone)
        what = "已撤销" if undone else f"{rel} 已被再次修改，没有撤销"
        raise FaqWriteError(
            f"没有生效，{what}：问答库的其他文件有错误，重新加载被拒绝，机器人仍在用原来的问答库。"
            + _issues_text(report.errors)
        )

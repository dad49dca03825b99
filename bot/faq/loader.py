"""Read and validate the admin-edited FAQ folder (`faq_data/`).

Layout of the folder (paths are relative to it)::

    faq/**/*.yaml, faq/**/*.yml   FAQ entries (YAML)
    faq/**/*.csv                  FAQ entries (one row each; UTF-8 with or without BOM, or GBK/GB18030)
    faq/**/*.xlsx                 FAQ entries (first sheet, one row each)
    userdict.txt                  jieba user dictionary: `word [freq] [pos]` a line, `#` comments
    synonyms.yaml                 `synonyms: {canonical: [variant, ...]}`

Files and folders whose name starts with `_`, `.` or `~$` (Excel lock files) are ignored.

A YAML FAQ file holds either a top-level list of entries or a mapping with an `entries:` list::

    entries:
      - id: league-fee-how          # unique across all files; kept as written (`001` stays `001`)
        question: 团费怎么交？        # required
        similar: [怎么交团费, 团费在哪交]  # optional list of other ways to ask
        answer: |                   # required; line breaks are kept
          在“智慧团建”……
        tags: [团费]                 # optional list
        orgs: [city-01]             # optional org scope; empty means everywhere
        source: 团章第一条            # optional: the document, article or notice it rests on
        reviewed: 2026-12-01        # optional: when it was last checked against its source

CSV and XLSX files have a header row naming the columns `id, question, similar, answer, tags,
orgs, source, reviewed` (or 编号, 问题, 相似问题, 答案, 标签, 适用组织, 依据, 核对日期); only id,
question and answer are required.
A multi-valued cell separates its values by line breaks, `|`, `;` or `；`.

Nothing here raises on bad content: every problem becomes a `FileIssue` naming the file, the
line and the field, in Chinese, so admins can fix it. An entry with an error is left out; a file
with an error is reported by `LoadResult.error_files`, so a caller can leave out the whole file.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from rapidfuzz import fuzz, process

from bot.common.files import decode_text
from bot.common.folder import AdminFolder
from bot.common.issues import FileIssue, IssueCollector
from bot.common.spreadsheet import sheet_rows
from bot.common.yaml_source import compose_yaml, is_null, node_line
from bot.faq.model import FaqEntry, Lexicon
from bot.faq.normalize import normalize
from bot.faq.provenance import parse_reviewed

logger = logging.getLogger(__name__)

FAQ_SUBDIR = "faq"
USERDICT_FILE = "userdict.txt"
SYNONYMS_FILE = "synonyms.yaml"
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
TABLE_SUFFIXES = frozenset({".csv", ".xlsx"})
FAQ_SUFFIXES = YAML_SUFFIXES | TABLE_SUFFIXES
UNSUPPORTED_SUFFIXES = frozenset({".xls"})
FAQ_FILES = AdminFolder(
    FAQ_SUBDIR,
    FAQ_SUFFIXES,
    UNSUPPORTED_SUFFIXES,
    "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx；此文件已忽略",
    top_files=frozenset({USERDICT_FILE, SYNONYMS_FILE}),
)
"""The FAQ files under faq/, and the dictionary and synonyms beside that folder."""
"""Found and reported (with a hint to convert), but not read."""

NEAR_DUPLICATE_RATIO = 95.0
"""rapidfuzz ratio (0-100) of two normalised questions at or above which they are near duplicates."""
FUZZY_MAX_QUESTIONS = 30_000
"""Above this many distinct questions only exact duplicates are looked for (fuzzy takes too long)."""

_CDIST_CHUNK = 512
"""Rows per rapidfuzz cdist call, bounding its score matrix."""

FIELDS = ("id", "question", "similar", "answer", "tags", "orgs", "source", "reviewed")
LIST_FIELDS = frozenset({"similar", "tags", "orgs"})
REQUIRED_FIELDS = ("id", "question", "answer")
FIELD_NAMES_ZH = {
    "id": "编号",
    "question": "问题",
    "similar": "相似问题",
    "answer": "答案",
    "tags": "标签",
    "orgs": "适用组织",
    "source": "依据",
    "reviewed": "核对日期",
}
FIELD_ALIASES: dict[str, str] = {
    **{name: name for name in FIELDS},
    **{zh: name for name, zh in FIELD_NAMES_ZH.items()},
    "序号": "id",
    "标准问题": "question",
    "相似问法": "similar",
    "回答": "answer",
    "组织": "orgs",
    "来源": "source",
    "出处": "source",
    "审核日期": "reviewed",
}
"""Column / key names admins may use (compared after stripping and lower-casing) -> field."""

_LIST_SEPARATORS = re.compile(r"[\r\n|｜;；]+")
_POS = re.compile(r"[A-Za-z]+")


@dataclass(slots=True)
class LoadResult:
    """Everything read from the FAQ folder, and what is wrong with it."""

    entries: list[FaqEntry] = field(default_factory=list)
    """Every entry without an error (the second of two equal ids is left out)."""
    lexicon: Lexicon = field(default_factory=Lexicon)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    """Every file that was read, FAQ and lexicon files alike."""

    @property
    def ok(self) -> bool:
        """True if nothing is wrong enough to stop a reload."""
        return not self.errors

    @property
    def error_files(self) -> set[str]:
        """Files (relative, as in `FileIssue.file`) with at least one error."""
        return {issue.file for issue in self.errors}

    def served(self) -> tuple[list[FaqEntry], int]:
        """What a bot starting from these files serves, and how many entries wait for review:
        every entry, or with errors only those of files without any; never a pending one."""
        entries = self.entries if self.ok else self.entries_of_clean_files()
        served = [entry for entry in entries if not entry.pending]
        return served, len(entries) - len(served)

    def entries_of_clean_files(self) -> list[FaqEntry]:
        """The entries of files without any error: what can be served while errors are unfixed."""
        broken = self.error_files
        return [e for e in self.entries if e.source.rpartition(":")[0] not in broken]


@dataclass(slots=True)
class _Value:
    """One field of a record as read, with where it was and what the admin called it."""

    value: Any
    """From a table: str, or list[str] for a list field. From YAML: the value's node."""
    line: int | None
    label: str


@dataclass(slots=True)
class _Record:
    """One entry before validation."""

    line: int | None
    values: dict[str, _Value]
    broken: bool = False
    """True if a problem was already reported while reading it."""


def load_faq_dir(path: Path) -> LoadResult:
    """Read every FAQ, dictionary and synonym file under `path` and validate them.

    Never raises for bad content; see the module docstring for the formats.
    """
    result = LoadResult()
    if not path.is_dir():
        result.errors.append(FileIssue("", None, None, f"找不到 FAQ 文件夹：{path}"))
        return result
    faq_root = path / FAQ_SUBDIR
    if not faq_root.is_dir():
        result.warnings.append(
            FileIssue(f"{FAQ_SUBDIR}/", None, None, "没有 faq 文件夹，问答库为空")
        )
    records: list[tuple[IssueCollector, _Record]] = []
    for file, issues in FAQ_FILES.each(path, result.errors, result.warnings):
        result.files.append(file)
        file_records = list(_read_faq_file(file, issues))
        if not file_records and not any(i.file == issues.rel for i in result.errors):
            issues.warning(None, None, "文件里没有任何问答条目")
        records.extend((issues, record) for record in file_records)

    seen: dict[str, str] = {}
    for issues, record in records:
        entry = _to_entry(record, issues)
        if entry is None:
            continue
        if entry.id in seen:
            issues.error(
                record.values["id"].line,
                record.values["id"].label,
                f"编号「{entry.id}」重复，{seen[entry.id]}已使用这个编号",
            )
            continue
        seen[entry.id] = _place(entry.source)
        result.entries.append(entry)

    result.warnings.extend(_near_duplicates(result.entries))
    result.lexicon = Lexicon(
        words=_read_userdict(path / USERDICT_FILE, result),
        synonyms=_read_synonyms(path / SYNONYMS_FILE, result),
    )
    for found in (result.errors, result.warnings):
        found.sort(key=lambda issue: (issue.file, issue.line or 0))
    return result


def is_relevant(faq_dir: Path, path: Path) -> bool:
    """True if a change of `path` may change what `load_faq_dir(faq_dir)` returns."""
    return FAQ_FILES.is_relevant(faq_dir, path)


def _read_faq_file(file: Path, issues: IssueCollector) -> Iterator[_Record]:
    suffix = file.suffix.lower()
    try:
        if suffix in YAML_SUFFIXES:
            yield from _read_yaml(file, issues)
        elif suffix == ".csv":
            yield from _read_table(_csv_rows(file, issues), issues)
        else:
            yield from _read_table(_xlsx_rows(file, issues), issues)
    except OSError as exc:
        issues.error(None, None, f"无法读取文件：{exc.strerror or exc}")
    except Exception as exc:
        # A malformed file (e.g. a damaged workbook) must not stop the other files from loading.
        logger.warning("could not read FAQ file %s", file, exc_info=True)
        issues.error(None, None, f"无法读取文件（{type(exc).__name__}: {exc}），请检查后重新保存")


# --- YAML -------------------------------------------------------------------------------------


def _read_yaml(file: Path, issues: IssueCollector) -> Iterator[_Record]:
    root = compose_yaml(file, issues)
    if root is None or is_null(root):
        return
    if isinstance(root, yaml.MappingNode):
        entries: yaml.Node | None = None
        for key, value in root.value:
            if key.value == "entries":
                entries = value
            else:
                issues.warning(
                    node_line(key), key.value, "未知的顶层字段，已忽略（条目应写在 entries: 下）"
                )
        if entries is None:
            issues.error(node_line(root), None, "缺少 entries: 列表")
            return
        root = entries
        if is_null(root):
            return
    if not isinstance(root, yaml.SequenceNode):
        issues.error(node_line(root), None, "文件内容应为条目列表（entries: 下每条以“- ”开头）")
        return
    for item in root.value:
        if not isinstance(item, yaml.MappingNode):
            issues.error(
                node_line(item), None, "这一条不是“字段: 值”形式的条目，应包含 id、question、answer"
            )
            continue
        values: dict[str, _Value] = {}
        broken = False
        for key, value in item.value:
            label = str(key.value)
            name = FIELD_ALIASES.get(label.strip().lower())
            if name is None:
                issues.warning(node_line(key), label, "未知字段，已忽略")
            elif name in values:
                issues.error(node_line(key), label, "字段重复出现，请只保留一个")
                broken = True
            else:
                values[name] = _Value(value, node_line(value), label)
        yield _Record(node_line(item), values, broken)


def _yaml_text(value: _Value, issues: IssueCollector) -> str | None:
    """The text of a YAML scalar as written (`001` stays `001`); None after reporting a bad type."""
    node = value.value
    if node is None or is_null(node):
        return ""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value).strip()
    issues.error(value.line, value.label, "应为一段文字，不能是列表或嵌套的字段")
    return None


def _yaml_list(value: _Value, issues: IssueCollector) -> list[str] | None:
    node = value.value
    if node is None or is_null(node):
        return []
    if not isinstance(node, yaml.SequenceNode):
        issues.error(
            value.line,
            value.label,
            "应为列表：写成 [甲, 乙]，或每项单独一行并以“- ”开头",
        )
        return None
    items = []
    for position, item in enumerate(node.value, start=1):
        if not isinstance(item, yaml.ScalarNode) or is_null(item):
            issues.error(node_line(item), value.label, f"第{position}项应为一段文字")
            return None
        items.append(str(item.value).strip())
    return items


# --- CSV and XLSX -----------------------------------------------------------------------------


def _csv_rows(file: Path, issues: IssueCollector) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, cells) for each CSV row; comma or tab separated."""
    text = decode_text(file.read_bytes(), issues)
    if text is None:
        return
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        issues.error(reader.line_num, None, f"CSV 格式错误：{exc}")


def _xlsx_rows(file: Path, issues: IssueCollector) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) for each row of the first sheet."""
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        issues.error(
            None, None, f"无法打开 Excel 文件（{exc}），文件可能已损坏，请重新保存为 .xlsx"
        )
        return
    try:
        if not workbook.worksheets:
            return
        yield from sheet_rows(workbook.worksheets[0])
    finally:
        workbook.close()


def _read_table(rows: Iterable[tuple[int, list[str]]], issues: IssueCollector) -> Iterator[_Record]:
    """Records of a table whose first non-empty row is the header."""
    columns: list[tuple[int, str, str]] | None = None  # (position, field, label)
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _table_columns(line, cells, issues)
            if columns is None:
                return
            continue
        values = {}
        for position, name, label in columns:
            cell = cells[position].strip() if position < len(cells) else ""
            value: Any = cell
            if name in LIST_FIELDS:
                value = [v.strip() for v in _LIST_SEPARATORS.split(cell) if v.strip()]
            values[name] = _Value(value, line, label)
        yield _Record(line, values)


def _table_columns(
    line: int, header: list[str], issues: IssueCollector
) -> list[tuple[int, str, str]] | None:
    """Map header cells to fields; None (after reporting) if a required column is missing."""
    columns = []
    named: set[str] = set()
    for position, label in enumerate(header):
        label = label.strip()
        if not label:
            continue
        name = FIELD_ALIASES.get(label.lower())
        if name is None:
            issues.warning(line, label, "未知的列，已忽略")
        elif name in named:
            issues.error(line, label, "列名重复，请只保留一列")
        else:
            named.add(name)
            columns.append((position, name, label))
    missing = [f"{FIELD_NAMES_ZH[n]}（{n}）" for n in REQUIRED_FIELDS if n not in named]
    if missing:
        issues.error(line, None, f"表头缺少必需的列：{'、'.join(missing)}；第一行应为列名")
        return None
    return columns


# --- Validation -------------------------------------------------------------------------------


def _to_entry(record: _Record, issues: IssueCollector) -> FaqEntry | None:
    """The entry of a record, or None after reporting what is wrong with it."""
    texts: dict[str, str] = {}
    lists: dict[str, tuple[str, ...]] = {}
    ok = not record.broken
    for name in FIELDS:
        value = record.values.get(name)
        if value is None:
            if name in REQUIRED_FIELDS:
                issues.error(record.line, name, f"缺少{FIELD_NAMES_ZH[name]}（{name}）")
                ok = False
            else:
                lists[name] = ()
            continue
        if name in LIST_FIELDS:
            items = value.value if isinstance(value.value, list) else _yaml_list(value, issues)
            if items is None:
                ok = False
                continue
            if any(not item for item in items):
                issues.error(value.line, value.label, "列表里有空项，请删除")
                ok = False
            lists[name] = tuple(dict.fromkeys(item for item in items if item))
        else:
            text = (
                value.value.strip() if isinstance(value.value, str) else _yaml_text(value, issues)
            )
            if text is None:
                ok = False
            elif text:
                texts[name] = text
            elif name in REQUIRED_FIELDS:
                issues.error(value.line, value.label, f"{FIELD_NAMES_ZH[name]}不能为空")
                ok = False
    reviewed = None
    if "reviewed" in texts:
        reviewed = parse_reviewed(texts["reviewed"])
        if reviewed is None:
            value = record.values["reviewed"]
            issues.error(
                value.line,
                value.label,
                f"核对日期「{texts['reviewed']}」不是有效的日期，请写成 2026-12-01 这样的格式",
            )
            ok = False
    if not ok:
        return None
    question = texts["question"]
    return FaqEntry(
        id=texts["id"],
        question=question,
        answer=texts["answer"],
        similar=tuple(q for q in lists["similar"] if q != question),
        tags=lists["tags"],
        orgs=lists["orgs"],
        source=f"{issues.rel}:{record.line}",
        reference=texts.get("source", ""),
        reviewed=reviewed,
    )


def _place(source: str) -> str:
    """`faq/a.yaml:12` -> `faq/a.yaml 第12行`, as admins read it."""
    file, _, line = source.rpartition(":")
    return f"{file} 第{line}行"


def _near_duplicates(entries: list[FaqEntry]) -> list[FileIssue]:
    """Warnings for questions of different entries that read the same after normalisation,
    or nearly so (rapidfuzz ratio >= NEAR_DUPLICATE_RATIO)."""
    owners: dict[str, list[tuple[int, str]]] = defaultdict(list)  # normalised -> (entry, question)
    for index, entry in enumerate(entries):
        for question in entry.questions:
            key = normalize(question)
            if key and all(owner != index for owner, _ in owners[key]):
                owners[key].append((index, question))

    warnings: list[FileIssue] = []
    reported: set[tuple[int, int]] = set()

    def warn(a: tuple[int, str], b: tuple[int, str], how: str) -> None:
        first, second = sorted((a, b))
        pair = (first[0], second[0])
        if first[0] == second[0] or pair in reported:
            return
        reported.add(pair)
        later = entries[second[0]]
        earlier = entries[first[0]]
        file, _, line = later.source.rpartition(":")
        warnings.append(
            FileIssue(
                file,
                int(line),
                "question" if second[1] == later.question else "similar",
                f"「{second[1]}」与 {_place(earlier.source)}（{earlier.id}）的「{first[1]}」{how}，"
                "用户提问时可能分不清，建议合并或改写",
            )
        )

    for group in owners.values():
        for other in group[1:]:
            warn(group[0], other, "相同")
    keys = list(owners)
    if len(keys) <= FUZZY_MAX_QUESTIONS:
        for i, j in _similar_pairs(keys, NEAR_DUPLICATE_RATIO):
            warn(owners[keys[i]][0], owners[keys[j]][0], "几乎相同")
    else:
        logger.info(
            "more than %d distinct FAQ questions: near-duplicate check limited to exact duplicates",
            FUZZY_MAX_QUESTIONS,
        )
    return warnings


def _similar_pairs(texts: list[str], cutoff: float) -> Iterator[tuple[int, int]]:
    """Pairs (i, j) of different texts (all distinct) with fuzz.ratio >= cutoff.

    fuzz.ratio(a, b) = 1 - d / (|a| + |b|), d being the insert/delete distance. While |a| + |b| is
    below 2 / (1 - r), a match allows only d = 1: one text is the other minus one character, found
    by hashing every one-character deletion (linear time). Longer texts are compared with
    rapidfuzz's cdist, in chunks, only against texts of a length that can still match.
    """
    ratio = cutoff / 100
    position = {text: i for i, text in enumerate(texts)}
    for j, text in enumerate(texts):
        found = {position.get(text[:cut] + text[cut + 1 :]) for cut in range(len(text))}
        for i in found - {None}:
            if fuzz.ratio(texts[i], text, score_cutoff=cutoff):
                yield i, j

    # Pairs with |a| + |b| >= 2 / (1 - r) have both texts at least this long.
    shortest = int(ratio / (1 - ratio)) - 1
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, text in enumerate(texts):
        if len(text) >= shortest:
            by_length[len(text)].append(i)
    lengths = sorted(by_length)
    for length in lengths:
        longest = length * (2 - ratio) / ratio
        band = [j for other in lengths if length <= other <= longest for j in by_length[other]]
        rows = by_length[length]
        for start in range(0, len(rows), _CDIST_CHUNK):
            chunk = rows[start : start + _CDIST_CHUNK]
            scores = process.cdist(
                [texts[i] for i in chunk],
                [texts[j] for j in band],
                scorer=fuzz.ratio,
                score_cutoff=cutoff,
                dtype=np.uint8,
                workers=1,
            )
            for row, column in zip(*np.nonzero(scores), strict=True):
                i, j = chunk[row], band[column]
                if i < j or len(texts[j]) > length:
                    yield i, j


# --- Lexicon ----------------------------------------------------------------------------------


def _read_userdict(
    file: Path, result: LoadResult
) -> tuple[tuple[str, int | None, str | None], ...]:
    """jieba user dictionary lines `word [freq] [pos]`; bad lines are reported and skipped."""
    if not file.is_file():
        return ()
    result.files.append(file)
    issues = IssueCollector(result.errors, result.warnings, file.name)
    try:
        text = decode_text(file.read_bytes(), issues)
    except OSError as exc:
        issues.error(None, None, f"无法读取文件：{exc.strerror or exc}")
        return ()
    words: dict[str, tuple[str, int | None, str | None]] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, *rest = line.split()
        freq: int | None = None
        pos: str | None = None
        if rest and rest[0].isdigit():
            freq = int(rest.pop(0))
        if rest and _POS.fullmatch(rest[0]):
            pos = rest.pop(0)
        if rest:
            issues.warning(
                number, None, f"无法识别“{line}”，格式应为：词语 [词频] [词性]；此行已忽略"
            )
            continue
        words[word] = (word, freq, pos)
    return tuple(words.values())


def _read_synonyms(file: Path, result: LoadResult) -> dict[str, str]:
    """`synonyms: {canonical: [variant, ...]}` as variant -> canonical; problems are reported."""
    if not file.is_file():
        return {}
    result.files.append(file)
    issues = IssueCollector(result.errors, result.warnings, file.name)
    try:
        root = compose_yaml(file, issues)
    except OSError as exc:
        issues.error(None, None, f"无法读取文件：{exc.strerror or exc}")
        return {}
    if root is None or is_null(root):
        return {}
    table: yaml.Node | None = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "synonyms":
                table = value
            else:
                issues.warning(
                    node_line(key), key.value, "未知的顶层字段，已忽略（同义词应写在 synonyms: 下）"
                )
    if table is None or is_null(table):
        if table is None:
            issues.error(
                node_line(root), None, "缺少 synonyms: ，格式应为 synonyms: {标准词: [同义词, ...]}"
            )
        return {}
    if not isinstance(table, yaml.MappingNode):
        issues.error(node_line(table), "synonyms", "应为“标准词: [同义词, ...]”的映射")
        return {}
    synonyms: dict[str, str] = {}
    for key, value in table.value:
        canonical = str(key.value).strip() if isinstance(key, yaml.ScalarNode) else ""
        if not canonical:
            issues.error(node_line(key), None, "标准词应为一个词语")
            continue
        variants = _yaml_list(_Value(value, node_line(value), canonical), issues)
        for variant in variants or ():
            if not variant or variant == canonical:
                continue
            if synonyms.get(variant, canonical) != canonical:
                issues.warning(
                    node_line(value),
                    canonical,
                    f"“{variant}”已经是“{synonyms[variant]}”的同义词，这里的重复已忽略",
                )
                continue
            synonyms[variant] = canonical
    return synonyms

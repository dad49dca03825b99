"""Read the grid files (YAML, XLSX) into raw records that remember where each value was.

See `bot.grid.loader` for the formats and the validation; this module only knows shapes:
which keys, sheets and columns mean what, and how a multi-valued cell splits.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from bot.common.folder import AdminFolder
from bot.common.issues import IssueCollector
from bot.common.spreadsheet import sheet_rows
from bot.common.yaml_source import compose_yaml, is_null, node_line

logger = logging.getLogger(__name__)

GRID_SUBDIR = "grid"
YAML_SUFFIXES = frozenset({".yaml", ".yml"})
GRID_SUFFIXES = YAML_SUFFIXES | {".xlsx"}
UNSUPPORTED_SUFFIXES = frozenset({".xls", ".csv"})
"""Found and reported (with a hint), but not read."""
GRID_FILES = AdminFolder(
    GRID_SUBDIR,
    GRID_SUFFIXES,
    UNSUPPORTED_SUFFIXES,
    "青情地图只读取 .yaml 和 .xlsx 文件，请另存为 .xlsx；此文件已忽略",
)
"""The grid files under grid/."""

ORGS, PEOPLE, TOPICS = "orgs", "people", "topics"
SECTION_ALIASES = {
    "orgs": ORGS,
    "组织": ORGS,
    "团组织": ORGS,
    "people": PEOPLE,
    "人员": PEOPLE,
    "团干部": PEOPLE,
    "topics": TOPICS,
    "话题": TOPICS,
    "专长": TOPICS,
}
"""YAML top-level keys and XLSX sheet names (compared lower-cased) -> section."""

FIELD_NAMES_ZH = {
    ORGS: {
        "id": "编号",
        "name": "名称",
        "level": "级别",
        "parent": "上级",
        "groups": "群",
        "work_group": "工作群",
        "tags": "标签",
    },
    PEOPLE: {
        "id": "编号",
        "name": "姓名",
        "role": "角色",
        "orgs": "所属组织",
        "qq": "QQ",
        "wecom": "企业微信",
        "accounts": "账号",
        "on_duty": "在岗",
        "max_open": "最多同时处理",
        "topics": "专长",
    },
    TOPICS: {"topic": "话题", "keywords": "关键词"},
}
FIELD_ALIASES: dict[str, dict[str, str]] = {
    section: {
        **{name: name for name in names},
        **{zh.lower(): name for name, zh in names.items()},
    }
    for section, names in FIELD_NAMES_ZH.items()
}
FIELD_ALIASES[ORGS].update({"上级组织": "parent", "群号": "groups", "团干部工作群": "work_group"})
FIELD_ALIASES[PEOPLE].update(
    {"名称": "name", "组织": "orgs", "qq号": "qq", "企业微信账号": "wecom", "话题": "topics"}
)
FIELD_ALIASES[TOPICS].update({"名称": "topic", "专长": "topic"})
"""Per section: key / column names admins may use (compared stripped and lower-cased) -> field."""

LIST_FIELDS = frozenset({"groups", "orgs", "topics", "keywords", "tags", "accounts"})
PAIR_FIELDS = frozenset({"accounts"})
"""List fields of `key:value` items that YAML may also give as a mapping (`{qq: "10001"}`)."""
REQUIRED = {ORGS: ("id", "name", "level"), PEOPLE: ("id", "name", "role"), TOPICS: ("topic",)}

_LIST_SEPARATORS = re.compile(r"[\r\n|｜;；,，、]+")
"""Separators of a multi-valued cell: as in FAQ tables, plus commas (ids and chats have none)."""


@dataclass(slots=True)
class Value:
    """One field as read: str, or list[str] for a list field; with where it was."""

    value: str | list[str]
    line: int | None
    label: str


@dataclass(slots=True)
class Record:
    """One org, person or topic before validation, with the file it came from."""

    issues: IssueCollector
    line: int | None
    values: dict[str, Value]
    broken: bool = False
    """True if a problem was already reported while reading it."""

    def place(self) -> str:
        """`grid/orgs.yaml 第3行`, as admins read it."""
        return f"{self.issues.rel} 第{self.line}行" if self.line else self.issues.rel

    def text(self, name: str) -> str:
        """A text field's value ("" if absent)."""
        value = self.values.get(name)
        return value.value if value is not None and isinstance(value.value, str) else ""

    def items(self, name: str) -> list[str]:
        """A list field's values (empty if absent)."""
        value = self.values.get(name)
        return value.value if value is not None and isinstance(value.value, list) else []

    def where(self, name: str) -> tuple[int | None, str]:
        """(line, label) of a field, falling back to the record's line and the field's name."""
        value = self.values.get(name)
        return (value.line, value.label) if value is not None else (self.line, name)


def is_relevant(faq_dir: Path, path: Path) -> bool:
    """True if a change of `path` may change what `load_grid_dir(faq_dir)` returns."""
    return GRID_FILES.is_relevant(faq_dir, path)


def read_grid_file(file: Path, issues: IssueCollector, records: dict[str, list[Record]]) -> None:
    """Append the records of a YAML or XLSX grid file to `records[section]`; report problems."""
    try:
        if file.suffix.lower() in YAML_SUFFIXES:
            _read_yaml(file, issues, records)
        else:
            _read_xlsx(file, issues, records)
    except OSError as exc:
        issues.error(None, None, f"无法读取文件：{exc.strerror or exc}")
    except Exception as exc:
        # A malformed file must not stop the other files from loading.
        logger.warning("could not read grid file %s", file, exc_info=True)
        issues.error(None, None, f"无法读取文件（{type(exc).__name__}: {exc}），请检查后重新保存")


# --- YAML -------------------------------------------------------------------------------------


def _read_yaml(file: Path, issues: IssueCollector, records: dict[str, list[Record]]) -> None:
    reported = len(issues.errors)
    root = compose_yaml(file, issues)
    if root is None or is_null(root):
        if len(issues.errors) == reported:  # empty, not broken
            issues.warning(None, None, "文件是空的")
        return
    if not isinstance(root, yaml.MappingNode):
        issues.error(node_line(root), None, "文件内容应以 orgs:、people: 或 topics: 开头")
        return
    for key, value in root.value:
        section = SECTION_ALIASES.get(str(key.value).strip().lower())
        if section is None:
            issues.warning(
                node_line(key),
                str(key.value),
                "未知的顶层字段，已忽略（应为 orgs、people 或 topics）",
            )
        elif is_null(value):
            continue
        elif section == TOPICS:
            records[TOPICS].extend(_yaml_topics(value, issues))
        else:
            records[section].extend(_yaml_items(section, value, issues))


def _yaml_items(section: str, node: yaml.Node, issues: IssueCollector) -> Iterator[Record]:
    """Records of a YAML list of `field: value` mappings."""
    if not isinstance(node, yaml.SequenceNode):
        issues.error(node_line(node), section, "应为列表，每一项以“- ”开头")
        return
    aliases = FIELD_ALIASES[section]
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            issues.error(node_line(item), section, "这一项不是“字段: 值”的形式")
            continue
        record = Record(issues, node_line(item), {})
        for key, value in item.value:
            label = str(key.value)
            name = aliases.get(label.strip().lower())
            if name is None:
                issues.warning(node_line(key), label, "未知字段，已忽略")
            elif name in record.values:
                issues.error(node_line(key), label, "字段重复出现，请只保留一个")
                record.broken = True
            else:
                if name in PAIR_FIELDS and isinstance(value, yaml.MappingNode):
                    read = _yaml_pairs(value, label, issues)
                else:
                    read = _yaml_value(value, label, name in LIST_FIELDS, issues)
                if read is None:
                    record.broken = True
                else:
                    record.values[name] = Value(read, node_line(value), label)
        yield record


def _yaml_topics(node: yaml.Node, issues: IssueCollector) -> Iterator[Record]:
    """Records of `topics: {topic: [keyword, ...]}`."""
    if not isinstance(node, yaml.MappingNode):
        issues.error(node_line(node), TOPICS, "应为“话题: [关键词, ...]”的映射")
        return
    for key, value in node.value:
        label = str(key.value)
        keywords = _yaml_value(value, label, True, issues)
        record = Record(
            issues, node_line(key), {"topic": Value(label.strip(), node_line(key), label)}
        )
        if keywords is None:
            record.broken = True
        else:
            record.values["keywords"] = Value(keywords, node_line(value), label)
        yield record


def _yaml_value(
    node: yaml.Node, label: str, is_list: bool, issues: IssueCollector
) -> str | list[str] | None:
    """A scalar as written (`001` stays `001`), or a list of them; a single scalar in a list field
    is split like a table cell. None after reporting a bad shape."""
    if is_null(node):
        return [] if is_list else ""
    if isinstance(node, yaml.ScalarNode):
        text = str(node.value).strip()
        return _split(text) if is_list else text
    if is_list and isinstance(node, yaml.SequenceNode):
        items = []
        for position, item in enumerate(node.value, start=1):
            if not isinstance(item, yaml.ScalarNode) or is_null(item):
                issues.error(node_line(item), label, f"第{position}项应为一段文字")
                return None
            items.append(str(item.value).strip())
        return items
    issues.error(
        node_line(node), label, "应为列表或一段文字" if is_list else "应为一段文字，不能是列表"
    )
    return None


def _yaml_pairs(node: yaml.MappingNode, label: str, issues: IssueCollector) -> list[str] | None:
    """`{qq: "10001", qqbot: abc}` as the items `qq:10001`, `qqbot:abc`; None after reporting."""
    items = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or not isinstance(value, yaml.ScalarNode):
            issues.error(node_line(key), label, '应写成“平台: 账号”，如 qq: "10001"')
            return None
        account = "" if is_null(value) else str(value.value).strip()
        items.append(f"{str(key.value).strip()}:{account}")
    return items


# --- XLSX -------------------------------------------------------------------------------------


def _read_xlsx(file: Path, issues: IssueCollector, records: dict[str, list[Record]]) -> None:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        issues.error(
            None, None, f"无法打开 Excel 文件（{exc}），文件可能已损坏，请重新保存为 .xlsx"
        )
        return
    try:
        found = False
        for sheet in workbook.worksheets:
            section = SECTION_ALIASES.get(sheet.title.strip().lower())
            if section is None:
                continue
            found = True
            sheet_issues = issues.in_sheet(sheet.title)
            records[section].extend(_table_records(section, sheet_rows(sheet), sheet_issues))
        if not found:
            issues.warning(None, None, "没有名为“组织”“人员”或“话题”的工作表，此文件已忽略")
    finally:
        workbook.close()


def _table_records(
    section: str, rows: Iterator[tuple[int, list[str]]], issues: IssueCollector
) -> Iterator[Record]:
    """Records of a sheet whose first non-empty row is the header."""
    columns: list[tuple[int, str, str]] | None = None  # (position, field, label)
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _table_columns(section, line, cells, issues)
            if columns is None:
                return
            continue
        values = {}
        for position, name, label in columns:
            cell = cells[position].strip() if position < len(cells) else ""
            values[name] = Value(_split(cell) if name in LIST_FIELDS else cell, line, label)
        yield Record(issues, line, values)


def _table_columns(
    section: str, line: int, header: list[str], issues: IssueCollector
) -> list[tuple[int, str, str]] | None:
    """Map header cells to fields; None (after reporting) if a required column is missing."""
    columns = []
    named: set[str] = set()
    for position, label in enumerate(header):
        label = label.strip()
        if not label:
            continue
        name = FIELD_ALIASES[section].get(label.lower())
        if name is None:
            issues.warning(line, label, "未知的列，已忽略")
        elif name in named:
            issues.error(line, label, "列名重复，请只保留一列")
        else:
            named.add(name)
            columns.append((position, name, label))
    names = FIELD_NAMES_ZH[section]
    missing = [f"{names[n]}（{n}）" for n in REQUIRED[section] if n not in named]
    if missing:
        issues.error(line, None, f"表头缺少必需的列：{'、'.join(missing)}；第一行应为列名")
        return None
    return columns


def _split(cell: str) -> list[str]:
    """Values of a multi-valued cell."""
    return [value.strip() for value in _LIST_SEPARATORS.split(cell) if value.strip()]

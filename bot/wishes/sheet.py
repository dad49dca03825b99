"""The XLSX of a campaign's wishes: the template admins fill, and reading a filled one into rows
checked cell by cell (blocking: run in a thread). Checks that need the grid or the database are
the campaign service's (bot/wishes/campaigns.py); this module knows the file only."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from bot.common.spreadsheet import sheet_rows
from bot.wishes import texts

MAX_ROWS = 2000
"""Most wishes one file may hold."""
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
"""An XLSX is a zip: more than this unpacked is refused before it is opened."""
TEXT_LIMIT = 100
NAME_LIMIT = 30
CONTACT_LIMIT = 50
AGE_MAX = 120


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the template: its title, other titles taken for it, whether it must be there."""

    key: str
    title: str
    aliases: tuple[str, ...]
    required: bool
    example: str


COLUMNS = (
    Column("text", "心愿内容", ("心愿", "微心愿", "心愿内容"), True, "想要一套绘画工具"),
    Column("for_whom", "对象(称呼)", ("对象", "称呼", "对象称呼", "对象(称呼)"), True, "小明"),
    Column("age", "年龄", ("年龄",), False, "9"),
    Column("contact_name", "联系人", ("联系人",), False, "王老师"),
    Column("contact", "联系方式", ("联系方式", "联系电话", "电话"), True, "13800000000"),
    Column("org", "组织", ("组织", "团组织", "所属组织"), False, "测试街道团工委"),
)
_TITLES = {_alias: column for column in COLUMNS for _alias in column.aliases}
_AGE = re.compile(r"(\d{1,3})\s*(?:岁|周岁)?")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in the file, named by sheet, row and column."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        if self.row is not None:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"“{self.column}”列"
        return f"{where}：{self.message}" if where else self.message


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One wish as the file gives it (its org still a name)."""

    sheet: str
    row: int
    text: str
    for_whom: str
    age: int | None
    contact_name: str
    contact: str
    org: str


class SheetError(Exception):
    """The file was refused; `problems` says where and why (nothing was imported)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _title(cell: str) -> str:
    """A header cell as compared: no spaces, half-width parentheses."""
    return re.sub(r"\s+", "", cell).replace("（", "(").replace("）", ")")


def read(data: bytes) -> list[SheetRow]:
    """The wishes of the workbook's first sheet, or SheetError with every problem found."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise SheetError([Problem("", None, None, texts.SHEET_TOO_BIG)])
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise SheetError([Problem("", None, None, texts.SHEET_NOT_XLSX)]) from exc
    try:
        sheet = book.worksheets[0]
        return _rows(sheet.title, sheet_rows(sheet))
    finally:
        book.close()


def _rows(sheet: str, cells: Iterable[tuple[int, list[str]]]) -> list[SheetRow]:
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    header_row = 0
    found: list[SheetRow] = []
    for number, row in cells:
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header, header_row = {}, number
            for index, cell in enumerate(row):
                column = _TITLES.get(_title(cell))
                if column is not None and column.key not in header:
                    header[column.key] = index
            missing = [c.title for c in COLUMNS if c.required and c.key not in header]
            if missing:
                problems.append(
                    Problem(
                        sheet,
                        number,
                        None,
                        texts.SHEET_MISSING_COLUMNS.format(columns="、".join(missing)),
                    )
                )
                break
            continue
        if len(found) >= MAX_ROWS:
            problems.append(
                Problem(sheet, number, None, texts.SHEET_TOO_MANY.format(limit=MAX_ROWS))
            )
            break
        parsed = _row(sheet, number, row, header, problems)
        if parsed is not None:
            found.append(parsed)
    if header is None:
        problems.append(Problem(sheet, None, None, texts.SHEET_EMPTY))
    elif not found and not problems:
        problems.append(Problem(sheet, header_row, None, texts.SHEET_NO_WISHES))
    if problems:
        raise SheetError(problems)
    return found


def _row(
    sheet: str, number: int, row: list[str], header: dict[str, int], problems: list[Problem]
) -> SheetRow | None:
    def cell(key: str) -> str:
        index = header.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    titles = {c.key: c.title for c in COLUMNS}
    before = len(problems)

    def refuse(key: str, message: str) -> None:
        problems.append(Problem(sheet, number, titles[key], message))

    values = {key: cell(key) for key in titles}
    for key, limit in (
        ("text", TEXT_LIMIT),
        ("for_whom", NAME_LIMIT),
        ("contact_name", NAME_LIMIT),
        ("contact", CONTACT_LIMIT),
    ):
        if not values[key] and key in ("text", "for_whom", "contact"):
            refuse(key, texts.SHEET_REQUIRED)
        elif len(values[key]) > limit:
            refuse(key, texts.SHEET_TOO_LONG.format(limit=limit))
    age: int | None = None
    if values["age"]:
        match = _AGE.fullmatch(values["age"])
        if match is None or int(match.group(1)) > AGE_MAX:
            refuse("age", texts.SHEET_BAD_AGE.format(max=AGE_MAX))
        else:
            age = int(match.group(1))
    if len(problems) > before:
        return None
    return SheetRow(
        sheet,
        number,
        values["text"],
        values["for_whom"],
        age,
        values["contact_name"],
        values["contact"],
        values["org"],
    )


def template() -> bytes:
    """The XLSX to fill: the columns (no example row, which would be imported), and a sheet
    that explains them with an example."""
    book = Workbook()
    sheet = book.active
    sheet.title = "心愿"
    sheet.append([c.title for c in COLUMNS])
    for index in range(1, len(COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 30 if index == 1 else 16
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    for line in texts.TEMPLATE_NOTES:
        notes.append([line])
    notes.append([])
    notes.append([texts.TEMPLATE_EXAMPLE])
    notes.append([c.title for c in COLUMNS])
    notes.append([c.example for c in COLUMNS])
    notes.column_dimensions["A"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

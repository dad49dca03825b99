"""XLSX files of campaign wishes, made as an admin's spreadsheet program would."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

HEADER = ("心愿内容", "对象（称呼）", "年龄", "联系人", "联系方式", "组织")


def xlsx(
    rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER, title: str = "心愿"
) -> bytes:
    """A workbook whose first sheet `title` has `header` and then `rows`."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

"""Read the cells of admin-edited XLSX sheets as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = ["cell_text", "sheet_rows"]


def cell_text(cell: Any) -> str:
    """A cell's value as text: "" for an empty cell, `3` (not `3.0`) for a whole number,
    and `\\n` line breaks."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).replace("\r\n", "\n")


def sheet_rows(sheet: ReadOnlyWorksheet) -> Iterator[tuple[int, list[str]]]:
    """(1-based row number, cells as text) for each row of a sheet opened read-only."""
    sheet.reset_dimensions()  # some tools write a wrong sheet size, which read-only mode trusts
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, [cell_text(cell) for cell in row]

"""The `source` and `reviewed` fields of FAQ entries, and the check's list of entries to check."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.faq.check import run_check
from bot.faq.loader import load_faq_dir
from bot.faq.provenance import parse_reviewed, provenance_issues
from tests.faq.conftest import WriteFaq

BUNDLED_FAQ = Path(__file__).resolve().parents[2] / "faq_data"

ENTRIES = """\
entries:
  - id: fee-standard
    question: 团费交多少钱？
    answer: 学生团员每月 0.2 元。
    source: 中青发〔2016〕13号 第二条
    reviewed: 2026-12-01
  - id: join-age
    question: 多大可以申请入团？
    answer: 14 周岁以上、28 周岁以下。
    source: 团章第一条
    reviewed: 2025-06-30
  - id: card-lost
    question: 团员证丢了怎么办？
    answer: 找团支部。
  - id: leave-age
    question: 团员多大要离团？
    answer: 年满 28 周岁。
    source: 团章第一条
  - id: mem-quit
    question: 团员可以退团吗？
    answer: 可以。
    source: 团章第八条
    reviewed: 2027-01-05
"""


def test_source_and_reviewed_are_read_from_yaml(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/a.yaml", ENTRIES)

    result = load_faq_dir(faq_dir)

    assert result.ok, [str(issue) for issue in result.errors]
    assert result.warnings == []
    by_id = {entry.id: entry for entry in result.entries}
    assert by_id["fee-standard"].reference == "中青发〔2016〕13号 第二条"
    assert by_id["fee-standard"].reviewed == date(2026, 12, 1)
    assert by_id["fee-standard"].source == "faq/a.yaml:2"
    assert (by_id["card-lost"].reference, by_id["card-lost"].reviewed) == ("", None)
    assert by_id["leave-age"].reviewed is None


def test_source_and_reviewed_columns_of_csv_and_xlsx(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq(
        "faq/a.csv",
        "编号,问题,答案,依据,核对日期\nx1,问题一,答案一,团章第一条,2026/12/1\nx2,问题二,答案二,,\n",
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id", "question", "answer", "出处", "审核日期"])
    sheet.append(["y1", "问题三", "答案三", "细则第八条", datetime(2026, 11, 30)])
    sheet.append(["y2", "问题四", "答案四", None, "2026年3月5日"])
    workbook.save(faq_dir / "faq" / "b.xlsx")

    result = load_faq_dir(faq_dir)

    assert result.ok, [str(issue) for issue in result.errors]
    found = {entry.id: (entry.reference, entry.reviewed) for entry in result.entries}
    assert found == {
        "x1": ("团章第一条", date(2026, 12, 1)),
        "x2": ("", None),
        "y1": ("细则第八条", date(2026, 11, 30)),
        "y2": ("", date(2026, 3, 5)),
    }


@pytest.mark.parametrize("written", ["2026-13-01", "2026-02-30", "上个月", "12/01/2026", "2026"])
def test_a_bad_review_date_names_file_line_and_field(
    faq_dir: Path, write_faq: WriteFaq, written: str
) -> None:
    write_faq(
        "faq/a.yaml",
        f"- id: ok\n  question: 甲\n  answer: 乙\n"
        f"- id: bad\n  question: 丙\n  answer: 丁\n  reviewed: '{written}'\n",
    )

    result = load_faq_dir(faq_dir)

    assert [str(issue) for issue in result.errors] == [
        f"faq/a.yaml 第7行 reviewed：核对日期「{written}」不是有效的日期，请写成 2026-12-01 这样的格式"
    ]
    assert [entry.id for entry in result.entries] == ["ok"]


def test_review_dates_as_admins_write_them() -> None:
    assert parse_reviewed("2026-12-01") == date(2026, 12, 1)
    assert parse_reviewed(" 2026.1.9 ") == date(2026, 1, 9)
    assert parse_reviewed("2026年12月1日") == date(2026, 12, 1)
    assert parse_reviewed("2026-12-01 00:00:00") == date(2026, 12, 1)
    assert parse_reviewed("2026-12-01 13:45:00") is None
    assert parse_reviewed("2026-00-10") is None


def test_entries_to_check(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/a.yaml", ENTRIES)

    issues = provenance_issues(load_faq_dir(faq_dir).entries, today=date(2026, 12, 1))

    assert [str(issue) for issue in issues] == [
        "faq/a.yaml 第7行：「join-age」上次核对是 2025-06-30，已超过一年，"
        "请对照依据重新核对后更新 reviewed",
        "faq/a.yaml 第12行：「card-lost」没有写依据（source）和核对日期（reviewed），"
        "请注明答案依据的文件或通知和核对日期",
        "faq/a.yaml 第15行：「leave-age」没有写核对日期（reviewed），"
        "请注明答案依据的文件或通知和核对日期",
        "faq/a.yaml 第19行：「mem-quit」的核对日期 2027-01-05 晚于今天，请检查",
    ]
    # Exactly a year is not yet too old.
    fresh = provenance_issues(load_faq_dir(faq_dir).entries, today=date(2026, 6, 30))
    assert not any("join-age" in issue.message for issue in fresh)


def test_check_lists_entries_to_check_without_failing(
    faq_dir: Path, write_faq: WriteFaq, capsys: pytest.CaptureFixture[str]
) -> None:
    write_faq("faq/a.yaml", ENTRIES)

    assert run_check(faq_dir, today=date(2026, 12, 1)) == 0

    out = capsys.readouterr().out
    assert "待核对内容（4 处）：" in out
    assert "「card-lost」没有写依据（source）和核对日期（reviewed）" in out
    assert "「join-age」上次核对是 2025-06-30，已超过一年" in out
    assert "fee-standard" not in out
    assert "检查通过。 提醒和待核对内容不影响使用，但建议处理。" in out


def test_every_bundled_entry_names_its_source_and_review_date() -> None:
    result = load_faq_dir(BUNDLED_FAQ)

    assert result.ok, [str(issue) for issue in result.errors]
    missing = [e.id for e in result.entries if not (e.reference and e.reviewed)]
    assert missing == []

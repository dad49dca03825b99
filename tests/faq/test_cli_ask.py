"""`python -m bot.faq ask` answers as a bot starting from the same files would."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.faq.__main__ import main

GOOD = """entries:
  - id: fee-how
    question: 怎么交团费？
    answer: 在智慧团建里交。
"""
BROKEN = """entries:
  - id: join-age
    question: 多大可以入团？
    answer: 年满十四周岁。
  - id: join-where
    question: 去哪里申请入团？
"""


def test_a_broken_file_is_left_out_as_at_start_and_said_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "faq" / "join.yaml").write_text(BROKEN, encoding="utf-8")

    assert main(["ask", "--dir", str(tmp_path), "多大可以入团"]) == 0

    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert err == ""
    assert lines[0].startswith("faq/join.yaml 第5行"), "the error comes first, with file and line"
    assert "answer" in lines[0]
    assert "运行中的青声不会换用这一版" in lines[1]
    assert lines[2] == "", "a blank line parts the problems from the results"
    assert "join-age" not in out, "a bot starting now leaves the broken file out entirely"
    assert lines[-1].startswith("band: ")

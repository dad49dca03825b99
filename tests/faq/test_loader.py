"""Reading and validating the admin-edited FAQ folder."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import Workbook
from rapidfuzz import fuzz

from bot.common.issues import FileIssue
from bot.faq.check import run_check
from bot.faq.loader import _similar_pairs, is_relevant, load_faq_dir
from tests.faq.conftest import WriteFaq

FEE = """\
# 团费
entries:
  - id: 001
    question: 团费怎么交？
    similar: [怎么交团费, 团费在哪里交]
    answer: |
      登录智慧团建。
      按提示交纳。
    tags: [团费]
    orgs:
      - city-01
  - id: fee-amount
    question: 学生团费每月交多少钱
    answer: 每月 0.2 元。
"""


def issues_text(issues: list[FileIssue]) -> list[str]:
    return [str(issue) for issue in issues]


def test_yaml_entries_are_read_as_written(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/团费.yaml", FEE)

    result = load_faq_dir(faq_dir)

    assert result.ok, issues_text(result.errors)
    assert result.warnings == []
    first, second = result.entries
    assert first.id == "001"  # not the integer 1
    assert first.question == "团费怎么交？"
    assert first.similar == ("怎么交团费", "团费在哪里交")
    assert first.answer == "登录智慧团建。\n按提示交纳。"
    assert first.tags == ("团费",)
    assert first.orgs == ("city-01",)
    assert first.source == "faq/团费.yaml:3"
    assert second.source == "faq/团费.yaml:12"
    assert second.similar == second.tags == second.orgs == ()
    assert result.files == [faq_dir / "faq" / "团费.yaml"]


def test_yaml_top_level_list_in_a_subfolder(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/入团/条件.yml", "- id: a\n  question: 几岁能入团\n  answer: 14 到 28 周岁\n")

    result = load_faq_dir(faq_dir)

    assert result.ok
    assert [(e.id, e.source) for e in result.entries] == [("a", "faq/入团/条件.yml:1")]


def test_csv_with_bom_chinese_headers_and_multi_valued_cells(faq_dir: Path) -> None:
    text = (
        "编号,问题,相似问题,答案,标签,适用组织,备注\n"
        'c1,团费怎么交,"怎么交团费|团费在哪交；团费交到哪里",在智慧团建交。,团费;缴费,,内部\n'
        'c2,入团流程是什么,"怎么入团\n入团步骤","第一步……\n第二步……",,org-1|org-2,\n'
        ",,,,,,\n"
        "c3,志愿时长怎么查,,登录志愿服务网。,,,\n"
    )
    (faq_dir / "faq" / "表.csv").write_bytes(text.encode("utf-8-sig"))

    result = load_faq_dir(faq_dir)

    assert result.ok, issues_text(result.errors)
    c1, c2, c3 = result.entries
    assert c1.similar == ("怎么交团费", "团费在哪交", "团费交到哪里")
    assert c1.tags == ("团费", "缴费")
    assert c2.similar == ("怎么入团", "入团步骤")
    assert c2.answer == "第一步……\n第二步……"
    assert c2.orgs == ("org-1", "org-2")
    # A record spanning lines is placed at its first line; blank rows are skipped.
    assert (c1.source, c2.source, c3.source) == ("faq/表.csv:2", "faq/表.csv:3", "faq/表.csv:7")
    assert issues_text(result.warnings) == ["faq/表.csv 第1行 备注：未知的列，已忽略"]


def test_csv_saved_by_chinese_excel_in_gbk(faq_dir: Path) -> None:
    text = "id,question,answer\r\ng1,团组织关系怎么转接,在智慧团建发起转接。\r\n"
    (faq_dir / "faq" / "gbk.csv").write_bytes(text.encode("gbk"))

    result = load_faq_dir(faq_dir)

    assert result.ok
    assert [(e.question, e.answer) for e in result.entries] == [
        ("团组织关系怎么转接", "在智慧团建发起转接。")
    ]


def test_xlsx_first_sheet(faq_dir: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["问题", "编号", "答案", "相似问题", "标签"])
    sheet.append(["怎么开团员证明", 7, "在智慧团建申请。", "团员证明怎么开\n证明去哪开", "证明"])
    sheet.append([None, None, None, None, None])
    sheet.append(["问题二", "x2", 3.0, None, None])
    workbook.create_sheet("ignored").append(["id", "question", "answer"])
    workbook.save(faq_dir / "faq" / "证明.xlsx")

    result = load_faq_dir(faq_dir)

    assert result.ok, issues_text(result.errors)
    first, second = result.entries
    assert first.id == "7"
    assert first.similar == ("团员证明怎么开", "证明去哪开")
    assert first.source == "faq/证明.xlsx:2"
    assert (second.id, second.answer, second.source) == ("x2", "3", "faq/证明.xlsx:4")


def test_ignored_and_unsupported_files(faq_dir: Path, write_faq: WriteFaq) -> None:
    broken = "entries: [oops\n"
    write_faq("faq/_草稿.yaml", broken)
    write_faq("faq/.hidden.yaml", broken)
    write_faq("faq/_旧版/a.yaml", broken)
    (faq_dir / "faq" / "~$表.xlsx").write_bytes(b"lock file, not a zip")
    write_faq("faq/说明.txt", "not an FAQ file")
    (faq_dir / "faq" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")

    result = load_faq_dir(faq_dir)

    assert result.ok
    assert result.files == []
    assert issues_text(result.warnings) == [
        "faq/old.xls：不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx；此文件已忽略"
    ]


def test_damaged_xlsx_is_an_error_of_that_file_only(faq_dir: Path, write_faq: WriteFaq) -> None:
    (faq_dir / "faq" / "坏.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    write_faq("faq/好.yaml", FEE)

    result = load_faq_dir(faq_dir)

    assert result.error_files == {"faq/坏.xlsx"}
    assert "无法打开 Excel 文件" in str(result.errors[0])
    assert len(result.entries_of_clean_files()) == 2


def test_yaml_syntax_error_names_the_line(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/坏.yaml", "entries:\n  - id: a\n    question: q\n   answer: 缩进错了\n")

    result = load_faq_dir(faq_dir)

    assert not result.ok
    [error] = result.errors
    assert (error.file, error.line) == ("faq/坏.yaml", 4)
    assert str(error).startswith("faq/坏.yaml 第4行：YAML 格式错误")
    assert result.entries == []


def test_missing_or_empty_fields_name_file_line_and_field(
    faq_dir: Path, write_faq: WriteFaq
) -> None:
    write_faq(
        "faq/团费.yaml",
        "entries:\n"
        "  - id: a\n"
        "    question: 有答案的问题\n"
        "    answer: 有\n"
        "  - id: b\n"
        "    question: 没有答案的问题\n"
        "    answer:\n"
        "  - id: c\n"
        "    answer: 没有问题\n",
    )
    (faq_dir / "faq" / "表.csv").write_text("id,question,answer\nd,问题,\n", encoding="utf-8")

    result = load_faq_dir(faq_dir)

    assert issues_text(result.errors) == [
        "faq/团费.yaml 第7行 answer：答案不能为空",
        "faq/团费.yaml 第8行 question：缺少问题（question）",
        "faq/表.csv 第2行 answer：答案不能为空",
    ]
    assert [e.id for e in result.entries] == ["a"]
    assert result.entries_of_clean_files() == []


@pytest.mark.parametrize(
    ("field_yaml", "expected"),
    [
        ("similar: 只有一个字符串", "第4行 similar：应为列表"),
        ("similar: [好, {a: b}]", "第4行 similar：第2项应为一段文字"),
        ('tags: [团费, ""]', "第4行 tags：列表里有空项"),
        ("answer2: 拼错的字段", "第4行 answer2：未知字段"),
    ],
)
def test_field_types_are_checked(
    faq_dir: Path, write_faq: WriteFaq, field_yaml: str, expected: str
) -> None:
    write_faq("faq/a.yaml", f"- id: a\n  question: 问题\n  answer: 答案\n  {field_yaml}\n")

    result = load_faq_dir(faq_dir)

    assert any(str(i).startswith(f"faq/a.yaml {expected}") for i in result.errors + result.warnings)


def test_question_as_a_list_is_an_error(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/a.yaml", "- id: a\n  question: [一, 二]\n  answer: 答案\n  answer: 又一个\n")

    result = load_faq_dir(faq_dir)

    assert issues_text(result.errors) == [
        "faq/a.yaml 第2行 question：应为一段文字，不能是列表或嵌套的字段",
        "faq/a.yaml 第4行 answer：字段重复出现，请只保留一个",
    ]
    assert result.entries == []


def test_table_without_required_columns(faq_dir: Path) -> None:
    (faq_dir / "faq" / "t.csv").write_text("编号,问法\n1,怎么交团费\n", encoding="utf-8")

    result = load_faq_dir(faq_dir)

    assert issues_text(result.errors) == [
        "faq/t.csv 第1行：表头缺少必需的列：问题（question）、答案（answer）；第一行应为列名"
    ]


def test_duplicate_ids_across_files_name_both_places(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/a.yaml", "- id: same\n  question: 第一个问题\n  answer: 一\n")
    write_faq("faq/b.yaml", "- id: other\n  question: 另一个问题\n  answer: 二\n")
    write_faq(
        "faq/c.yaml",
        "- id: fine\n  question: 没问题的条目\n  answer: 三\n"
        "- id: same\n  question: 第二个问题\n  answer: 四\n",
    )

    result = load_faq_dir(faq_dir)

    assert issues_text(result.errors) == [
        "faq/c.yaml 第4行 id：编号「same」重复，faq/a.yaml 第1行已使用这个编号"
    ]
    assert [e.id for e in result.entries] == ["same", "other", "fine"]
    assert [e.id for e in result.entries_of_clean_files()] == ["same", "other"]


def test_near_duplicate_questions_are_warned(faq_dir: Path, write_faq: WriteFaq) -> None:
    long_question = "大学毕业以后团组织关系应该转到工作单位还是转回户籍所在地的社区团组织"
    write_faq(
        "faq/a.yaml",
        "- id: a\n  question: 团费怎么交？\n  answer: 一\n"
        f"- id: b\n  question: {long_question}\n  answer: 二\n"
        "- id: c\n  question: 怎么申请入团\n  similar: [入团怎么申请]\n  answer: 三\n",
    )
    write_faq(
        "faq/b.yaml",
        "- id: d\n  question: 请问团费怎么交\n  answer: 四\n"
        f"- id: e\n  question: 问题五\n  similar: [{long_question.replace('工作', '工')}]\n"
        "  answer: 五\n"
        "- id: f\n  question: 入团怎么申请退出\n  answer: 六\n",
    )

    result = load_faq_dir(faq_dir)

    assert result.ok
    warnings = issues_text(result.warnings)
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith(
        "faq/b.yaml 第1行 question：「请问团费怎么交」与 faq/a.yaml 第1行（a）的「团费怎么交？」相同"
    )
    assert warnings[1].startswith("faq/b.yaml 第4行 similar：")
    assert "faq/a.yaml 第4行（b）" in warnings[1]
    assert "几乎相同" in warnings[1]


def test_similar_pairs_agree_with_brute_force() -> None:
    rng = random.Random(7)
    alphabet = "团费入组织关系转接怎么交申请志愿服务时长证明毕业学校工作档案在哪里"
    texts: set[str] = set()
    while len(texts) < 400:
        text = "".join(rng.choices(alphabet, k=rng.randint(4, 45)))
        texts.add(text)
        # Near copies: one character removed, inserted or replaced.
        cut = rng.randrange(len(text))
        texts.add(text[:cut] + text[cut + 1 :])
        texts.add(text[:cut] + rng.choice(alphabet) + text[cut:])
        texts.add(text[:cut] + rng.choice(alphabet) + text[cut + 1 :])
    ordered = sorted(texts)
    expected = {
        (i, j)
        for i in range(len(ordered))
        for j in range(i + 1, len(ordered))
        if fuzz.ratio(ordered[i], ordered[j]) >= 95
    }

    found = {tuple(sorted(pair)) for pair in _similar_pairs(ordered, 95)}

    assert len(expected) > 20
    assert found == expected


def test_empty_files_are_warned(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("faq/空.yaml", "# 以后再写\n")
    write_faq("faq/空列表.yaml", "entries: []\n")
    (faq_dir / "faq" / "空.csv").write_text("id,question,answer\n", encoding="utf-8")

    result = load_faq_dir(faq_dir)

    assert result.ok
    assert issues_text(result.warnings) == [
        "faq/空.csv：文件里没有任何问答条目",
        "faq/空.yaml：文件里没有任何问答条目",
        "faq/空列表.yaml：文件里没有任何问答条目",
    ]


def test_lexicon_files(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq(
        "userdict.txt",
        "# 注释\n智慧团建 200 n\n推优入团\n团课 50\n青年大学习 nz\n这 行 有 太多 部分\n",
    )
    write_faq(
        "synonyms.yaml",
        "synonyms:\n  团费: [团员费, 团会费]\n  智慧团建: [团建系统]\n  党费: [团员费]\n",
    )

    result = load_faq_dir(faq_dir)

    assert result.lexicon.words == (
        ("智慧团建", 200, "n"),
        ("推优入团", None, None),
        ("团课", 50, None),
        ("青年大学习", None, "nz"),
    )
    assert result.lexicon.synonyms == {"团员费": "团费", "团会费": "团费", "团建系统": "智慧团建"}
    assert issues_text(result.warnings) == [
        "synonyms.yaml 第4行 党费：“团员费”已经是“团费”的同义词，这里的重复已忽略",
        "userdict.txt 第6行：无法识别“这 行 有 太多 部分”，格式应为：词语 [词频] [词性]；此行已忽略",
    ]


def test_broken_synonyms_file_is_an_error(faq_dir: Path, write_faq: WriteFaq) -> None:
    write_faq("synonyms.yaml", "团费: [团员费]\n")

    result = load_faq_dir(faq_dir)

    assert result.error_files == {"synonyms.yaml"}
    assert result.lexicon.synonyms == {}


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = load_faq_dir(tmp_path / "nowhere")

    assert not result.ok
    assert "找不到 FAQ 文件夹" in str(result.errors[0])


def test_many_entries_load_quickly(faq_dir: Path, write_faq: WriteFaq) -> None:
    rng = random.Random(3)
    words = ["团费", "入团", "团员", "组织", "关系", "转接", "智慧团建", "志愿", "服务"]
    words += ["时长", "证明", "申请", "流程", "条件", "材料", "怎么", "哪里", "需要"]
    lines = ["entries:"]
    for n in range(3000):
        questions = ["".join(rng.choices(words, k=rng.randint(3, 8))) + str(n) for _ in range(3)]
        lines += [
            f"  - id: q{n}",
            f"    question: {questions[0]}",
            f"    similar: [{questions[1]}, {questions[2]}]",
            f"    answer: 答案{n}",
        ]
    write_faq("faq/big.yaml", "\n".join(lines) + "\n")

    result = load_faq_dir(faq_dir)

    assert result.ok
    assert len(result.entries) == 3000


def test_is_relevant(faq_dir: Path) -> None:
    relevant = [
        "faq/a.yaml",
        "faq/sub/b.XLSX",
        "faq/c.csv",
        "faq/d.xls",
        "faq/sub",
        "synonyms.yaml",
        "userdict.txt",
    ]
    irrelevant = ["faq/_draft.yaml", "faq/~$a.xlsx", "faq/.a.yaml.swp", "faq/a.txt", "README.md"]

    assert [p for p in relevant if not is_relevant(faq_dir, faq_dir / p)] == []
    assert [p for p in irrelevant if is_relevant(faq_dir, faq_dir / p)] == []
    assert not is_relevant(faq_dir, faq_dir.parent / "elsewhere.yaml")


def test_check_reports_and_returns_status(
    faq_dir: Path, write_faq: WriteFaq, capsys: pytest.CaptureFixture[str]
) -> None:
    write_faq("faq/团费.yaml", FEE)
    assert run_check(faq_dir) == 0
    assert "问答文件 1 个，有效问答 2 条" in capsys.readouterr().out

    write_faq("faq/坏.yaml", "- id: x\n  question: 问题\n")
    assert run_check(faq_dir) == 1
    out = capsys.readouterr().out
    assert "faq/坏.yaml 第1行 answer：缺少答案（answer）" in out
    assert "检查未通过：共 1 处错误" in out

"""Reading and validating the grid files: YAML, XLSX import, and errors that name file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from bot.faq.loader import is_relevant as faq_is_relevant
from bot.grid.loader import is_relevant, load_grid_dir
from bot.grid.model import ChatRef, OrgLevel, Role
from tests.grid.conftest import ORGS, PEOPLE, TOPICS, WriteFile

DEMO_FAQ_DIR = Path(__file__).parents[2] / "faq_data"


def issues(found: list) -> list[tuple[str, int | None, str | None]]:
    return [(i.file, i.line, i.field) for i in found]


def test_good_yaml_is_read_and_normalised(faq_dir: Path, good_grid: WriteFile) -> None:
    result = load_grid_dir(faq_dir)

    assert (result.errors, result.warnings) == ([], [])
    assert [f.name for f in result.files] == ["orgs.yaml", "people.yaml", "topics.yaml"]
    grid = result.grid
    assert list(grid.orgs) == ["city", "east", "lake", "001"]
    branch = grid.orgs["001"]
    assert branch.level is OrgLevel.BRANCH
    assert branch.parent == "lake"
    assert branch.groups == (ChatRef("qq", "40001"), ChatRef("wechat", "gh_lake"))
    assert grid.orgs["east"].level is OrgLevel.DISTRICT
    assert grid.orgs["east"].groups == (ChatRef("qq", "40008"),)  # a bare number is a QQ group
    assert grid.orgs["city"].parent is None
    assert grid.orgs["city"].work_group == ChatRef("qq", "49000")
    li, zhao, sun, qian = (grid.people[k] for k in ("li", "zhao", "sun", "qian"))
    assert (li.role, li.orgs, li.qq, li.wecom, li.on_duty, li.max_open) == (
        Role.CADRE,
        ("001", "lake"),
        "10001",
        None,
        True,
        5,
    )
    assert (zhao.role, zhao.wecom, zhao.max_open) == (Role.CADRE, "zhaoxue", 3)
    assert sun.on_duty is False
    assert (qian.role, qian.qq, qian.topics) == (Role.EXPERT, None, ("就业",))
    assert grid.people["he"].role is Role.ADMIN
    assert dict(grid.topics) == {"就业": ("找工作", "实习", "工资"), "心理": ("焦虑", "压力大")}


def test_no_grid_folder_gives_an_empty_grid(faq_dir: Path) -> None:
    result = load_grid_dir(faq_dir)

    assert (result.ok, result.warnings, result.files) == (True, [], [])
    assert not result.grid
    assert result.grid.org_of_chat("qq", "40001") is None


def test_sections_may_share_one_file_and_drafts_are_ignored(
    faq_dir: Path, write: WriteFile
) -> None:
    write("grid/all.yml", ORGS + PEOPLE.replace("people:", "人员:") + TOPICS)
    write("grid/_draft.yaml", "orgs: [broken")
    write("grid/.hidden/x.yaml", "orgs: [broken")

    result = load_grid_dir(faq_dir)

    assert result.ok, result.errors
    assert (len(result.grid.orgs), len(result.grid.people)) == (4, 6)


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


ORG_HEADER = ["编号", "名称", "级别", "上级", "群", "工作群", "备注"]
PEOPLE_HEADER = [
    "编号",
    "姓名",
    "角色",
    "所属组织",
    "QQ",
    "企业微信",
    "在岗",
    "最多同时处理",
    "专长",
]


def test_xlsx_import_merges_with_yaml(faq_dir: Path, good_grid: WriteFile) -> None:
    _workbook(
        faq_dir / "grid" / "西区名册.xlsx",
        {
            "说明": [["这张表不读"]],
            "组织": [
                ORG_HEADER,
                ["west", "西区团委", "县区团委", "city", "40101\n40102", "qq:49101", ""],
                [],
                ["west-1", "西区一中团支部", "branch", "west", "qq:40103", "", "学校"],
            ],
            "人员": [
                PEOPLE_HEADER,
                ["xu", "徐亮", "团干部", "west、west-1", 10101, "", "是", 2, ""],
                ["lin", "林芳", "专家", "", "", "linfang", "否", "", "心理|就业"],
            ],
            "话题": [["话题", "关键词"], ["法律", "维权；律师"]],
        },
    )

    result = load_grid_dir(faq_dir)

    assert result.errors == []
    assert issues(result.warnings) == [("grid/西区名册.xlsx", 1, "组织!备注")]
    grid = result.grid
    west = grid.orgs["west"]
    assert (west.name, west.level, west.parent) == ("西区团委", OrgLevel.DISTRICT, "city")
    assert west.groups == (ChatRef("qq", "40101"), ChatRef("qq", "40102"))
    assert west.work_group == ChatRef("qq", "49101")
    xu, lin = grid.people["xu"], grid.people["lin"]
    assert (xu.orgs, xu.qq, xu.on_duty, xu.max_open) == (("west", "west-1"), "10101", True, 2)
    assert (lin.role, lin.wecom, lin.on_duty, lin.topics) == (
        Role.EXPERT,
        "linfang",
        False,
        ("心理", "就业"),
    )
    assert grid.topics["法律"] == ("维权", "律师")
    assert grid.org_of_chat("qq", "40103").id == "west-1"


def test_xlsx_errors_name_the_sheet_row_and_column(faq_dir: Path, good_grid: WriteFile) -> None:
    _workbook(
        faq_dir / "grid" / "名册.xlsx",
        {
            "orgs": [ORG_HEADER[:5], ["west", "西区团委", "省团委", "city", ""]],
            "people": [PEOPLE_HEADER, ["xu", "徐亮", "团干部", "east", 10101, "", "也许", 0, ""]],
            "topics": [["关键词"], ["维权"]],
        },
    )

    result = load_grid_dir(faq_dir)

    assert issues(result.errors) == [
        ("grid/名册.xlsx", 1, "topics"),
        ("grid/名册.xlsx", 2, "orgs!级别"),
        ("grid/名册.xlsx", 2, "people!在岗"),
        ("grid/名册.xlsx", 2, "people!最多同时处理"),
    ]
    assert "表头缺少必需的列：话题（topic）" in result.errors[0].message
    assert "未知的级别「省团委」" in result.errors[1].message
    assert str(result.errors[3]) == (
        "grid/名册.xlsx 第2行 people!最多同时处理：「0」应为正整数（最多同时处理几个问题）"
    )


def test_damaged_workbook_and_old_formats_are_reported(faq_dir: Path, write: WriteFile) -> None:
    write("grid/坏的.xlsx", "not a zip file")
    write("grid/旧版.xls", "")
    write("grid/orgs.csv", "")
    write("grid/空.yaml", "")

    result = load_grid_dir(faq_dir)

    assert issues(result.errors) == [("grid/坏的.xlsx", None, None)]
    assert "无法打开 Excel 文件" in result.errors[0].message
    assert issues(result.warnings) == [
        ("grid/orgs.csv", None, None),
        ("grid/旧版.xls", None, None),
        ("grid/空.yaml", None, None),
    ]


BAD_CASES = [
    # (file, old text, new text, expected (file, line, field), message fragment)
    ("orgs", "  - id: lake\n", "  - id:\n", ("orgs", 12, "id"), "编号不能为空"),
    ("orgs", "    name: 湖滨街道团工委\n", "", ("orgs", 12, "name"), "缺少名称（name）"),
    (
        "orgs",
        "  - id: lake\n",
        "  - id: east\n",
        ("orgs", 12, "id"),
        "组织编号「east」重复，grid/orgs.yaml 第7行已使用",
    ),
    ("orgs", "    parent: lake\n", "    parent: sea\n", ("orgs", 19, "parent"), "「sea」不存在"),
    ("orgs", "level: 团支部", "level: 小组", ("orgs", 18, "level"), "未知的级别「小组」"),
    (
        "orgs",
        '"qq:40001", ',
        '"qq:40008", ',
        ("orgs", 20, "groups"),
        "群「qq:40008」已属于 grid/orgs.yaml 第7行 的组织「east」",
    ),
    ("orgs", '"qq:40001", ', '"qq:abc", ', ("orgs", 20, "groups"), "无法识别群「qq:abc」"),
    (
        "orgs",
        "    name: 青城团市委\n",
        "    name: 青城团市委\n    parent: lake\n",
        ("orgs", 4, "parent"),
        "上级关系形成循环：city → lake → east → city",
    ),
    (
        "people",
        'orgs: ["001", lake]',
        'orgs: ["001", sea]',
        ("people", 5, "orgs"),
        "组织「sea」不存在",
    ),
    ("people", "role: cadre", "role: 志愿者", ("people", 9, "role"), "未知的角色「志愿者」"),
    ("people", '    qq: "10001"\n', "", ("people", 2, "qq"), "QQ 和企业微信至少要填一个"),
    ("people", '    qq: "10001"\n', "    qq: 123abc\n", ("people", 6, "qq"), "应为 5 到 12 位数字"),
    ("people", "max_open: 3", "max_open: -1", ("people", 13, "max_open"), "应为正整数"),
    ("people", "max_open: 3", "max_open: 2.5", ("people", 13, "max_open"), "应为正整数"),
    ("people", "on_duty: 否", "on_duty: 偶尔", ("people", 24, "on_duty"), "请填 是 或 否"),
    (
        "people",
        '    qq: "10003"\n',
        '    qq: "10001"\n',
        ("people", 18, "qq"),
        "已是 grid/people.yaml 第2行「李明」的账号",
    ),
    ("people", "  - id: zhao\n", "  - id: li\n", ("people", 7, "id"), "人员编号「li」重复"),
    (
        "people",
        "    orgs: [east]\n",
        "    orgs: {east: 1}\n",
        ("people", 10, "orgs"),
        "应为列表或一段文字",
    ),
    ("topics", "  心理:", "  就业:", ("topics", 3, "就业"), "话题「就业」重复"),
    ("topics", TOPICS, "topics: [就业, 心理]\n", ("topics", 1, "topics"), "映射"),
    ("orgs", "orgs:\n", "orgs:\n\t- id: x\n", ("orgs", 2, None), "YAML 格式错误"),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "fragment"),
    BAD_CASES,
    ids=[f"{case[0]}-{case[3][1]}-{case[3][2]}-{n}" for n, case in enumerate(BAD_CASES)],
)
def test_each_error_names_file_line_and_field(
    faq_dir: Path,
    good_grid: WriteFile,
    name: str,
    old: str,
    new: str,
    where: tuple[str, int, str | None],
    fragment: str,
) -> None:
    text = {"orgs": ORGS, "people": PEOPLE, "topics": TOPICS}[name]
    assert old in text
    good_grid(f"grid/{name}.yaml", text.replace(old, new, 1))
    expected = (f"grid/{where[0]}.yaml", where[1], where[2])

    result = load_grid_dir(faq_dir)

    assert not result.ok
    assert expected in issues(result.errors), [str(i) for i in result.errors]
    assert "文件是空的" not in str(result.warnings)
    message = next(i.message for i in result.errors if (i.file, i.line, i.field) == expected)
    assert fragment in message


def test_bad_records_are_left_out_and_the_rest_is_consistent(
    faq_dir: Path, good_grid: WriteFile
) -> None:
    good_grid("grid/orgs.yaml", ORGS.replace("level: 团支部", "level: 小组"))

    result = load_grid_dir(faq_dir)

    grid = result.grid
    assert "001" not in grid.orgs
    assert grid.people["li"].orgs == ("lake",)  # the reference to the broken org is dropped
    assert any("组织「001」不存在" in i.message for i in result.errors)


WARNING_CASES = [
    # (file, old, new, expected (file, line, field), message fragment)
    ("orgs", "    parent: city\n", "", ("orgs", 7, "parent"), "只有一个最高组织"),
    (
        "orgs",
        "    level: 街道团工委\n",
        "    level: 团市委\n",
        ("orgs", 14, "level"),
        "不低于上级组织",
    ),
    ("people", "    topics: [就业]\n", "", ("people", 25, "topics"), "专家没有填写专长"),
    (
        "people",
        "topics: [就业]",
        "topics: [天文]",
        ("people", 29, "topics"),
        "专长「天文」不在 topics 里",
    ),
    ("people", "    orgs: [east]\n", "", ("orgs", 7, "id"), "组织「东区团委」没有在岗的团干部"),
    (
        "people",
        "    orgs: [east]\n",
        "    orgs: []\n",
        ("people", 10, "orgs"),
        "团干部没有所属组织",
    ),
    ("topics", "实习, 工资]", "实习, 焦虑]", ("topics", 3, "心理"), "「焦虑」已属于话题「就业」"),
    (
        "people",
        "    max_open: 3\n",
        "    max_open: 3\n    phone: 123\n",
        ("people", 14, "phone"),
        "未知字段",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "where", "fragment"),
    WARNING_CASES,
    ids=[f"{case[0]}-{case[3][1]}-{case[3][2]}" for case in WARNING_CASES],
)
def test_each_warning_names_file_line_and_field(
    faq_dir: Path,
    good_grid: WriteFile,
    name: str,
    old: str,
    new: str,
    where: tuple[str, int, str | None],
    fragment: str,
) -> None:
    text = {"orgs": ORGS, "people": PEOPLE, "topics": TOPICS}[name]
    assert old in text
    good_grid(f"grid/{name}.yaml", text.replace(old, new, 1))
    expected = (f"grid/{where[0]}.yaml", where[1], where[2])

    result = load_grid_dir(faq_dir)

    assert result.ok, [str(i) for i in result.errors]
    assert expected in issues(result.warnings), [str(i) for i in result.warnings]
    message = next(i.message for i in result.warnings if (i.file, i.line, i.field) == expected)
    assert fragment in message


def test_the_watch_filters_keep_grid_and_faq_apart(faq_dir: Path) -> None:
    grid_file = faq_dir / "grid" / "people.yaml"
    faq_file = faq_dir / "faq" / "fee.yaml"

    assert is_relevant(faq_dir, grid_file)
    assert is_relevant(faq_dir, faq_dir / "grid" / "名册.xlsx")
    assert is_relevant(faq_dir, faq_dir / "grid" / "县区")  # a folder moved away
    assert not is_relevant(faq_dir, faq_dir / "grid" / "_草稿.yaml")
    assert not is_relevant(faq_dir, faq_dir / "grid" / "~$名册.xlsx")
    assert not is_relevant(faq_dir, faq_file)
    assert not is_relevant(faq_dir, faq_dir / "synonyms.yaml")
    assert not faq_is_relevant(faq_dir, grid_file)
    assert faq_is_relevant(faq_dir, faq_file)


def test_the_demo_grid_loads_without_errors_or_warnings() -> None:
    result = load_grid_dir(DEMO_FAQ_DIR)

    assert [str(i) for i in result.errors + result.warnings] == []
    grid = result.grid
    org = grid.org_of_chat("qq", 40001)
    assert org is not None and org.level is OrgLevel.BRANCH
    assert grid.cadres(org.id)
    assert [a.level for a in grid.ancestors(org.id)][-1] is OrgLevel.CITY
    assert grid.work_group_of(org.id) is not None
    assert grid.experts("就业") and grid.experts("心理")
    assert grid.topic_of("想找个实习") == "就业"


def test_faq_check_also_validates_the_grid(tmp_path: Path, capsys) -> None:
    from bot.faq.check import run_check

    (tmp_path / "grid").mkdir()
    (tmp_path / "grid" / "orgs.yaml").write_text(
        "orgs:\n  - id: a\n    name: 甲\n    level: 团市委\n  - id: b\n    name: 乙\n    level: 团支部\n    parent: nowhere\n",
        encoding="utf-8",
    )
    assert run_check(tmp_path) == 1
    out = capsys.readouterr().out
    assert "grid/orgs.yaml" in out
    assert "parent" in out


def test_accounts_per_platform_sit_beside_the_shorthand(
    faq_dir: Path, good_grid: WriteFile
) -> None:
    people = PEOPLE.replace(
        '    qq: "10003"\n',
        '    accounts: {qq: "10003", qqbot: E3A1OPENID, wechat: oWANG}\n',
    ).replace("    wecom: qiancheng\n", '    accounts: ["wecom: qiancheng", "qqbot:QIAN"]\n')
    good_grid("grid/people.yaml", people)

    result = load_grid_dir(faq_dir)

    assert (result.errors, result.warnings) == ([], [])
    grid = result.grid
    wang, qian, zhao = grid.people["wang"], grid.people["qian"], grid.people["zhao"]
    assert dict(wang.accounts) == {"qq": "10003", "qqbot": "E3A1OPENID", "wechat": "oWANG"}
    assert (wang.qq, wang.account("qqbot"), wang.account("wecom")) == ("10003", "E3A1OPENID", None)
    assert (qian.account("wecom"), qian.account("qqbot")) == ("qiancheng", "QIAN")
    assert dict(zhao.accounts) == {"qq": "10002", "wecom": "zhaoxue"}  # the shorthand alone
    assert grid.person_by_account("qqbot", "E3A1OPENID") is wang
    assert grid.person_by_account("qq", "10003") is wang
    assert grid.person_by_account("wecom", "qiancheng") is qian
    assert grid.person_by_account("qqbot", "10003") is None


ACCOUNT_ERRORS = [
    # (old, new, expected (line, field), message fragment)
    (
        '    qq: "10003"\n',
        '    accounts: {qq: "10003", telegram: x}\n',
        (18, "accounts"),
        "未知的平台「telegram」",
    ),
    (
        '    qq: "10003"\n',
        '    accounts: ["qq 10003"]\n',
        (18, "accounts"),
        "未知的平台「qq 10003」",
    ),
    (
        '    qq: "10003"\n',
        "    accounts: {qqbot: }\n",
        (18, "accounts"),
        "QQ 官方机器人账号不能为空",
    ),
    ('    qq: "10003"\n', '    qq: "10003"\n    accounts: {qq: "10009"}\n', (18, "qq"), "不一致"),
    (
        '    qq: "10003"\n',
        '    accounts: {qq: "10003", qqbot: SAME}\n',
        (23, "accounts"),
        "QQ 官方机器人「SAME」已是 grid/people.yaml 第14行「王青」的账号",
    ),
    (
        '    qq: "10003"\n',
        '    accounts: {qq: "10001"}\n',
        (18, "accounts"),
        "已是 grid/people.yaml 第2行「李明」",
    ),
    ('    qq: "10003"\n', "    accounts: {qq: abc}\n", (18, "accounts"), "应为 5 到 12 位数字"),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), ACCOUNT_ERRORS)
def test_bad_accounts_name_file_line_and_field(
    faq_dir: Path,
    good_grid: WriteFile,
    old: str,
    new: str,
    where: tuple[int, str],
    fragment: str,
) -> None:
    people = PEOPLE.replace(old, new, 1)
    if "SAME" in new:  # a second person claims the same openid
        people = people.replace('    qq: "10004"\n', "    accounts: {qqbot: SAME}\n")
    good_grid("grid/people.yaml", people)

    result = load_grid_dir(faq_dir)

    expected = ("grid/people.yaml", *where)
    assert expected in issues(result.errors), [str(i) for i in result.errors]
    message = next(i.message for i in result.errors if (i.file, i.line, i.field) == expected)
    assert fragment in message


def test_xlsx_accounts_column(faq_dir: Path, good_grid: WriteFile) -> None:
    _workbook(
        faq_dir / "grid" / "名册.xlsx",
        {
            "人员": [
                ["编号", "姓名", "角色", "所属组织", "账号"],
                ["xu", "徐亮", "团干部", "lake", "qq:10101，qqbot:XUOPENID"],
                ["bad", "坏账号", "团干部", "lake", "icq:1"],
            ]
        },
    )

    result = load_grid_dir(faq_dir)

    assert dict(result.grid.people["xu"].accounts) == {"qq": "10101", "qqbot": "XUOPENID"}
    assert ("grid/名册.xlsx", 3, "人员!账号") in issues(result.errors)
    assert "bad" not in result.grid.people

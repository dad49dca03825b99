"""Routing queries on a grid snapshot: chats, the tree, cadres, experts, topics, permissions."""

from __future__ import annotations

import pytest

from bot.grid.model import ChatRef, Grid, Org, OrgLevel, Person, Role

ORGS = [
    Org("city", "青城团市委", OrgLevel.CITY, groups=(ChatRef("qq", "40009"),)),
    Org(
        "east",
        "东区团委",
        OrgLevel.DISTRICT,
        "city",
        (ChatRef("qq", "40008"),),
        ChatRef("qq", "49001"),
    ),
    Org("west", "西区团委", OrgLevel.DISTRICT, "city"),
    Org("lake", "湖滨街道团工委", OrgLevel.STREET, "east"),
    Org("b1", "湖滨社区团支部", OrgLevel.BRANCH, "lake", (ChatRef("qq", "40001"),)),
    Org("b2", "西区一中团支部", OrgLevel.BRANCH, "west", (ChatRef("wechat", "gh_b2"),)),
]
LI = Person("li", "李明", Role.CADRE, ("b1", "lake"), qq="10001")
ZHAO = Person("zhao", "赵雪", Role.CADRE, ("lake",), qq="10002", on_duty=False)
WANG = Person("wang", "王青", Role.CADRE, ("city",), wecom="wangqing")
QIAN = Person("qian", "钱程", Role.EXPERT, qq="10004", topics=("就业",))
FENG = Person("feng", "冯晓", Role.EXPERT, qq="10005", topics=("心理", "就业"), on_duty=False)
HE = Person("he", "何平", Role.ADMIN, qq="10006")
PEOPLE = [LI, ZHAO, WANG, QIAN, FENG, HE]
TOPICS = {
    "就业": ["找工作", "实习", "工资"],
    "心理": ["焦虑", "压力"],
    "法律": ["欠工资", "Lawyer"],
}


@pytest.fixture(scope="module")
def grid() -> Grid:
    return Grid(ORGS, PEOPLE, TOPICS)


def test_org_of_chat(grid: Grid) -> None:
    assert grid.org_of_chat("qq", "40001").id == "b1"
    assert grid.org_of_chat("qq", 40008).id == "east"
    assert grid.org_of_chat("wechat", "gh_b2").id == "b2"
    assert grid.org_of_chat("qq", "gh_b2") is None
    assert grid.org_of_chat("wechat", "40001") is None
    assert grid.org_of_chat("qq", "99999") is None


def test_ancestors_run_from_the_parent_to_the_root(grid: Grid) -> None:
    assert [o.id for o in grid.ancestors("b1")] == ["lake", "east", "city"]
    assert grid.ancestors("city") == []
    assert grid.ancestors("nowhere") == []


def test_descendants_include_the_org_itself(grid: Grid) -> None:
    assert grid.descendants("east") == {"east", "lake", "b1"}
    assert grid.descendants("b2") == {"b2"}
    assert grid.descendants("city") == {o.id for o in ORGS}
    assert grid.descendants("nowhere") == frozenset()


def test_cadres_of_an_org_on_duty_or_all(grid: Grid) -> None:
    assert grid.cadres("lake") == [LI]
    assert grid.cadres("lake", on_duty_only=False) == [LI, ZHAO]
    assert grid.cadres("b1") == [LI]
    assert grid.cadres("east") == []  # cadres of the children do not count
    assert grid.cadres("city") == [WANG]  # admins and experts are not cadres


def test_experts_by_topic(grid: Grid) -> None:
    assert grid.experts("就业") == [QIAN]
    assert grid.experts("就业", on_duty_only=False) == [QIAN, FENG]
    assert grid.experts("心理") == []
    assert grid.experts("法律") == []


def test_person_by_account(grid: Grid) -> None:
    assert grid.person_by_account("qq", "10001") is LI
    assert grid.person_by_account("qq", 10006) is HE
    assert grid.person_by_account("wecom", "wangqing") is WANG
    assert grid.person_by_account("wecom", "10001") is None
    assert grid.person_by_account("qq", "30001") is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("暑假想找个实习，去哪里找？", "就业"),
        ("就业形势怎么样", "就业"),  # the topic's own name counts
        ("最近考试压力好大", "心理"),
        ("老板欠工资不给怎么办", "就业"),  # 工资 (就业) is tried before 欠工资 (法律)
        ("需要一个 LAWYER", "法律"),  # case-insensitive
        ("团费怎么交", None),
        ("", None),
    ],
)
def test_topic_of_takes_the_first_topic_in_file_order(grid: Grid, text: str, topic: str) -> None:
    assert grid.topic_of(text) == topic


def test_is_above_or_at(grid: Grid) -> None:
    assert grid.is_above_or_at(LI, "b1")
    assert grid.is_above_or_at(LI, "lake")
    assert not grid.is_above_or_at(LI, "east")  # a lower level is not over its parent
    assert grid.is_above_or_at(WANG, "b2")  # the city is over everything
    assert not grid.is_above_or_at(ZHAO, "b2")  # another branch of the tree
    assert not grid.is_above_or_at(QIAN, "b1")  # experts belong to no org
    assert not grid.is_above_or_at(WANG, "nowhere")


def test_is_admin(grid: Grid) -> None:
    assert grid.is_admin(HE)
    assert not grid.is_admin(WANG)


def test_work_group_of_the_org_or_its_nearest_ancestor(grid: Grid) -> None:
    assert grid.work_group_of("b1") == ChatRef("qq", "49001")
    assert grid.work_group_of("east") == ChatRef("qq", "49001")
    assert grid.work_group_of("b2") is None
    assert grid.work_group_of("nowhere") is None


def test_the_snapshot_is_read_only(grid: Grid) -> None:
    with pytest.raises(TypeError):
        grid.orgs["new"] = ORGS[0]  # type: ignore[index]
    with pytest.raises(AttributeError):
        grid.orgs = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        LI.on_duty = False  # type: ignore[misc]


def test_an_empty_grid_answers_nothing() -> None:
    grid = Grid()

    assert not grid
    assert grid.org_of_chat("qq", "40001") is None
    assert grid.cadres("city") == []
    assert grid.topic_of("找工作") is None


@pytest.mark.parametrize(
    ("orgs", "people"),
    [
        ([Org("a", "甲", OrgLevel.CITY, "missing")], []),
        ([Org("a", "甲", OrgLevel.CITY, "b"), Org("b", "乙", OrgLevel.CITY, "a")], []),
        (
            [
                Org("a", "甲", OrgLevel.CITY, groups=(ChatRef("qq", "1"),)),
                Org("b", "乙", OrgLevel.CITY, groups=(ChatRef("qq", "1"),)),
            ],
            [],
        ),
        ([], [Person("p", "丙", Role.CADRE, ("missing",), qq="10001")]),
        (
            [],
            [Person("p", "丙", Role.CADRE, qq="10001"), Person("q", "丁", Role.CADRE, qq="10001")],
        ),
    ],
    ids=["unknown-parent", "cycle", "shared-group", "unknown-org", "shared-account"],
)
def test_inconsistent_data_is_refused(orgs: list[Org], people: list[Person]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Grid(orgs, people)


def test_levels_are_ranked_top_down() -> None:
    assert [level.rank for level in OrgLevel] == [0, 1, 2, 3]
    assert OrgLevel("street") is OrgLevel.STREET


def test_accounts_and_their_shorthand_are_one() -> None:
    both = Person("p", "甲", Role.CADRE, qq="10001", accounts={"qqbot": "OPENID"})
    assert dict(both.accounts) == {"qqbot": "OPENID", "qq": "10001"}
    assert (both.account("qq"), both.account("qqbot"), both.account("wecom")) == (
        "10001",
        "OPENID",
        None,
    )
    given = Person("q", "乙", Role.CADRE, accounts=(("wecom", "yi"),))
    assert (given.wecom, given.qq) == ("yi", None), "the shorthand follows the accounts"
    with pytest.raises(ValueError, match="differ"):
        Person("r", "丙", Role.CADRE, qq="10001", accounts={"qq": "10002"})
    with pytest.raises(ValueError, match="qqbot account OPENID used twice"):
        Grid(people=[both, Person("s", "丁", Role.CADRE, accounts={"qqbot": "OPENID"})])

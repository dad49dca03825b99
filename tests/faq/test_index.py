"""The FAQ index: what it finds, how it scores, and that it stays correct while shared."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.faq.index import FaqIndex
from bot.faq.model import FaqEntry, Lexicon

ENTRIES = (
    FaqEntry(
        "fee-pay", "团费怎么交？", "在智慧团建上交。", similar=("团费在哪里交", "怎样缴纳团费")
    ),
    FaqEntry("fee-amount", "团费交多少钱？", "学生每月 0.2 元。", similar=("每个月团费是多少",)),
    FaqEntry("card-lost", "团员证丢了怎么办？", "找团支部补办。", similar=("团员证遗失了",)),
    FaqEntry("join", "申请入团需要什么条件？", "年满十四周岁……", similar=("怎样才能入团",)),
    FaqEntry("transfer", "团组织关系怎么转接？", "在智慧团建发起转接。"),
    FaqEntry("hotline", "12355 是什么电话？", "青少年服务台。"),
    FaqEntry("volunteer", "志愿服务时长在哪里查？", "在志愿汇上查。"),
)
LEXICON = Lexicon(
    words=(("智慧团建", None, None), ("团组织关系", None, None)),
    synonyms={"团员费": "团费", "团证": "团员证"},
)


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(ENTRIES, LEXICON)


def test_build_only_through_build() -> None:
    with pytest.raises(TypeError):
        FaqIndex()


def test_exact_question_scores_one(index: FaqIndex) -> None:
    top = index.search("团员证丢了怎么办？")[0]

    assert top.entry.id == "card-lost"
    assert top.score == pytest.approx(1.0, abs=1e-3)
    assert top.matched == "团员证丢了怎么办？"


def test_similar_questions_are_indexed_and_reported(index: FaqIndex) -> None:
    top = index.search("怎样缴纳团费")[0]

    assert top.entry.id == "fee-pay"
    assert top.matched == "怎样缴纳团费"


def test_one_match_per_entry_sorted_with_scores_in_unit_range(index: FaqIndex) -> None:
    matches = index.search("团费在哪里交", k=10)
    ids = [match.entry.id for match in matches]
    scores = [match.score for match in matches]

    assert len(ids) == len(set(ids))
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert ids[0] == "fee-pay"


def test_k_limits_results(index: FaqIndex) -> None:
    assert len(index.search("团费", k=2)) == 2
    assert index.search("团费", k=0) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("團費怎麼交", "fee-pay"),  # traditional characters
        ("@青声 请问团费怎么交呀？谢谢", "fee-pay"),  # mention, fillers, particles
        ("团费怎么教", "fee-pay"),  # homophone typo (交/教)
        ("团员费交多少", "fee-amount"),  # synonym
        ("团证掉了", "card-lost"),  # synonym
        ("１２３５５是啥电话", "hotline"),  # full-width digits
        ("志愿时长去哪查", "volunteer"),
    ],
)
def test_finds_reworded_questions(index: FaqIndex, query: str, expected: str) -> None:
    assert index.search(query)[0].entry.id == expected


def test_synonyms_raise_the_score_of_the_canonical_wording() -> None:
    plain = FaqIndex.build(ENTRIES)
    with_synonyms = FaqIndex.build(ENTRIES, LEXICON)

    query = "团证丢了怎么办"
    assert with_synonyms.search(query)[0].score > plain.search(query)[0].score


def test_queries_without_content_find_nothing(index: FaqIndex) -> None:
    assert index.search("？！。。") == []
    assert index.search("") == []


def test_unrelated_query_scores_low(index: FaqIndex) -> None:
    matches = index.search("今天天气怎么样")

    assert not matches or matches[0].score < 0.5


def test_empty_index() -> None:
    empty = FaqIndex.build([])

    assert len(empty) == 0
    assert empty.search("团费怎么交") == []


def test_len_and_entries_by_id(index: FaqIndex) -> None:
    assert len(index) == len(ENTRIES)
    assert index.entries["hotline"].answer == "青少年服务台。"
    with pytest.raises(TypeError):
        index.entries["new"] = ENTRIES[0]  # type: ignore[index]


def test_scores_hold_as_the_faq_grows() -> None:
    subjects = ("学校", "社区", "单位", "银行卡", "手机", "电脑", "宿舍", "食堂", "图书馆", "公交")
    actions = ("怎么办理", "在哪里", "多少钱", "坏了怎么办", "几点开门", "能不能用", "怎么预约")
    places = ("北京", "上海", "广州", "成都", "西安", "武汉", "南京", "杭州", "重庆", "天津")
    distractors = [
        FaqEntry(f"pad-{number}", f"{place}{subject}{action}", "")
        for number, (subject, action, place) in enumerate(
            itertools.product(subjects, actions, places)
        )
    ]
    # Ten times the entries: the scores that thresholds are compared with barely move.
    small = FaqIndex.build([*ENTRIES, *distractors[::10]], LEXICON)
    large = FaqIndex.build([*ENTRIES, *distractors], LEXICON)

    for query in ("团费怎么交", "团证丢了", "入团要什么条件", "志愿时长去哪查", "12355"):
        before, after = small.search(query)[0], large.search(query)[0]
        assert after.entry.id == before.entry.id
        assert after.score == pytest.approx(before.score, abs=0.05)


def test_concurrent_searches_agree(index: FaqIndex) -> None:
    queries = ["团费怎么交", "团证丢了", "12355", "入团条件", "转接团关系"] * 20
    expected = [[(m.entry.id, m.score) for m in index.search(q)] for q in queries]

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda q: [(m.entry.id, m.score) for m in index.search(q)], queries))

    assert got == expected

"""What the bundled answers must keep saying: crisis answers that are safe, and the facts of issue #14.

These pin the content a youth acts on, so an edit that drops a hotline or brings back a corrected
mistake fails here rather than in a chat.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.faq.loader import load_faq_dir
from bot.faq.model import FaqEntry

BUNDLED_FAQ = Path(__file__).resolve().parents[2] / "faq_data"

SAFE_CRISIS_PARTS = {
    "says it is a bot": "机器人",
    "police in danger": "110",
    "ambulance in danger": "120",
    "the national psychological aid line": "12356",
    "the youth line": "12355",
    "that 12355 hours vary": "时间不同",
    "not to stay alone": "一个人待着",
    "moving away from what could hurt": "刀",
}


@cache
def _bundled() -> dict[str, FaqEntry]:
    result = load_faq_dir(BUNDLED_FAQ)
    assert result.ok, [str(issue) for issue in result.errors]
    return {entry.id: entry for entry in result.entries}


def _answer(entry_id: str) -> str:
    return _bundled()[entry_id].answer


def test_the_bundled_crisis_entries_are_the_ones_reviewed() -> None:
    assert sorted(e.id for e in _bundled().values() if e.crisis) == [
        "mental-crisis",
        "mental-friend-crisis",
    ]


@pytest.mark.parametrize("entry_id", ["mental-crisis", "mental-friend-crisis"])
def test_a_crisis_answer_gives_lines_that_answer_now(entry_id: str) -> None:
    answer = _answer(entry_id)
    missing = [what for what, part in SAFE_CRISIS_PARTS.items() if part not in answer]
    assert missing == []
    # A person answers only later: the answer must not invite the crisis to be talked over here.
    assert "在这里多说" not in answer and "跟我说" not in answer


@pytest.mark.parametrize("entry_id", ["mental-where-help", "hotline-online"])
def test_help_seeking_answers_say_they_are_a_bot_and_give_the_lines(entry_id: str) -> None:
    answer = _answer(entry_id)
    for part in ("机器人", "12356", "110", "120", "一个人待着"):
        assert part in answer, part


def test_sexual_abuse_answer_keeps_evidence_and_names_help() -> None:
    answer = _answer("rights-harassment")
    for part in ("110", "120", "不要洗澡", "衣物", "另一个信任的大人", "12355"):
        assert part in answer, part


def test_zhtj_password_is_reset_with_a_code_from_the_branch() -> None:
    answer = _answer("zhtj-password")
    assert "重置密码验证码" in answer and "团支书" in answer and "忘记密码" in answer
    assert "绑定的手机" not in answer


def test_qndxx_is_on_the_account_of_the_central_committee() -> None:
    answer = _answer("study-qndxx-where")
    assert "“共青团中央”" in answer
    assert "中国共青团" not in answer


def test_fee_answers_state_the_national_rule() -> None:
    standard = _answer("fee-standard")
    for part in ("中青发〔2016〕13号", "0.2元", "2000元", "3元", "2‰", "20元", "最新通知为准"):
        assert part in standard, part
    assert "预备党员" in _answer("fee-party-member")


@pytest.mark.parametrize(
    ("entry_id", "parts"),
    [
        ("join-not-selected", ("一个月内", "三个月以上", "8学时")),
        ("join-activist", ("三个月以上", "8学时")),
        ("join-course", ("8学时", "45分钟")),
        ("party-tuiyou-what", ("入党积极分子", "发展对象", "18周岁")),
        ("party-over28", ("28至35周岁", "听取")),
        ("review-result", ("优秀", "合格", "基本合格", "不合格", "30%")),
        ("transfer-how", ("北京", "广东", "福建", "最新通知为准")),
        ("transfer-abroad", ("出国（境）学习研究团员团支部", "派出单位")),
        ("transfer-army", ("特殊单位", "省级团委")),
        ("zhtj-login", ("zhtj.youth.cn", "团中央智慧团建云平台", "身份证号")),
        ("rights-fraud", ("96110", "110")),
        ("rights-legal", ("12348",)),
        ("job-labor-rights", ("12333", "12348")),
    ],
)
def test_specific_answers_give_the_rule(entry_id: str, parts: tuple[str, ...]) -> None:
    answer = _answer(entry_id)
    assert [part for part in parts if part not in answer] == []


def test_member_duties_follow_article_two() -> None:
    answer = _answer("mem-duties")
    assert "第二条" in answer
    # 交团费 and 组织生活 are not among the six duties of article 2; they come from articles 1 and 8.
    duties = answer.split("按期交团费")[0]
    assert "团费" not in duties and "组织生活" not in duties
    assert all(f"{n}." in duties for n in range(1, 7))

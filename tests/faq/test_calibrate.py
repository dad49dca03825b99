"""Calibration of the direct-answer decision, and what it gives on youth questions kept aside."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.faq.__main__ import main
from bot.faq.bands import decision_from
from bot.faq.calibrate import (
    WRONG_BUDGET,
    Outcome,
    band_shares,
    env_lines,
    fit,
    labelled_sets,
    read_youth,
    suggest_threshold,
    wrong_share,
    youth_half,
    youth_queries,
)
from bot.faq.model import OUT_OF_SCOPE_TAG, SMALL_TALK_TAG, FaqEntry
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "tests" / "data" / "calibration"
HELDOUT = ROOT / "tests" / "data" / "heldout"
FEE_YAML = """entries:
  - id: fee-how-to-pay
    question: 团费怎么交？
    similar: [团费在哪里交, 智慧团建怎么交团费]
    answer: 在智慧团建上交。
  - id: card-lost
    question: 团员证丢了怎么办？
    answer: 找团支部补办。
  - id: chat-hello
    question: 你好
    answer: 你好！
    tags: [闲聊]
"""
YOUTH_YAML = """in_scope:
  - {q: 团费在哪交, entry: fee-how-to-pay}
  - {q: 团员证找不到了, entry: card-lost}
out_of_scope: [帮我写作业]
unanswerable: [团委书记是谁]
small_talk: [您好]
"""


def related_sets() -> dict[str, list[Outcome]]:
    """Right answers lead their runner-up clearly, wrong ones are near ties; high scores help."""
    domain = [Outcome(0.5 + i / 200, 0.1 + i / 1000, 1) for i in range(100)]
    domain += [Outcome(0.5 + i / 200, i / 2000, 2) for i in range(30)]
    dev = [Outcome(0.4 + i / 200, 0.05 + i / 1000, 1) for i in range(100)]
    dev += [Outcome(0.4 + i / 400, 0.0, None) for i in range(100)]
    return {"domain": domain, "dev": dev}


def test_fit_keeps_wrong_direct_answers_within_the_budget() -> None:
    sets = related_sets()

    decision, wrong = fit(sets, ["domain"])

    assert decision.lead_weight > 0
    assert wrong["domain"] <= WRONG_BUDGET
    assert wrong_share(sets["domain"], decision) == wrong["domain"]
    shares = band_shares(sets["domain"], decision)
    assert shares["answered"] > 0.5, "the clear leads are answered"
    assert shares["answered_right"] > 0.95


def test_only_the_domain_sets_are_fitted() -> None:
    sets = related_sets()
    # A dev set where high scores are wrong must not turn the domain's rule around.
    sets["dev"] = [Outcome(0.9, 0.3, None)] * 200 + [Outcome(0.3, 0.0, 1)] * 200

    decision, _ = fit(sets, ["domain"])

    assert decision == fit({"domain": sets["domain"]}, ["domain"])[0]
    assert decision.top_weight > 0 and decision.lead_weight > 0


def test_a_high_top_score_needs_less_lead() -> None:
    decision, _ = fit(related_sets(), ["domain"])

    def logit(top: float, lead: float) -> float:
        return decision.bias + decision.top_weight * top + decision.lead_weight * lead

    assert logit(1.0, 0.2) > logit(0.5, 0.02)


def test_suggest_threshold_keeps_most_useful_choices() -> None:
    found = [Outcome(i / 100, 0.0, 2) for i in range(100)] + [Outcome(0.99, 0.0, None)]

    assert suggest_threshold(found) == pytest.approx(0.099, abs=0.01)


def test_band_shares() -> None:
    decision, _ = fit(related_sets(), ["domain"])
    found = [
        Outcome(0.95, 0.3, 1),  # answered, right
        Outcome(0.95, 0.0, 2),  # a tie with the runner-up: suggested, gold among choices
        Outcome(0.05, 0.05, 1),  # below the suggest threshold: escalated
    ]

    shares = band_shares(found, decision)

    assert shares["answered"] == pytest.approx(1 / 3)
    assert shares["answered_right"] == 1.0
    assert shares["answered_wrong_of_all"] == 0.0
    assert shares["suggested"] == pytest.approx(1 / 3)
    assert shares["suggested_with_gold"] == 1.0
    assert shares["escalated"] == pytest.approx(1 / 3)


def test_youth_queries_label_small_talk_and_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "youth.yaml"
    path.write_text(YOUTH_YAML, "utf-8")
    entries = [
        FaqEntry("fee", "团费怎么交", ""),
        FaqEntry("hi", "你好", "", tags=(SMALL_TALK_TAG,)),
        FaqEntry("oos", "帮我做作业", "", tags=(OUT_OF_SCOPE_TAG,)),
    ]

    queries = youth_queries(path, entries)

    assert [q.query for q in queries] == [
        "团费在哪交",
        "团员证找不到了",
        "帮我写作业",
        "您好",
        "团委书记是谁",
    ]
    assert queries[0].gold == {"fee-how-to-pay"}
    assert queries[2].gold == queries[3].gold == {"hi", "oos"}
    assert queries[4].gold == frozenset(), "in the remit but not in the FAQ: no right entry"


def test_calibrate_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "faq").mkdir()
    (tmp_path / "faq" / "fee.yaml").write_text(FEE_YAML, "utf-8")
    youth = tmp_path / "youth.yaml"
    youth.write_text(YOUTH_YAML, "utf-8")

    args = ["calibrate", "--dir", str(tmp_path), "--youth", str(youth), "--check", str(youth)]
    assert main(args) == 0

    first, *env = capsys.readouterr().out.splitlines()
    report = json.loads(first)
    assert report["sets"][str(youth)]["queries"] == 5
    assert report["sets"][f"{youth} (not fitted)"]["queries"] == 5
    assert [line.split("=")[0] for line in env] == [
        "FAQ_ANSWER_BIAS",
        "FAQ_ANSWER_TOP_WEIGHT",
        "FAQ_ANSWER_LEAD_WEIGHT",
        "FAQ_ANSWER_COVERAGE_WEIGHT",
        "FAQ_ANSWER_PROBABILITY",
        "FAQ_ANSWER_THRESHOLD",
        "FAQ_SUGGEST_THRESHOLD",
    ]
    assert env_lines(decision_from(Settings())).splitlines()[0].startswith("FAQ_ANSWER_BIAS=")


def in_scope_right_and_wrong_of_all(path: Path) -> tuple[float, float]:
    """With the shipped defaults on the youth file `path`: the share of its in-scope questions
    answered directly with the right entry, and the share of all its questions answered directly
    with a wrong one (small talk answered with a bot-* entry counts as wrong here)."""
    found = next(iter(labelled_sets([], ROOT / "faq_data", [path]).values()))
    in_scope = len(read_youth(path).get("in_scope") or ())
    decision = decision_from(Settings())
    answered = [decision.answers(o.top, o.lead, o.coverage_lead) for o in found]
    right = sum(a and o.right for a, o in zip(answered[:in_scope], found, strict=False))
    wrong = sum(a and not o.right for a, o in zip(answered, found, strict=True))
    return right / in_scope, wrong / len(found)


def test_calibrated_defaults_on_the_held_half_of_the_domain_set() -> None:
    """The half of tests/data/heldout/domain.yaml that nobody tuned on (`@held`, drawn with a
    fixed seed before anyone looked): measured 77.2% right direct answers in scope (main had
    72.8%) and 2.3% wrong direct answers of all (main: 2.3%). Floors against regressions."""
    right, wrong = in_scope_right_and_wrong_of_all(HELDOUT / "domain.yaml@held")

    assert right >= 0.76
    assert wrong <= 0.025


def test_calibrated_defaults_on_youth_test() -> None:
    """youth_test.yaml is not fitted on, but its misses were looked at while changing the FAQ
    data (so it is not held out any more): measured 93.1% right in scope, 2.5% wrong of all."""
    right, wrong = in_scope_right_and_wrong_of_all(CALIBRATION / "youth_test.yaml")

    assert right >= 0.92
    assert wrong <= 0.025


def test_youth_half_splits_every_list_into_two_fixed_halves() -> None:
    whole = read_youth(HELDOUT / "domain.yaml")
    tune, held = youth_half(whole, "tune"), youth_half(whole, "held")

    for key, items in whole.items():
        assert len(tune[key]) == len(items) // 2
        assert sorted(map(str, tune[key] + held[key])) == sorted(map(str, items))
        assert not {str(x) for x in tune[key]} & {str(x) for x in held[key]}
    assert youth_half(whole, "tune") == tune, "the same halves every time"
    assert read_youth(HELDOUT / "domain.yaml@held") == held
    with pytest.raises(ValueError, match="half must be one of"):
        youth_half(whole, "other")

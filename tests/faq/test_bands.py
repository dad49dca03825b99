"""Bands: answer, suggest choices, or escalate, by a calibrated, relatedness-aware decision."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.faq.bands import Decision, choices, decision_from, features
from bot.faq.index import FaqIndex
from bot.faq.loader import load_faq_dir
from bot.faq.model import OUT_OF_SCOPE_TAG, SMALL_TALK_TAG, Band, FaqEntry, Match
from bot.settings import Settings

# p(right) = sigmoid(-4 + 2 * top + 20 * lead); answer at p >= 0.5, i.e. 2 * top + 20 * lead >= 4.
RULE = Decision(
    bias=-4.0,
    top_weight=2.0,
    lead_weight=20.0,
    answer_probability=0.5,
    suggest_threshold=0.4,
    answer_threshold=0.4,
)
BUNDLED = Path(__file__).resolve().parents[2] / "faq_data"


def matches(*scores: float, tags: tuple[str, ...] = ()) -> list[Match]:
    return [
        Match(FaqEntry(f"e{number}", f"问题{number}", "答", tags=tags), score, f"问题{number}")
        for number, score in enumerate(scores)
    ]


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ((1.0, 0.8), Band.ANSWER),  # an exact question beside a related entry: not a tie
        ((0.9,), Band.ANSWER),  # nothing to compete with
        ((0.6, 0.45), Band.ANSWER),  # a clear lead
        ((0.6, 0.55), Band.SUGGEST),  # two entries match about as well: a real ambiguity
        ((0.45, 0.44), Band.SUGGEST),
        ((0.39, 0.0), Band.ESCALATE),  # below the floor, whatever the lead
        ((), Band.ESCALATE),
    ],
)
def test_classify(scores: tuple[float, ...], band: Band) -> None:
    assert RULE.classify(matches(*scores)) is band


def test_probability_grows_with_the_top_score_and_the_lead() -> None:
    assert RULE.probability(matches(0.9, 0.5)) > RULE.probability(matches(0.9, 0.7))
    assert RULE.probability(matches(0.9, 0.7)) > RULE.probability(matches(0.7, 0.5))
    assert RULE.probability([]) == 0.0


def test_choices_never_offer_small_talk() -> None:
    chat = matches(0.6, tags=(SMALL_TALK_TAG,))
    faq = matches(0.5, 0.4)
    assert choices([*chat, *faq], 3) == (faq[0].entry, faq[1].entry)
    assert choices(chat, 3) == ()


def test_calibrated_defaults_are_ordered() -> None:
    settings = Settings()

    assert 0.0 < settings.faq_suggest_threshold <= settings.faq_answer_threshold <= 1.0
    assert 0.0 < settings.faq_answer_probability < 1.0
    assert settings.faq_answer_lead_weight > 0.0
    assert settings.faq_answer_top_weight >= 0.0, "a better match never lowers the confidence"
    assert settings.faq_answer_coverage_weight >= 0.0, "covering more never lowers it"


@pytest.fixture(scope="module")
def bundled() -> FaqIndex:
    loaded = load_faq_dir(BUNDLED)
    return FaqIndex.build(loaded.entries, loaded.lexicon)


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("团组织关系怎么转", "transfer-how"),  # a related entry scores 0.8: it used to be a menu
        ("团费怎么交？", "fee-how-to-pay"),
        ("智慧团建密码忘了怎么办", "zhtj-password"),
    ],
)
def test_the_exact_question_of_an_entry_is_answered_directly(
    bundled: FaqIndex, question: str, entry: str
) -> None:
    found = bundled.search(question, 5)
    assert found[0].entry.id == entry
    assert decision_from(Settings()).classify(found) is Band.ANSWER


def test_features_give_the_coverage_lead_over_the_runner_up() -> None:
    entry = FaqEntry("e", "问题", "答")
    found = [Match(entry, 0.7, "问题", 0.1), Match(entry, 0.6, "问题", 0.5)]

    top, lead, coverage = features(found)

    assert (top, lead, coverage) == pytest.approx((0.7, 0.1, 0.4))
    assert features(found[:1])[2] == pytest.approx(0.9), "alone: the share it covers"


CALIBRATED = Decision(
    bias=-2.343,
    top_weight=5.899,
    lead_weight=11.147,
    answer_probability=0.8,
    suggest_threshold=0.4,
    answer_threshold=0.4,
    coverage_weight=5.741,
)


def test_a_near_tie_is_answered_when_only_the_top_entry_has_the_words_of_the_question() -> None:
    """团费是按工资算的吗: the fee standard has 工资 in its questions, why-pay-fees does not."""
    entry = FaqEntry("e", "问题", "答")
    found = [Match(entry, 0.45, "问题", 0.0), Match(entry, 0.43, "问题", 0.6)]

    assert dataclasses.replace(CALIBRATED, coverage_weight=0.0).classify(found) is Band.SUGGEST
    assert CALIBRATED.classify(found) is Band.ANSWER


def test_a_lead_in_wording_is_doubted_when_the_runner_up_covers_more_of_the_question() -> None:
    entry = FaqEntry("e", "问题", "答")
    found = [Match(entry, 0.57, "问题", 0.6), Match(entry, 0.52, "问题", 0.0)]

    assert dataclasses.replace(CALIBRATED, coverage_weight=0.0).classify(found) is Band.ANSWER
    assert CALIBRATED.classify(found) is Band.SUGGEST


def test_unmatched_counts_the_words_of_every_question_of_the_entry() -> None:
    entries = [
        FaqEntry("fee-standard", "团费交多少钱", "答", similar=("有工资的团员团费怎么算",)),
        FaqEntry("fee-why", "为什么要交团费", "答"),
    ]
    index = FaqIndex.build(entries)

    found = {match.entry.id: match for match in index.search("团费是按工资算的吗", 2)}

    assert found["fee-standard"].unmatched < found["fee-why"].unmatched
    assert index.search("团费交多少钱", 1)[0].unmatched == 0.0
    assert 0.0 < found["fee-why"].unmatched < 1.0


def _entry(entry_id: str, tags: tuple[str, ...] = ()) -> FaqEntry:
    return FaqEntry(entry_id, f"问题{entry_id}", "答", tags=tags)


DECLINING = dataclasses.replace(RULE, out_of_scope_threshold=0.1, out_of_scope_lead=0.1)


def test_an_out_of_remit_question_gets_its_kind_reply_though_it_scores_low() -> None:
    # "周杰伦新歌叫什么": only the entertainment entry comes near it (0.21 against 0.09).
    found = [
        Match(_entry("oos-entertainment", (OUT_OF_SCOPE_TAG,)), 0.21, "有什么好听的歌"),
        Match(_entry("chat-about-me", (SMALL_TALK_TAG,)), 0.09, "你是谁"),
        Match(_entry("leave-after"), 0.09, "离团以后"),
    ]
    assert RULE.classify(found) is Band.ESCALATE, "before: a case for the cadres"
    assert DECLINING.classify(found) is Band.ANSWER


def test_a_league_entry_close_behind_keeps_the_menu_or_the_case() -> None:
    close = [
        Match(_entry("oos-homework", (OUT_OF_SCOPE_TAG,)), 0.45, "帮我做作业"),
        Match(_entry("study-tuanke"), 0.42, "团课作业"),
    ]
    assert DECLINING.classify(close) is Band.SUGGEST
    low = [
        Match(_entry("oos-homework", (OUT_OF_SCOPE_TAG,)), 0.08, "帮我做作业"),
        Match(_entry("join-age"), 0.0, "几岁入团"),
    ]
    assert DECLINING.classify(low) is Band.ESCALATE, "below the floor nothing is declined"


def test_small_talk_at_a_low_score_is_not_declined() -> None:
    # A pinyin question ("ru tuan liu cheng") can land on small talk by chance: it goes to a person.
    found = [Match(_entry("chat-thanks", (SMALL_TALK_TAG,)), 0.17, "谢谢"), *matches(0.05)]
    assert DECLINING.classify(found) is Band.ESCALATE

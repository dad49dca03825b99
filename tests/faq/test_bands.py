"""Bands: answer, suggest choices, or escalate."""

from __future__ import annotations

import pytest

from bot.faq.bands import classify
from bot.faq.model import Band, FaqEntry, Match

ANSWER, SUGGEST, MARGIN = 0.7, 0.4, 0.05


def matches(*scores: float) -> list[Match]:
    return [
        Match(FaqEntry(f"e{number}", f"问题{number}", "答"), score, f"问题{number}")
        for number, score in enumerate(scores)
    ]


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ((0.9, 0.5), Band.ANSWER),
        ((0.7,), Band.ANSWER),  # at the threshold, nothing to compete with
        ((0.75, 0.70), Band.ANSWER),  # leads by exactly the margin
        ((0.75, 0.71), Band.SUGGEST),  # high, but too close to the runner-up
        ((0.69, 0.1), Band.SUGGEST),
        ((0.4, 0.39), Band.SUGGEST),
        ((0.39, 0.1), Band.ESCALATE),
        ((), Band.ESCALATE),
    ],
)
def test_classify(scores: tuple[float, ...], band: Band) -> None:
    assert classify(matches(*scores), ANSWER, SUGGEST, MARGIN) is band


def test_calibrated_defaults_are_ordered() -> None:
    from bot.settings import Settings

    settings = Settings()

    assert 0.0 < settings.faq_suggest_threshold <= settings.faq_answer_threshold <= 1.0
    assert settings.faq_answer_margin >= 0.0

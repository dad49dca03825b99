"""Which of the three bands a search result falls in: answer, suggest choices, or escalate."""

from __future__ import annotations

from collections.abc import Sequence

from bot.faq.model import Band, Match


def classify(
    matches: Sequence[Match], answer_threshold: float, suggest_threshold: float, margin: float
) -> Band:
    """The band of `matches` (best first).

    ANSWER if the top score reaches `answer_threshold` and leads the next entry by at least `margin`;
    otherwise SUGGEST if the top score reaches `suggest_threshold`; otherwise ESCALATE.
    """
    if not matches:
        return Band.ESCALATE
    top = matches[0].score
    runner_up = matches[1].score if len(matches) > 1 else 0.0
    if top >= answer_threshold and top - runner_up >= margin:
        return Band.ANSWER
    if top >= suggest_threshold:
        return Band.SUGGEST
    return Band.ESCALATE

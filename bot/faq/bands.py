"""Which of the three bands a search result falls in: answer, suggest choices, or escalate.

The top entry is answered directly when the calibrated probability that it is the right one reaches
`Decision.answer_probability`. That probability is a logistic function of two features of the
result (fitted on labelled queries by `bot.faq.calibrate`):

- the top score: how well the best entry matches at all;
- its lead over the runner-up entry: how much better it matches than the next one;
- its coverage lead: how much more of the query the top entry explains than the runner-up does
  (`Match.unmatched`: the share of the query's word IDF mass that none of an entry's questions
  has). A near-tie in score is not a tie when only the top entry has the query's words
  ("团费是按工资算的吗": the fee standard's questions have 工资, why-pay-fees' do not), and a
  lead in wording is doubtful when the runner-up covers more of the query.

They count together, so two related entries are not a tie when one matches much better: an exact
question (1.00) with a related entry at 0.80 is answered, while 0.45 against 0.40 is a real
ambiguity and gets the 您是不是想问 menu.

Below that, a question whose best match is an out-of-remit entry (tagged 非团务: homework, games,
shopping) that leads every League entry (`Decision.declines`) gets that entry's kind reply instead
of a menu of unrelated League entries or a case for the cadres: "周杰伦新歌叫什么" matches
oos-entertainment at only 0.19, but no League entry comes near it (0.09).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.faq.model import Band, EntryKind, FaqEntry, Match


@dataclass(frozen=True, slots=True)
class Decision:
    """The calibrated rule that turns search matches into a band."""

    bias: float
    """Intercept of the logistic model."""
    top_weight: float
    """Weight of the top score."""
    lead_weight: float
    """Weight of the top score's lead over the runner-up entry."""
    answer_probability: float
    """Answer directly when the top entry is right with at least this probability."""
    suggest_threshold: float
    """Offer choices when the top score reaches this (and no direct answer)."""
    answer_threshold: float = 0.0
    """A floor: never answer directly below this top score."""
    coverage_weight: float = 0.0
    """Weight of the top entry's coverage lead over the runner-up."""
    cosine_weight: float = 0.0
    """Weight of the top entry's semantic cosine (semantic decision only)."""
    cosine_lead_weight: float = 0.0
    """Weight of the top entry's cosine lead over the closest other entry (semantic only)."""
    out_of_scope_threshold: float = 1.01
    """An out-of-remit top entry (`EntryKind.OUT_OF_SCOPE`) scoring at least this ..."""
    out_of_scope_lead: float = 0.0
    """... and leading the best League entry by at least this gets its kind reply (`declines`);
    the defaults never decline."""

    def probability(self, matches: Sequence[Match]) -> float:
        """The calibrated probability that the first of `matches` is the right entry."""
        if not matches:
            return 0.0
        return self.probability_of(*features(matches), *semantic_features(matches))

    def probability_of(
        self,
        top: float,
        lead: float,
        coverage_lead: float,
        cosine: float = 0.0,
        cosine_lead: float = 0.0,
    ) -> float:
        """The calibrated probability for these features (see `features`,
        `semantic_features`)."""
        z = (
            self.bias
            + self.top_weight * top
            + self.lead_weight * lead
            + self.coverage_weight * coverage_lead
            + self.cosine_weight * cosine
            + self.cosine_lead_weight * cosine_lead
        )
        return 1.0 / (1.0 + math.exp(-max(-700.0, min(700.0, z))))

    def answers(
        self,
        top: float,
        lead: float,
        coverage_lead: float,
        cosine: float = 0.0,
        cosine_lead: float = 0.0,
    ) -> bool:
        """Whether a result with these features (see `features`, `semantic_features`) is
        answered directly."""
        return (
            top >= self.answer_threshold
            and self.probability_of(top, lead, coverage_lead, cosine, cosine_lead)
            >= self.answer_probability
        )

    def declines(self, matches: Sequence[Match]) -> bool:
        """Whether `matches` (best first, not empty) are a question outside the League's remit:
        the top entry is an out-of-remit one, scores at least `out_of_scope_threshold` and leads
        every League entry among `matches` by `out_of_scope_lead`."""
        top = matches[0]
        if top.entry.kind is not EntryKind.OUT_OF_SCOPE:
            return False
        league = max((m.score for m in matches if m.entry.kind is EntryKind.FAQ), default=0.0)
        return top.score >= self.out_of_scope_threshold and top.score - league >= (
            self.out_of_scope_lead
        )

    def classify(self, matches: Sequence[Match]) -> Band:
        """The band of `matches` (best first). ANSWER with a small-talk or out-of-remit top
        entry means its kind reply."""
        if not matches:
            return Band.ESCALATE
        top = matches[0].score
        if self.answers(*features(matches), *semantic_features(matches)) or self.declines(matches):
            return Band.ANSWER
        if top >= self.suggest_threshold:
            return Band.SUGGEST
        return Band.ESCALATE


def features(matches: Sequence[Match]) -> tuple[float, float, float]:
    """(top score, lead over the runner-up entry, coverage lead over it) of `matches` (best
    first, not empty). The coverage lead is the runner-up's unmatched share of the query less the
    top entry's, in [-1, 1]; with no runner-up, the top entry's covered share."""
    top = matches[0].score
    if len(matches) > 1:
        runner_up, runner_up_unmatched = matches[1].score, matches[1].unmatched
    else:
        runner_up, runner_up_unmatched = 0.0, 1.0
    return top, top - runner_up, runner_up_unmatched - matches[0].unmatched


def semantic_features(matches: Sequence[Match]) -> tuple[float, float]:
    """(cosine of the top entry, its lead over the highest cosine of the other matches) of
    `matches` from a semantic search; (0, 0) for a lexical one (`Match.semantic` None)."""
    cosine = matches[0].semantic
    if cosine is None:
        return 0.0, 0.0
    others = [m.semantic for m in matches[1:] if m.semantic is not None]
    return cosine, cosine - max(others, default=0.0)


def choices(matches: Sequence[Match], count: int) -> tuple[FaqEntry, ...]:
    """The entries to offer as 您是不是想问 choices: League questions only, never small talk."""
    return tuple(m.entry for m in matches if m.entry.kind is EntryKind.FAQ)[:count]


class _DecisionSettings(Protocol):
    faq_out_of_scope_threshold: float
    faq_out_of_scope_lead: float
    faq_answer_bias: float
    faq_answer_top_weight: float
    faq_answer_lead_weight: float
    faq_answer_coverage_weight: float
    faq_answer_probability: float
    faq_suggest_threshold: float
    faq_answer_threshold: float


class _SemanticDecisionSettings(Protocol):
    faq_out_of_scope_threshold: float
    faq_out_of_scope_lead: float
    faq_semantic_bias: float
    faq_semantic_top_weight: float
    faq_semantic_lead_weight: float
    faq_semantic_coverage_weight: float
    faq_semantic_cosine_weight: float
    faq_semantic_cosine_lead_weight: float
    faq_semantic_probability: float
    faq_semantic_threshold: float
    faq_semantic_suggest_threshold: float


def semantic_decision_from(settings: _SemanticDecisionSettings) -> Decision:
    """The decision on semantic search results configured in `settings`."""
    return Decision(
        bias=settings.faq_semantic_bias,
        top_weight=settings.faq_semantic_top_weight,
        lead_weight=settings.faq_semantic_lead_weight,
        answer_probability=settings.faq_semantic_probability,
        suggest_threshold=settings.faq_semantic_suggest_threshold,
        answer_threshold=settings.faq_semantic_threshold,
        coverage_weight=settings.faq_semantic_coverage_weight,
        cosine_weight=settings.faq_semantic_cosine_weight,
        cosine_lead_weight=settings.faq_semantic_cosine_lead_weight,
        out_of_scope_threshold=settings.faq_out_of_scope_threshold,
        out_of_scope_lead=settings.faq_out_of_scope_lead,
    )


def cascade_gate(lexical: Decision, skip_probability: float) -> Decision:
    """The lexical decision at which the semantic step is skipped: it answers directly and
    with at least `skip_probability` (never below its own answer probability)."""
    return dataclasses.replace(
        lexical, answer_probability=max(lexical.answer_probability, skip_probability)
    )


def decision_from(settings: _DecisionSettings) -> Decision:
    """The decision configured in `settings` (bot.settings.Settings)."""
    return Decision(
        bias=settings.faq_answer_bias,
        top_weight=settings.faq_answer_top_weight,
        lead_weight=settings.faq_answer_lead_weight,
        answer_probability=settings.faq_answer_probability,
        suggest_threshold=settings.faq_suggest_threshold,
        answer_threshold=settings.faq_answer_threshold,
        coverage_weight=settings.faq_answer_coverage_weight,
        out_of_scope_threshold=settings.faq_out_of_scope_threshold,
        out_of_scope_lead=settings.faq_out_of_scope_lead,
    )

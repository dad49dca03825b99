"""The FAQ hit test: what the served index finds for a question, with scores and the band.

The same search and the same calibrated decision as a youth's question in chat
(`bot.qa.service.QaService._prepare`): the index being served now, the current settings, and
an org's scope when one is chosen (its entries, its ancestors' and the unscoped ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.faq.bands import cascade_gate, choices, decision_from, features, semantic_decision_from
from bot.faq.model import Band, Match
from bot.faq.service import FaqService
from bot.grid.model import Grid
from bot.settings import Settings

BAND_NAMES = {
    Band.ANSWER: "直接回答",
    Band.SUGGEST: "给出“您是不是想问”选项",
    Band.ESCALATE: "转人工",
}


@dataclass(frozen=True, slots=True)
class HitTest:
    """What the bot would do with a question."""

    question: str
    matches: list[Match]
    band: Band
    probability: float
    """The calibrated probability that the top match is the right entry."""
    top: float
    lead: float
    coverage_lead: float


async def hit_test(
    faq: FaqService, settings: Settings, grid: Grid, question: str, org_id: str | None
) -> HitTest:
    """Search `question` as a youth in a group of `org_id` (None: a private chat) asks it,
    with the semantic step where chat would take it (`FaqService.search_decided`)."""
    orgs: tuple[str, ...] = ()
    if org_id and org_id in grid.orgs:
        orgs = (org_id, *(parent.id for parent in grid.ancestors(org_id)))
    lexical = decision_from(settings)
    gate = cascade_gate(lexical, settings.faq_semantic_skip_probability)
    searched = await faq.search_decided(question, max(5, settings.faq_max_choices), gate, orgs)
    matches = searched.matches
    decision = semantic_decision_from(settings) if searched.semantic else lexical
    band = decision.classify(matches)
    if band is Band.SUGGEST and not choices(matches, settings.faq_max_choices):
        band = Band.ESCALATE  # as in chat: no League question to offer
    top, lead, coverage = features(matches) if matches else (0.0, 0.0, 0.0)
    return HitTest(question, matches, band, decision.probability(matches), top, lead, coverage)

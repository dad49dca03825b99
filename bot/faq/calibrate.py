"""The direct-answer decision calibrated on labelled queries (`python -m bot.faq calibrate`).

Every labelled query is searched once; what is kept is the top score, its lead over the runner-up
entry, its coverage lead over it (`bot.faq.bands.features`), and where the first gold entry
ranked. Then:

- a logistic regression (scikit-learn) of "the top entry is right" on (top score, lead, coverage
  lead) over the domain sets gives the probability model of `bot.faq.bands.Decision`; each set
  weighs the same, however many queries it has. Three features and plenty of data: hardly
  regularised (`C`). The
  open-domain dev sets are only reported: fitted together with the youth questions, LCQMC's
  near-duplicate distractors made the weight of the top score negative (a better match would
  lower the confidence), which real traffic does not bear out;
- the answer probability is the lowest in `PROBABILITIES` (0.80 to 0.95) at which, on every
  domain set (youth questions on the bundled FAQ, `--youth`), at most `WRONG_BUDGET` of all its questions get a wrong
  direct answer: a wrong direct answer costs more than a question back. Open-domain dev sets shape
  the model but are not held to the budget (their labels miss many acceptable answers);
- the suggest threshold is the top score that `SUGGEST_RECALL` of the domain sets' queries whose
  gold entry is among the offered choices (the top `CHOICES`) reach, so those choices are actually
  shown; it is also the floor below which nothing is answered directly.

Labelled sets: youth question files (`in_scope: [{q, entry}]`, `out_of_scope`, `unanswerable`,
`small_talk`: lists of texts) asked against an FAQ folder (`FILE@tune` / `FILE@held`: one of
two fixed random halves of each list of FILE, see `youth_half`); and FAQ/queries file pairs in the
`bot.faq.labelled` formats. A small-talk or out-of-scope text is "right" when the top entry is one of
the folder's small-talk or out-of-scope entries; an unanswerable one (in the League's remit but not
in the FAQ) has no right entry. `--check FILE` reports a youth file that was not fitted on.

The defaults in bot/settings.py come from this version of the index and faq_data with

    python -m bot.faq calibrate --dir faq_data --youth tests/data/calibration/youth_tune.yaml \\
        --youth tests/data/heldout/domain.yaml@tune \\
        --faq ../shared/faq-bench/lcqmc_dev/faq.jsonl \\
        --queries ../shared/faq-bench/lcqmc_dev/queries.jsonl \\
        --faq ../shared/faq-bench/bq/faq.jsonl --queries ../shared/faq-bench/bq/queries.jsonl \\
        --check tests/data/calibration/youth_test.yaml --check tests/data/heldout/domain.yaml@held

which chose probability 0.80 (youth_tune: 91% of all its questions answered directly, 99% of them
right, 1.3% of all answered wrongly; domain@tune: 84%, 99%, 0.8%; not fitted: youth_test 89%, 97%,
2.5%; domain@held 69%, 97%, 2.3%) and a suggest threshold and answer floor of 0.414. The
domain@held half was scored once, at the end, never tuned on; youth_test's misses were looked at
while writing faq_data's similar questions.

The semantic decision (`--semantic`, FAQ_SEMANTIC_* in bot/faq/settings.py) is fitted the same way
by `fit_semantic`, on every domain query searched with its semantic step (all of them, so the
fit has data enough; the cascade sends only the unsure ones there), and held to the budget as
the cascade serves each set (`cascade_outcomes`). The defaults come from

    python -m bot.faq calibrate --semantic --skip-probability 0.95 --dir faq_data \\
        --youth tests/data/calibration/youth_tune.yaml \\
        --youth tests/data/heldout/domain.yaml@tune \\
        --youth tests/data/calibration/youth_semantic_tune.yaml \\
        --youth tests/data/calibration/youth_independent.yaml@tune \\
        --check tests/data/calibration/youth_test.yaml \\
        --check tests/data/heldout/domain.yaml@held \\
        --check tests/data/calibration/youth_semantic_held.yaml

(youth_semantic_tune's lexical answers sure enough to skip the semantic step are already 3.9 %
wrong, so there the semantic step may add no wrong answer at all). It chose probability 0.81 and
a floor of 0.262. youth_independent (written by someone who never saw the engine, long colloquial
questions) is the hardest: fitted without it, the semantic decision answered 3.7 % of all of its
tune half wrongly; with it, 1.7 % (52 % of all its questions answered directly, 97 % of them
right, 37 % get choices). Not fitted: youth_test 93 % answered, 97 % right, 2.5 % wrong;
domain@held 83 %, 98 %, 1.5 %; youth_semantic_held 80 %, 99 %, 0.8 %. youth_independent@held is
reported by the end-to-end measurement, never fitted on.

The out-of-remit rule (`bot.faq.bands.Decision.declines`, FAQ_OUT_OF_SCOPE_THRESHOLD 0.10 and
FAQ_OUT_OF_SCOPE_LEAD 0.10) is not fitted here. It was chosen on the tune files above
(youth_tune, domain@tune, youth_semantic_tune), searched with the bundled FAQ and with two copies
of it that keep only a seeded 40 % of each entry's similar questions (unseen wording, roughly):
with either cascade or lexical results, none of their League or unanswerable questions is
declined, while 5 to 10 out-of-remit questions that would have become cases get their kind
reply. A lead of 0.05 declined more (11 to 16) but declined a League question on a six-entry FAQ.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml
from sklearn.linear_model import LogisticRegression

from bot.faq.bands import Decision, features, semantic_features
from bot.faq.index import FaqIndex
from bot.faq.labelled import LabelledQuery, load_faq, load_queries
from bot.faq.model import EntryKind, FaqEntry

if TYPE_CHECKING:
    from bot.semantic.cache import EmbeddingCache
    from bot.semantic.faq import SemanticSearch

WRONG_BUDGET = 0.02
C = 100.0
SUGGEST_RECALL = 0.9
PROBABILITIES = tuple(round(0.80 + 0.01 * step, 2) for step in range(16))
"""Candidate answer probabilities, 0.80 to 0.95. Not lower: the probability is the chance that a
borderline direct answer is right, and below 4 in 5 borderline answers on unseen questions would be
wrong too often, even where a tuning set's total wrong share stays within `WRONG_BUDGET`."""
SPLIT_SEED = 20261202
"""Seed of the fixed halves of a youth file (`FILE@tune`, `FILE@held`)."""
HALVES = ("tune", "held")
CHOICES = 3


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one labelled query got from the index."""

    top: float
    lead: float
    rank: int | None
    """Rank of the first gold entry (1-based), None if not in the results."""
    coverage_lead: float = 0.0
    """How much more of the query the top entry covers than the runner-up (see `features`)."""
    cosine: float = 0.0
    cosine_lead: float = 0.0
    """The semantic features (`semantic_features`); 0 for a lexical search."""
    semantic: bool = False
    """The semantic step ran (the cascade found the lexical result not sure enough)."""

    @property
    def right(self) -> bool:
        """The top entry is a gold one."""
        return self.rank == 1

    @property
    def features(self) -> tuple[float, float, float, float, float]:
        """Every decision feature, in `Decision.answers` order."""
        return (self.top, self.lead, self.coverage_lead, self.cosine, self.cosine_lead)


def outcomes(
    index: FaqIndex,
    queries: Sequence[LabelledQuery],
    cascade: SemanticSearch | None = None,
    lexical: Decision | None = None,
) -> list[Outcome]:
    """Search every query once and keep what calibration needs; with `cascade` (and the
    `lexical` decision that gates it) as the bot searches with the semantic layer, with
    `cascade` alone every query through its semantic step."""
    found: list[Outcome] = []
    for labelled in queries:
        if cascade is not None and lexical is None:
            # Every query through the semantic step (what the semantic decision is fitted on).
            vector = cascade.embedder.embed([labelled.query], query=True)[0]
            matches = index.search(
                labelled.query, 10, query_vector=vector, semantic=cascade.weights
            )
            semantic = True
        elif cascade is not None and lexical is not None:
            searched = cascade.search(index, labelled.query, 10, lexical)
            matches, semantic = searched.matches, searched.semantic
        else:
            matches, semantic = index.search(labelled.query, 10), False
        if not matches:
            found.append(Outcome(0.0, 0.0, None))
            continue
        rank = next(
            (i for i, match in enumerate(matches, 1) if match.entry.id in labelled.gold), None
        )
        top, lead, coverage_lead = features(matches)
        cosine, cosine_lead = semantic_features(matches)
        found.append(
            Outcome(top, lead, rank, coverage_lead, cosine, cosine_lead, semantic=semantic)
        )
    return found


def youth_half(data: Mapping[str, list], half: str) -> dict[str, list]:
    """One of two fixed halves of a youth file's lists ("tune" or "held"): each list is shuffled
    with `SPLIT_SEED` and its first half (rounded down) is "tune", the rest "held". Drawn once,
    before anyone looked at which question fell where, so one half can be tuned on and the other
    kept for the report."""
    if half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}, not {half!r}")
    parts: dict[str, list] = {}
    for key, items in data.items():
        items = list(items or ())
        order = list(range(len(items)))
        random.Random(f"{SPLIT_SEED}:{key}").shuffle(order)
        first = set(order[: len(items) // 2])
        parts[key] = [x for i, x in enumerate(items) if (i in first) == (half == "tune")]
    return parts


def read_youth(path: Path) -> dict[str, list]:
    """A youth question file; `FILE@tune` / `FILE@held` reads one half of FILE (`youth_half`)."""
    name, _, half = str(path).rpartition("@")
    if name and half in HALVES:
        return youth_half(read_youth(Path(name)), half)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def youth_queries(path: Path, entries: Sequence[FaqEntry]) -> list[LabelledQuery]:
    """Labelled queries from a youth question file, against the folder's `entries`."""
    data = read_youth(path)
    chat = frozenset(entry.id for entry in entries if entry.kind is not EntryKind.FAQ)
    queries = [
        LabelledQuery(str(item["q"]), frozenset({str(item["entry"])}))
        for item in data.get("in_scope") or ()
    ]
    for key in ("out_of_scope", "small_talk"):
        queries += [LabelledQuery(str(text), chat) for text in data.get(key) or ()]
    queries += [LabelledQuery(str(text), frozenset()) for text in data.get("unanswerable") or ()]
    return queries


def fit(
    sets: Mapping[str, Sequence[Outcome]], domain: Sequence[str] = ()
) -> tuple[Decision, dict[str, float]]:
    """The decision from labelled sets; `domain`: names of the sets it is fitted on, held to
    `WRONG_BUDGET` and used for the suggest threshold (all sets when empty). Also returns, per domain set, the share
    of its questions answered wrongly at the chosen probability."""
    held = [name for name in (domain or sets) if sets.get(name)]
    pooled = [(outcome, 1.0 / len(sets[name])) for name in held for outcome in sets[name]]
    x = np.array([(o.top, o.lead, o.coverage_lead) for o, _ in pooled])
    y = np.array([o.right for o, _ in pooled])
    weights = np.array([w for _, w in pooled])
    model = LogisticRegression(C=C).fit(x, y, sample_weight=weights / weights.mean())
    top_weight, lead_weight, coverage_weight = (float(c) for c in model.coef_[0])
    bias = float(model.intercept_[0])
    if top_weight < 0:
        # A better match must never lower the confidence: fit again without the top score.
        model = LogisticRegression(C=C).fit(x[:, 1:], y, sample_weight=weights / weights.mean())
        top_weight, (lead_weight, coverage_weight) = 0.0, (float(c) for c in model.coef_[0])
        bias = float(model.intercept_[0])
    suggest = min(suggest_threshold(sets[name]) for name in held)
    base = Decision(
        bias=bias,
        top_weight=top_weight,
        lead_weight=lead_weight,
        answer_probability=PROBABILITIES[-1],
        suggest_threshold=suggest,
        answer_threshold=suggest,
        coverage_weight=coverage_weight,
    )
    for probability in PROBABILITIES:
        decision = _with_probability(base, probability)
        wrong = {name: wrong_share(sets[name], decision) for name in held}
        if all(value <= WRONG_BUDGET for value in wrong.values()):
            return decision, wrong
    return base, {name: wrong_share(sets[name], base) for name in held}


def cascade_outcomes(
    lexical_found: Sequence[Outcome], semantic_found: Sequence[Outcome], gate: Decision
) -> list[Outcome]:
    """What the cascade gets per query: the lexical outcome where `gate` (the lexical decision
    at the skip probability) answers it, else the semantic one."""
    return [
        lex if _answers(lex, gate) else sem
        for lex, sem in zip(lexical_found, semantic_found, strict=True)
    ]


def fit_semantic(
    lexical_sets: Mapping[str, Sequence[Outcome]],
    semantic_sets: Mapping[str, Sequence[Outcome]],
    domain: Sequence[str],
    gate: Decision,
) -> tuple[Decision, dict[str, float]]:
    """The decision on semantic results, fitted like `fit` on (top, lead, coverage lead,
    cosine, cosine lead) of every domain query searched with the semantic step
    (`semantic_sets`; all of them, not only those the cascade sends there, so that the fit
    has enough data). The answer probability is the lowest at which, on every domain set as
    the cascade with `gate` serves it (`cascade_outcomes`), the semantic step's wrong direct
    answers fit in what `WRONG_BUDGET` leaves after the lexical answers that skip it (nothing,
    where those alone exceed it). Returns it and each domain set's wrong share (all answers)."""
    held = [name for name in (domain or semantic_sets) if semantic_sets.get(name)]
    pooled = [
        (outcome, 1.0 / len(semantic_sets[name]))
        for name in held
        for outcome in semantic_sets[name]
    ]
    x = np.array([o.features for o, _ in pooled])
    y = np.array([o.right for o, _ in pooled])
    weights = np.array([w for _, w in pooled])
    model = LogisticRegression(C=C).fit(x, y, sample_weight=weights / weights.mean())
    top_w, lead_w, coverage_w, cosine_w, cosine_lead_w = (float(c) for c in model.coef_[0])
    served = {
        name: cascade_outcomes(lexical_sets[name], semantic_sets[name], gate) for name in held
    }
    suggest = min(suggest_threshold(semantic_sets[name]) for name in held)
    base = Decision(
        bias=float(model.intercept_[0]),
        top_weight=top_w,
        lead_weight=lead_w,
        answer_probability=PROBABILITIES[-1],
        suggest_threshold=suggest,
        answer_threshold=suggest,
        coverage_weight=coverage_w,
        cosine_weight=cosine_w,
        cosine_lead_weight=cosine_lead_w,
    )
    # What the lexical answers that skip the semantic step already get wrong, per set: the
    # semantic decision cannot change it, and may add at most what the budget leaves (none
    # where those lexical answers alone exceed it).
    skipped_wrong = {
        name: sum(not o.semantic and _answers(o, gate) and not o.right for o in served[name])
        / max(1, len(served[name]))
        for name in held
    }
    for probability in PROBABILITIES:
        decision = _with_probability(base, probability)
        added = {
            name: wrong_share(served[name], gate, decision) - skipped_wrong[name] for name in held
        }
        if all(
            value <= max(0.0, WRONG_BUDGET - skipped_wrong[name]) + 1e-12
            for name, value in added.items()
        ):
            return decision, {name: wrong_share(served[name], gate, decision) for name in held}
    return base, {name: wrong_share(served[name], gate, base) for name in held}


def _with_probability(decision: Decision, probability: float) -> Decision:
    return dataclasses.replace(decision, answer_probability=probability)


def _answers(outcome: Outcome, decision: Decision, semantic: Decision | None = None) -> bool:
    if outcome.semantic and semantic is not None:
        return semantic.answers(*outcome.features)
    return decision.answers(outcome.top, outcome.lead, outcome.coverage_lead)


def _suggests(outcome: Outcome, decision: Decision, semantic: Decision | None = None) -> bool:
    chosen = semantic if outcome.semantic and semantic is not None else decision
    return not _answers(outcome, decision, semantic) and outcome.top >= chosen.suggest_threshold


def wrong_share(
    found: Sequence[Outcome], decision: Decision, semantic: Decision | None = None
) -> float:
    """Share of all of `found` that `decision` answers directly with a wrong entry (`semantic`:
    the decision on outcomes whose semantic step ran)."""
    return sum(_answers(o, decision, semantic) and not o.right for o in found) / max(1, len(found))


def suggest_threshold(found: Sequence[Outcome]) -> float:
    """The top score that `SUGGEST_RECALL` of queries with their gold entry among the choices reach."""
    tops = [o.top for o in found if o.rank is not None and o.rank <= CHOICES]
    if not tops:
        return 0.0
    return float(np.quantile(tops, 1 - SUGGEST_RECALL))


def band_shares(
    found: Sequence[Outcome], decision: Decision, semantic: Decision | None = None
) -> dict[str, float]:
    """How `found` falls into the bands under `decision` (and `semantic` for the outcomes
    whose semantic step ran), and how often each band is useful."""
    count = max(1, len(found))
    answered = [o for o in found if _answers(o, decision, semantic)]
    suggested = [o for o in found if _suggests(o, decision, semantic)]
    return {
        "queries": len(found),
        "semantic_step": sum(o.semantic for o in found) / count,
        "top1": sum(o.right for o in found) / count,
        "answered": len(answered) / count,
        "answered_right": sum(o.right for o in answered) / max(1, len(answered)),
        "answered_wrong_of_all": sum(not o.right for o in answered) / count,
        "suggested": len(suggested) / count,
        "suggested_with_gold": sum(o.rank is not None and o.rank <= CHOICES for o in suggested)
        / max(1, len(suggested)),
        "escalated": 1 - (len(answered) + len(suggested)) / count,
    }


def labelled_sets(
    pairs: Sequence[tuple[Path, Path]],
    faq_dir: Path | None = None,
    youth: Sequence[Path] = (),
    semantic: tuple[SemanticSearch, EmbeddingCache | None, Decision] | None = None,
) -> dict[str, list[Outcome]]:
    """Outcomes of each (FAQ file, queries file) pair, and of each youth file against `faq_dir`.
    `semantic`: (cascade, embedding cache, lexical decision) to search as the bot does with the
    semantic layer; None: lexical only."""

    def built(entries: Sequence[FaqEntry], index: FaqIndex) -> FaqIndex:
        if semantic is None:
            return index
        from bot.semantic.faq import attach_vectors

        return attach_vectors(index, semantic[0].embedder, semantic[1])

    cascade, lexical = (semantic[0], semantic[2]) if semantic is not None else (None, None)
    sets = {}
    for faq, queries in pairs:
        entries = load_faq(faq)
        index = built(entries, FaqIndex.build(entries))
        sets[str(queries)] = outcomes(index, load_queries(queries), cascade, lexical)
    if youth:
        from bot.faq.loader import load_faq_dir

        loaded = load_faq_dir(faq_dir or Path("faq_data"))
        index = built(loaded.entries, FaqIndex.build(loaded.entries, loaded.lexicon))
        for path in youth:
            sets[str(path)] = outcomes(index, youth_queries(path, loaded.entries), cascade, lexical)
    return sets


def semantic_env_lines(decision: Decision) -> str:
    """The semantic decision as `.env` lines."""
    return "\n".join(
        (
            f"FAQ_SEMANTIC_BIAS={decision.bias:.3f}",
            f"FAQ_SEMANTIC_TOP_WEIGHT={decision.top_weight:.3f}",
            f"FAQ_SEMANTIC_LEAD_WEIGHT={decision.lead_weight:.3f}",
            f"FAQ_SEMANTIC_COVERAGE_WEIGHT={decision.coverage_weight:.3f}",
            f"FAQ_SEMANTIC_COSINE_WEIGHT={decision.cosine_weight:.3f}",
            f"FAQ_SEMANTIC_COSINE_LEAD_WEIGHT={decision.cosine_lead_weight:.3f}",
            f"FAQ_SEMANTIC_PROBABILITY={decision.answer_probability:.2f}",
            f"FAQ_SEMANTIC_THRESHOLD={decision.answer_threshold:.3f}",
            f"FAQ_SEMANTIC_SUGGEST_THRESHOLD={decision.suggest_threshold:.3f}",
        )
    )


def env_lines(decision: Decision) -> str:
    """The decision as `.env` lines."""
    return "\n".join(
        (
            f"FAQ_ANSWER_BIAS={decision.bias:.3f}",
            f"FAQ_ANSWER_TOP_WEIGHT={decision.top_weight:.3f}",
            f"FAQ_ANSWER_LEAD_WEIGHT={decision.lead_weight:.3f}",
            f"FAQ_ANSWER_COVERAGE_WEIGHT={decision.coverage_weight:.3f}",
            f"FAQ_ANSWER_PROBABILITY={decision.answer_probability:.2f}",
            f"FAQ_ANSWER_THRESHOLD={decision.answer_threshold:.3f}",
            f"FAQ_SUGGEST_THRESHOLD={decision.suggest_threshold:.3f}",
        )
    )

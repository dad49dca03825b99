"""Band thresholds calibrated on labelled queries (`python -m bot.faq calibrate`).

For every labelled query the index is searched once and three things are kept: the top score, its
lead over the runner-up, and where the first gold entry ranked. Then, for each labelled set:

- answer threshold and margin: among the margins in `MARGINS`, the one that answers the most
  queries with top-1 precision of at least `ANSWER_PRECISION` (over at least `MIN_SUPPORT`
  answered queries), and the lowest top score that keeps that precision;
- suggest threshold: the top score that `SUGGEST_RECALL` of the queries whose gold entry is among
  the offered choices (the top `CHOICES`) reach, so those choices are actually shown.

Sets are combined conservatively, because a wrong direct answer costs more than a question back:
the highest answer threshold and the largest margin of the sets where the precision is reachable
at all, and the lowest suggest threshold.

Labelled sets: FAQ/queries file pairs in the `bot.faq.bench` formats, and, with `--dir`, the
admins' own FAQ folder by leave-one-out (each similar question held out and asked against the rest).

The defaults in bot/settings.py come from this version of the index with

    python -m bot.faq calibrate --dir faq_data \\
        --faq ../shared/faq-bench/bq/faq.jsonl --queries ../shared/faq-bench/bq/queries.jsonl \\
        --faq ../shared/faq-bench/lcqmc_dev/faq.jsonl \\
        --queries ../shared/faq-bench/lcqmc_dev/queries.jsonl

which gave FAQ_ANSWER_THRESHOLD=0.377 and FAQ_ANSWER_MARGIN=0.20 (both set by the faq_data
leave-one-out, 743 held-out similar questions: 21% answered directly, 93% of them right; lcqmc_dev
alone would allow 0.337 with a 0.06 margin) and FAQ_SUGGEST_THRESHOLD=0.354 (set by BQ). On BQ no
rule reaches 90% precision (its labels split near-identical intents; the dataset README's audit
found most "misses" acceptable), so BQ only informs the suggest threshold. A large margin with a
modest threshold means: answer when one entry clearly stands out, ask back when several compete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from bot.faq.bench import LabelledQuery, load_faq, load_queries
from bot.faq.index import FaqIndex
from bot.faq.model import FaqEntry, Lexicon
from bot.faq.normalize import NO_LEXICON

ANSWER_PRECISION = 0.9
SUGGEST_RECALL = 0.9
MIN_SUPPORT = 30
MARGINS = (0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20)
CHOICES = 3


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one labelled query got from the index."""

    top: float
    lead: float
    rank: int | None
    """Rank of the first gold entry (1-based), None if not in the results."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Calibrated band settings."""

    answer_threshold: float
    suggest_threshold: float
    answer_margin: float

    def as_dict(self) -> dict[str, float]:
        """Rounded values, for printing."""
        return {name: round(value, 3) for name, value in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class AnswerCut:
    """The most generous direct-answer rule that keeps the precision on one set."""

    threshold: float
    margin: float
    answered: float
    """Share of the set's queries answered directly (0 if the precision is out of reach)."""


def outcomes(index: FaqIndex, queries: Sequence[LabelledQuery]) -> list[Outcome]:
    """Search every query once and keep what calibration needs."""
    found: list[Outcome] = []
    for labelled in queries:
        matches = index.search(labelled.query, 10)
        if not matches:
            found.append(Outcome(0.0, 0.0, None))
            continue
        runner_up = matches[1].score if len(matches) > 1 else 0.0
        rank = next(
            (i for i, match in enumerate(matches, 1) if match.entry.id in labelled.gold), None
        )
        found.append(Outcome(matches[0].score, matches[0].score - runner_up, rank))
    return found


def leave_one_out(entries: Sequence[FaqEntry], lexicon: Lexicon = NO_LEXICON) -> list[Outcome]:
    """Each similar question held out as a query against an index without it.

    Fold n holds out the n-th similar question of every entry at once, so the FAQ is indexed once
    per fold, not once per question.
    """
    found: list[Outcome] = []
    folds = max((len(entry.similar) for entry in entries), default=0)
    for fold in range(folds):
        held = [entry for entry in entries if len(entry.similar) > fold]
        kept = [
            replace(entry, similar=entry.similar[:fold] + entry.similar[fold + 1 :])
            if len(entry.similar) > fold
            else entry
            for entry in entries
        ]
        queries = [LabelledQuery(entry.similar[fold], frozenset({entry.id})) for entry in held]
        found += outcomes(FaqIndex.build(kept, lexicon), queries)
    return found


def answer_cut(found: Sequence[Outcome]) -> AnswerCut:
    """The threshold and margin answering the most of `found` at `ANSWER_PRECISION`."""
    best = AnswerCut(1.0, 0.0, 0.0)
    for margin in MARGINS:
        kept = sorted((o for o in found if o.lead >= margin), key=lambda o: -o.top)
        right = np.cumsum([o.rank == 1 for o in kept])
        for count in range(len(kept), MIN_SUPPORT - 1, -1):
            # Only cut between different scores, so the threshold answers exactly `count` queries.
            next_score = kept[count].top if count < len(kept) else -1.0
            if right[count - 1] / count >= ANSWER_PRECISION and next_score < kept[count - 1].top:
                if count / len(found) > best.answered:
                    best = AnswerCut(kept[count - 1].top, margin, count / len(found))
                break
    return best


def suggest_threshold(found: Sequence[Outcome]) -> float:
    """The top score that `SUGGEST_RECALL` of queries with their gold entry among the choices reach."""
    tops = [o.top for o in found if o.rank is not None and o.rank <= CHOICES]
    if not tops:
        return 0.0
    return float(np.quantile(tops, 1 - SUGGEST_RECALL))


def calibrate(sets: Sequence[Sequence[Outcome]]) -> Thresholds:
    """Thresholds from one or more labelled sets, combined conservatively."""
    cuts = [cut for cut in (answer_cut(found) for found in sets) if cut.answered > 0]
    answer = max((cut.threshold for cut in cuts), default=1.0)
    margin = max((cut.margin for cut in cuts), default=0.0)
    suggest = min(suggest_threshold(found) for found in sets)
    return Thresholds(answer, min(suggest, answer), margin)


def band_shares(found: Sequence[Outcome], thresholds: Thresholds) -> dict[str, float]:
    """How `found` falls into the bands under `thresholds`, and how often each band is useful."""
    count = max(1, len(found))
    answered: list[Outcome] = []
    suggested: list[Outcome] = []
    for outcome in found:
        if outcome.top >= thresholds.answer_threshold and outcome.lead >= thresholds.answer_margin:
            answered.append(outcome)
        elif outcome.top >= thresholds.suggest_threshold:
            suggested.append(outcome)
    return {
        "queries": len(found),
        "top1": sum(o.rank == 1 for o in found) / count,
        "answered": len(answered) / count,
        "answered_right": sum(o.rank == 1 for o in answered) / max(1, len(answered)),
        "suggested": len(suggested) / count,
        "suggested_with_gold": sum(o.rank is not None and o.rank <= CHOICES for o in suggested)
        / max(1, len(suggested)),
        "escalated": 1 - (len(answered) + len(suggested)) / count,
    }


def labelled_sets(
    pairs: Sequence[tuple[Path, Path]], faq_dir: Path | None = None
) -> dict[str, list[Outcome]]:
    """Outcomes of each (FAQ file, queries file) pair, and of leave-one-out on `faq_dir`."""
    sets = {
        str(queries): outcomes(FaqIndex.build(load_faq(faq)), load_queries(queries))
        for faq, queries in pairs
    }
    if faq_dir is not None:
        from bot.faq.loader import load_faq_dir

        loaded = load_faq_dir(faq_dir)
        sets[f"{faq_dir} (leave-one-out)"] = leave_one_out(loaded.entries, loaded.lexicon)
    return sets


def env_lines(thresholds: Thresholds) -> str:
    """The thresholds as `.env` lines."""
    return "\n".join(
        (
            f"FAQ_ANSWER_THRESHOLD={thresholds.answer_threshold:.3f}",
            f"FAQ_SUGGEST_THRESHOLD={thresholds.suggest_threshold:.3f}",
            f"FAQ_ANSWER_MARGIN={thresholds.answer_margin:.2f}",
        )
    )

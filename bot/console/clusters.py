"""The questions the FAQ did not settle, grouped by similarity: where the FAQ should grow.

A question counts when it got a menu (您是不是想问, picked from or not), was handed to a person
(待人工, 人工回答), or got a 没用 — in the viewer's scope and the chosen days; crisis messages
(and erased texts) never: they are not examples to show. Only the newest `CANDIDATES` of them are
read, so a page stays fast whatever the database holds; the result is cached per scope and
period for `CACHE_SECONDS` (a new index, e.g. after an edit, computes it again).

Grouping uses the FAQ's own analyzer (jieba with the admins' dictionary and synonyms) and
scikit-learn: TF-IDF of content words and character bigrams, cosine similarity, and a greedy
cover: the question with the most neighbours at or above `SIMILARITY` founds a cluster of its
unassigned neighbours, then the next. Each cluster shows its size, a few examples (phone and ID
numbers masked), the entry its members most often matched (the suggested target for "add as a
similar question"), and what the bot would do with its most typical question now (the clusters
it now answers directly are listed last).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import exists, or_, select

from bot.cases.similarity import FUNCTION_WORDS
from bot.console.period import Period
from bot.console.recent import Recent
from bot.faq.bands import Decision
from bot.faq.index import FaqIndex
from bot.faq.model import Band, EntryKind
from bot.faq.normalize import normalize
from bot.qa.model import Outcome
from bot.qa.models import Feedback, Question
from bot.safety.masking import mask_pii
from bot.storage.database import Database

CANDIDATES = 1000
"""Most questions read and grouped (the newest of the period)."""
SIMILARITY = 0.5
"""Cosine of TF-IDF vectors at or above which two questions are alike."""
SHOWN = 20
"""Most clusters a page lists (the biggest first)."""
EXAMPLES = 3
EXAMPLE_CHARS = 80
CACHE_SECONDS = 60.0
CACHE_SIZE = 32

UNSETTLED = (
    Outcome.SUGGESTED.value,
    Outcome.CHOSEN.value,
    Outcome.UNANSWERED.value,
    Outcome.HUMAN.value,
)
"""Outcomes that mean the FAQ did not answer directly."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """Questions that ask the same thing."""

    count: int
    question: str
    """The most typical question (masked): what "add" writes unless the admin edits it."""
    examples: tuple[str, ...]
    """Distinct texts of the cluster (masked), the typical one first."""
    outcomes: tuple[tuple[str, int], ...]
    """How the questions went (outcome, count), the most frequent first."""
    not_helpful: int
    target: str | None
    """The entry the questions most often matched or got, if it is served now."""
    target_count: int
    band_now: Band
    """What the bot would do with `question` now (lexical decision, no org)."""


@dataclass(frozen=True, slots=True)
class ClusterView:
    """What the page shows."""

    clusters: list[Cluster]
    read: int
    """Questions read and grouped."""
    limited: bool
    """More questions than `CANDIDATES` were there: only the newest were grouped."""
    made_at: datetime
    took_ms: float = 0.0
    total_clusters: int = 0


@dataclass(slots=True)
class _Asked:
    text: str
    outcome: str
    matched: str | None
    not_helpful: bool
    normalized: str = ""
    """As stored when it was asked (`bot.faq.normalize.normalize` of the text)."""


def features(index: FaqIndex, normalized: str) -> list[str]:
    """What a question is compared by: the content words of its normalised text and their
    character bigrams."""
    words = [w for w in index.analyzer.tokens(normalized) if w not in FUNCTION_WORDS and w.strip()]
    content = "".join(words)
    return words + [content[i : i + 2] for i in range(len(content) - 1)]


async def _read(
    db: Database, orgs: Collection[str] | None, period: Period, limit: int
) -> list[_Asked]:
    disliked = exists().where(Feedback.question_id == Question.id, Feedback.helpful.is_(False))
    where = [
        Question.created_at >= period.since,
        Question.created_at < period.until,
        Question.risk_level.is_(None),
        Question.text != "",
        or_(Question.outcome.in_(UNSETTLED), disliked),
    ]
    if orgs is not None:
        where.append(Question.org_id.in_(orgs))
    async with db.session() as session:
        rows = (
            await session.execute(
                select(
                    Question.text,
                    Question.normalized,
                    Question.outcome,
                    Question.entry_id,
                    Question.matches,
                    disliked,
                )
                .where(*where)
                .order_by(Question.created_at.desc(), Question.id.desc())
                .limit(limit + 1)
            )
        ).all()
    found = []
    for text, normalized, outcome, entry_id, matches, bad in rows:
        best = matches[0].get("id") if matches and isinstance(matches[0], dict) else None
        found.append(_Asked(text, outcome, entry_id or best, bool(bad), normalized or ""))
    return found


def group(index: FaqIndex, asked: Sequence[_Asked]) -> list[list[int]]:
    """Indices of `asked` in clusters, biggest first (see the module docstring)."""
    if not asked:
        return []
    keys: dict[str, list[int]] = {}
    docs: list[list[str]] = []
    seen: dict[str, list[str]] = {}  # the same text is segmented once
    for n, item in enumerate(asked):
        normalized = item.normalized or normalize(item.text)
        terms = seen.get(normalized)
        if terms is None:
            terms = seen[normalized] = features(index, normalized)
        key = " ".join(terms) or f"\0{n}"  # a text without content stands alone
        if key not in keys:
            keys[key] = []
            docs.append(terms or [f"\0{n}"])
        keys[key].append(n)
    members = list(keys.values())
    vectors = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True).fit_transform(docs)
    alike = (vectors @ vectors.T).toarray() >= SIMILARITY
    weights = np.array([len(m) for m in members], dtype=float)
    free = np.ones(len(members), dtype=bool)
    clusters: list[list[int]] = []
    for founder in np.argsort(-(alike @ weights), kind="stable"):
        if not free[founder]:
            continue
        chosen = np.flatnonzero(alike[founder] & free)
        free[chosen] = False
        ordered = [founder, *(c for c in chosen if c != founder)]
        clusters.append([n for c in ordered for n in members[c]])
    clusters.sort(key=len, reverse=True)
    return clusters


def _example(text: str) -> str:
    shown = mask_pii(" ".join(text.split()))
    return shown if len(shown) <= EXAMPLE_CHARS else shown[: EXAMPLE_CHARS - 1] + "…"


def describe(
    index: FaqIndex, decision: Decision, asked: Sequence[_Asked], shown: int = SHOWN
) -> tuple[list[Cluster], int]:
    """The biggest `shown` clusters of `asked`, and how many there were."""
    found = group(index, asked)
    clusters = []
    for members in found[:shown]:
        items = [asked[n] for n in members]
        examples = tuple(dict.fromkeys(_example(i.text) for i in items))[:EXAMPLES]
        targets = Counter(
            i.matched
            for i in items
            if i.matched
            and (entry := index.entries.get(i.matched)) is not None
            and entry.kind is EntryKind.FAQ
        )
        target, target_count = targets.most_common(1)[0] if targets else (None, 0)
        band = decision.classify(index.search(items[0].text, 5))
        clusters.append(
            Cluster(
                count=len(items),
                question=examples[0],
                examples=examples,
                outcomes=tuple(Counter(i.outcome for i in items).most_common()),
                not_helpful=sum(i.not_helpful for i in items),
                target=target,
                target_count=target_count,
                band_now=band,
            )
        )
    # What the bot now answers directly (an admin just added it) goes last: the rest is to do.
    clusters.sort(key=lambda c: c.band_now is Band.ANSWER)
    return clusters, len(found)


class ClusterCache:
    """The views computed lately, per scope and period and for one index."""

    def __init__(self) -> None:
        self._recent: Recent[ClusterView] = Recent(CACHE_SECONDS, CACHE_SIZE)

    async def view(
        self,
        db: Database,
        index: FaqIndex,
        decision: Decision,
        orgs: Collection[str] | None,
        period: Period,
        now: datetime,
        *,
        limit: int = CANDIDATES,
    ) -> ClusterView:
        """The clusters of the unsettled questions of `orgs` in `period` (cached)."""
        key = (None if orgs is None else tuple(sorted(orgs)), period.since, period.until, limit)
        cached = self._recent.get(key, index)
        if cached is not None:
            return cached
        started = time.perf_counter()
        asked = await _read(db, orgs, period, limit)
        limited = len(asked) > limit
        asked = asked[:limit]
        # CPU work (segmenting, TF-IDF, a search per cluster): off the event loop.
        clusters, total = await asyncio.get_running_loop().run_in_executor(
            None, describe, index, decision, asked
        )
        view = ClusterView(
            clusters=clusters,
            read=len(asked),
            limited=limited,
            made_at=now,
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            total_clusters=total,
        )
        return self._recent.put(key, index, view)

    def clear(self) -> None:
        """Forget every view (after an edit of the FAQ)."""
        self._recent.clear()

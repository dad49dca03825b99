"""Screening of every message for safety-critical talk: self-harm and suicide (a youth's own or a
friend's), abuse at home, sexual abuse and exploitation, and bullying.

`CrisisDetector.assess` returns what was found: the kind, a risk level graded the way crisis lines
grade a call, and a short reason a cadre can read in the alert. Two layers, combined for recall:
- lexical cues (`bot.safety.cues`) on each clause, with negation scoped to what it negates, topic
  words ignored in abstract talk, and everyday hyperbole left alone; these give the level and the
  reason;
- a learned screen (`bot.safety.learned`): character n-gram logistic regression trained at start-up
  on the package's own data, for crisis talk that names no cue word ("我把药都攒好了").

A miss can cost far more than a false alarm, so a hit at level 1 or above always gets the 12355
reply first and an alert to people (see bot.qa.service and bot.cases).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum, IntEnum
from functools import lru_cache

from bot.safety.cues import ABSTRACT, CUES, HYPOTHETICAL, JOKING, Cue, negated
from bot.safety.learned import LearnedScreen
from bot.safety.text import clauses, warm_up

log = logging.getLogger(__name__)


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


class CrisisDetector:
    """Lexical cues plus an optional learned screen; `assess` is safe to call from any thread."""

    def __init__(self, learned: LearnedScreen | None = None) -> None:
        self.learned = learned

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
        """What `text` suggests, or None when nothing at all."""
        reading = self.read(text)
        assessment = None
        if reading.cues:
            top = reading.cues[0]
            reasons = list(dict.fromkeys(cue.reason for cue in reading.cues))[:3]
            assessment = Assessment(CrisisKind(top.kind), RiskLevel(top.level), "；".join(reasons))
            if assessment.is_crisis:
                return assessment
        if self.learned is not None and not reading.guarded:
            verdict = self.learned.judge(reading.residual)
            if verdict is not None:
                return Assessment(
                    CrisisKind(verdict.kind),
                    RiskLevel(max(verdict.level, RiskLevel.DISTRESS)),
                    f"与求助的话相近（{verdict.words}）",
                )
        return assessment


def residual(text: str) -> str:
    """What the learned screen is shown of `text`: its clauses without the negated cue words."""
    return CrisisDetector().read(text).residual


@lru_cache(maxsize=1)
def default_detector() -> CrisisDetector:
    """The process's detector: cues plus the screen trained on the package's data (once)."""
    try:
        learned = LearnedScreen.from_package(residual=residual)
        warm_up()
    except Exception:
        log.exception("crisis screen: the learned layer failed to train; cues only")
        learned = None
    return CrisisDetector(learned)


def assess_crisis(text: str) -> Assessment | None:
    """`default_detector().assess(text)`."""
    return default_detector().assess(text)

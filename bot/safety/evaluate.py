"""Measuring the crisis screen on a labelled file: recall, false alarms, kinds and levels.

    python -m bot.safety eval FILE.yaml [--cues-only] [--misses] [--part dev|final]
    python -m bot.safety tune [--target-fa 0.04]   # cross-validated threshold of the learned screen

FILE has the shape of bot/safety/data/crisis.yaml: {crisis: [{text, kind, level}], none: [text]}.
`--part` keeps one half of FILE, chosen by a hash of each text (`part_of`), so a set written by
someone else can be split once: one half to look at and tune on, the other only evaluated.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.safety.crisis import Assessment, CrisisDetector, residual
from bot.safety.learned import UNKNOWN, LearnedScreen, load_examples

Assess = Callable[[str], Assessment | None]


@dataclass
class Report:
    """Figures of one screen on one labelled set."""

    crisis: int = 0
    caught: int = 0
    right_kind: int = 0
    right_level: int = 0
    labelled: int = 0
    """Caught crisis messages whose kind and level the set gives (bare texts have none)."""
    none: int = 0
    false_alarms: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)
    microseconds: float = 0.0

    @property
    def recall(self) -> float:
        """Share of crisis messages flagged at level 1 or above."""
        return self.caught / self.crisis if self.crisis else 0.0

    @property
    def false_alarm_rate(self) -> float:
        """Share of look-alikes flagged at level 1 or above."""
        return self.false_alarms / self.none if self.none else 0.0

    def line(self) -> str:
        """One line of figures."""
        return (
            f"recall {self.caught}/{self.crisis} ({self.recall:.1%}), "
            f"false alarms {self.false_alarms}/{self.none} ({self.false_alarm_rate:.1%}), "
            f"kind right {self.right_kind}/{self.labelled}, level right {self.right_level}/{self.labelled}, "
            f"{self.microseconds:.0f} µs/message"
        )


def measure(assess: Assess, text: str) -> Report:
    """Run `assess` over a labelled set given as YAML text."""
    texts, labels, kinds, levels = load_examples(text)
    report = Report()
    start = time.perf_counter()
    for message, label, kind, level in zip(texts, labels, kinds, levels, strict=True):
        found = assess(message)
        flagged = found is not None and found.is_crisis
        if label:
            report.crisis += 1
            if flagged and found is not None:
                report.caught += 1
                if kind != UNKNOWN:
                    report.labelled += 1
                    report.right_kind += found.kind.value == kind
                    report.right_level += int(found.level) == level
            else:
                report.misses.append(f"{kind}/{level}: {message}")
        else:
            report.none += 1
            if flagged and found is not None:
                report.false_alarms += 1
                report.alarms.append(
                    f"{message} -> {found.kind.value}/{int(found.level)} {found.reason}"
                )
    report.microseconds = (time.perf_counter() - start) / max(1, len(texts)) * 1e6
    return report


def cross_validate(
    files: list[tuple[str, str]],
    thresholds: list[float],
    folds: int = 5,
    seed: int = 7,
    target: float = 0.04,
) -> list[str]:
    """Recall and false alarms of the whole lexical screen (cues, the learned screen's veto and
    threshold) per threshold, the screen trained on the other folds each time, so no message is
    judged by a model that saw it. `files` are (name, YAML text); the figures that choose the
    threshold are those on the files after the first, written apart from the cues (the cues were
    written on the first, so there they look better than they are). The last line names the
    lowest threshold whose false alarms there stay at or below `target`."""
    texts: list[str] = []
    labels: list[int] = []
    kinds: list[str] = []
    levels: list[int] = []
    source: list[int] = []
    for n, (_name, text) in enumerate(files):
        t, y, k, v = load_examples(text)
        texts += t
        labels += y
        kinds += k
        levels += v
        source += [n] * len(t)
    order = list(range(len(texts)))
    random.Random(seed).shuffle(order)
    flagged = {t: [False] * len(texts) for t in thresholds}
    for fold in range(folds):
        test = set(order[fold::folds])
        train = [i for i in order if i not in test]
        screen = LearnedScreen(
            [texts[i] for i in train],
            [labels[i] for i in train],
            [kinds[i] for i in train],
            [levels[i] for i in train],
            residual=residual,
        )
        detector = CrisisDetector(screen)
        for threshold in thresholds:
            screen.threshold = threshold
            for i in test:
                found = detector.assess(texts[i])
                flagged[threshold][i] = found is not None and found.is_crisis

    def figures(threshold: float, sources: set[int]) -> tuple[int, int, int, int]:
        rows = [i for i in range(len(texts)) if source[i] in sources]
        crisis = [i for i in rows if labels[i]]
        none = [i for i in rows if not labels[i]]
        hits = flagged[threshold]
        return sum(hits[i] for i in crisis), len(crisis), sum(hits[i] for i in none), len(none)

    def line(counts: tuple[int, int, int, int]) -> str:
        caught, crisis, alarms, none = counts
        return (
            f"recall {caught}/{crisis} ({caught / max(1, crisis):.1%}), "
            f"false alarms {alarms}/{none} ({alarms / max(1, none):.1%})"
        )

    apart = set(range(1, len(files))) or {0}
    lines = []
    for threshold in thresholds:
        lines.append(
            f"threshold {threshold:.2f}: all {line(figures(threshold, set(range(len(files)))))}"
        )
        for n, (name, _text) in enumerate(files):
            lines.append(f"    {name}: {line(figures(threshold, {n}))}")
    chosen = [t for t in sorted(thresholds) if (c := figures(t, apart))[2] <= target * c[3]]
    lines.append(
        f"lowest threshold with false alarms <= {target:.0%} on the data written apart: "
        + (f"{chosen[0]:.3f}" if chosen else "none")
    )
    return lines


def part_of(text: str) -> str:
    """ "dev" or "final": the fixed half of a labelled set a message belongs to."""
    return "dev" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "final"


def keep_part(text: str, part: str) -> str:
    """The YAML text of a labelled set with only the messages of one half (`part_of`)."""
    data: dict[str, Any] = yaml.safe_load(text) or {}
    kept = {
        "crisis": [item for item in data.get("crisis") or [] if part_of(str(item["text"])) == part],
        "none": [item for item in data.get("none") or [] if part_of(str(item)) == part],
    }
    return yaml.safe_dump(kept, allow_unicode=True)


def read(path: str | Path) -> str:
    """A labelled set's text."""
    return Path(path).read_text(encoding="utf-8")

"""The learned layer of the crisis screen: character n-gram logistic regression.

Trained at start-up (well under a second) on the files of `bot/safety/data` (`DATA_FILES`), shipped
with the package, so nothing is downloaded and the model always matches the data beside it. It catches
crisis talk the cues do not name; the cues stay the first layer and give levels and reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from bot.safety.text import clauses, data_texts

THRESHOLD = 0.825
"""Probability of crisis at or above which the screen speaks: the lowest whose false alarms stay
within 4% on the data written apart from the cues, by 5-fold cross-validation of the whole lexical
screen on the training data (`python -m bot.safety tune`): there 94.9% recall, 3.8% false alarms
(0.70: 96.1% and 6.7%; 0.80: 95.0% and 4.2%). The previous 0.70 was chosen when the look-alikes in
the data were fewer and easier; a new writer's look-alikes raised false alarms to 11.5%."""

VETO = 0.20
"""Below this probability the screen overrules a cue of level 1 or 2: the cue's words are there,
but the whole message reads like the look-alikes the screen was trained on ("热得我不想活了",
"如何帮助被网暴的人"). Imminent cues (level 3) are never overruled. In cross-validation on the
training data it cleared 14 of the 22 such false alarms among a new writer's look-alikes and
cost 1 of the 905 crisis messages a weak cue had caught."""

GUARDED = 0.90
"""The threshold for a message the cues read as abstract talk or taken back (a word like 作业 or
游戏里 in it): the screen is asked too, but must be nearly sure ("每次我写作业他就拿拐棍打我").
In cross-validation 0.90 caught 19 of 32 such crisis messages and none of 419 such look-alikes
(0.85: 25 and 2)."""

C = 30.0
"""Inverse regularisation of the crisis-or-not regression (cross-validated with the threshold)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the learned screen thinks of a message it flags."""

    probability: float
    kind: str
    level: int
    words: str
    """The character n-grams that weighed most, for the alert."""


UNKNOWN = "unknown"
"""The kind of a crisis message given without one (../shared/safety/dev.yaml lists bare texts)."""


def load_examples(text: str) -> tuple[list[str], list[int], list[str], list[int]]:
    """(texts, is_crisis, kind, level) from a crisis data file's YAML text; a crisis item may be
    a bare text, whose kind is `UNKNOWN` and level 0."""
    data: dict[str, Any] = yaml.safe_load(text) or {}
    texts: list[str] = []
    labels: list[int] = []
    kinds: list[str] = []
    levels: list[int] = []
    for item in data.get("crisis") or []:
        if isinstance(item, str):  # a bare message (a sample set): crisis, kind and level unknown
            item = {"text": item, "kind": UNKNOWN, "level": 0}
        texts.append(str(item["text"]))
        labels.append(1)
        kinds.append(str(item["kind"]))
        levels.append(int(item["level"]))
    for item in data.get("none") or []:
        texts.append(str(item))
        labels.append(0)
        kinds.append("none")
        levels.append(0)
    return texts, labels, kinds, levels


def package_examples() -> tuple[list[str], list[int], list[str], list[int]]:
    """(texts, is_crisis, kind, level) of all the training data shipped in bot/safety/data."""
    texts: list[str] = []
    labels: list[int] = []
    kinds: list[str] = []
    levels: list[int] = []
    for text in data_texts():
        t, y, k, v = load_examples(text)
        texts += t
        labels += y
        kinds += k
        levels += v
    return texts, labels, kinds, levels


def prepare(text: str) -> str:
    """The form the model reads: normalised clauses, slang spelled out, joined by spaces."""
    return " ".join(clauses(text))


class LearnedScreen:
    """Crisis or not, then which kind and level, from character 1-3-grams.

    Most messages are not crises, so the yes/no step runs for nearly every one: it is computed
    from dictionaries of the fitted weights (tens of microseconds), not through scikit-learn's
    per-call machinery (milliseconds); kind and level are asked of scikit-learn only on a hit.
    """

    def __init__(
        self,
        texts: list[str],
        labels: list[int],
        kinds: list[str],
        levels: list[int],
        threshold: float = THRESHOLD,
        residual: Callable[[str], str] | None = None,
        veto: float = VETO,
        guarded: float = GUARDED,
    ) -> None:
        """`residual` turns a training message into what the screen will be shown of it (the
        cue layer cuts negated words out, so "我爸妈从来不打我" is learnt as what it is shown)."""
        self.threshold = threshold
        self.veto = veto
        self.guarded = guarded
        prepared = [prepare(residual(t) if residual else t) for t in texts]
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        matrix = self.vectorizer.fit_transform(prepared)
        self.screen = screen = LogisticRegression(C=C, class_weight="balanced", solver="liblinear")
        screen.fit(matrix, labels)
        crisis = [i for i, label in enumerate(labels) if label]
        self.kind = OneVsRestClassifier(LogisticRegression(C=10.0, solver="liblinear"))
        self.kind.fit(matrix[crisis], [kinds[i] for i in crisis])
        self.level = OneVsRestClassifier(LogisticRegression(C=10.0, solver="liblinear"))
        self.level.fit(matrix[crisis], [levels[i] for i in crisis])
        self._analyze = self.vectorizer.build_analyzer()
        idf = self.vectorizer.idf_
        coef = screen.coef_[0]
        self._idf = {gram: float(idf[i]) for gram, i in self.vectorizer.vocabulary_.items()}
        self._weight = {gram: float(coef[i]) for gram, i in self.vectorizer.vocabulary_.items()}
        self._intercept = float(screen.intercept_[0])

    @classmethod
    def from_package(
        cls, threshold: float = THRESHOLD, residual: Callable[[str], str] | None = None
    ) -> LearnedScreen:
        """Trained on the data file shipped in bot/safety/data."""
        return cls(*package_examples(), threshold=threshold, residual=residual)

    def _contributions(self, text: str) -> dict[str, float]:
        """Each known n-gram's share of the decision (sublinear tf-idf, L2-normalised, times
        its weight), as TfidfVectorizer and the fitted regression would compute it."""
        counts: dict[str, int] = {}
        for gram in self._analyze(prepare(text)):
            if gram in self._idf:
                counts[gram] = counts.get(gram, 0) + 1
        values = {gram: (1.0 + math.log(n)) * self._idf[gram] for gram, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {gram: v / norm * self._weight[gram] for gram, v in values.items()}

    def probability(self, text: str) -> float:
        """Probability that `text` is crisis talk."""
        z = self._intercept + sum(self._contributions(text).values())
        return 1.0 / (1.0 + math.exp(-z))

    def judge(self, text: str) -> Verdict | None:
        """A verdict when `text` reads as crisis talk, else None."""
        if not text.strip():
            return None
        parts = self._contributions(text)
        probability = 1.0 / (1.0 + math.exp(-(self._intercept + sum(parts.values()))))
        if probability < self.threshold:
            return None
        return self._verdict(text, parts, probability)

    def verdict(self, text: str, probability: float) -> Verdict:
        """The verdict on `text` for a probability decided elsewhere (the semantic step's
        average): the kind, level and n-grams the screen reads in it."""
        return self._verdict(text, self._contributions(text), probability)

    def _verdict(self, text: str, parts: dict[str, float], probability: float) -> Verdict:
        top = sorted((g for g, w in parts.items() if w > 0 and len(g.strip()) > 1), key=parts.get)
        words = "、".join(dict.fromkeys(g.strip() for g in reversed(top[-6:]))) or "整体语气"
        row = self.vectorizer.transform([prepare(text)])
        return Verdict(
            probability, str(self.kind.predict(row)[0]), int(self.level.predict(row)[0]), words
        )

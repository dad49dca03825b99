"""Tests that drive the real bot (`python -m bot`) over a real OneBot v11 reverse WebSocket."""

import re

SELF_ID = 2_900_000_001
TOKEN = "qingsheng-test-token"
STARTUP_TIMEOUT = 45.0


def squash(value: str) -> str:
    """`value` without any white space, for comparing texts across line wrapping."""
    return re.sub(r"\s+", "", value)

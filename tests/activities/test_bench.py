"""The announcement benchmark runs and sends to every group exactly once."""

from __future__ import annotations

from bot.bench.activities import run


async def test_benchmark_small_run() -> None:
    figures = await run(20, None)
    assert figures["groups"] == 20
    assert figures["send_ms_per_message"] > 0

"""The console benchmark runs on a small seed and times every query it names."""

from __future__ import annotations

from bot.bench.console import run


async def test_benchmark_small_run() -> None:
    figures = await run(500, None)
    assert figures["questions"] == 500 and figures["database"] == "sqlite"
    for viewer in ("admin", "street"):
        assert set(figures[viewer]) == {
            "figures",
            "breakdown",
            "questions",
            "liked",
            "cases",
            "dashboard",
        }
        assert all(ms > 0 for ms in figures[viewer].values())

"""Background loops wait for a wake-up or a tick, and always stop when cancelled."""

from __future__ import annotations

import asyncio

from bot.common.wake import wait_event


async def test_returns_whether_the_event_was_set() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 10) is True


async def test_a_loop_woken_and_cancelled_at_once_still_stops() -> None:
    """`asyncio.wait_for` (before Python 3.12) returns the wake-up and swallows a cancellation
    that arrives with it; the outbox's loop then never ended and stopping it hung."""
    wake = asyncio.Event()

    async def loop() -> None:
        while True:
            await wait_event(wake, 10)
            wake.clear()

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)  # the loop is waiting
    wake.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert done, "the cancelled loop kept running"
    assert task.cancelled()

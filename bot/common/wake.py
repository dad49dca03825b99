"""Waiting for an event or a timeout, whichever comes first, in a task that may be cancelled."""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until `event` is set or `timeout` seconds pass; True if it was set.

    Not `asyncio.wait_for`: before Python 3.12, when the event is set just as the task is
    cancelled, it returns and swallows the cancellation, and a background loop stopped that way
    never ends.
    """
    waiter = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
    finally:
        waiter.cancel()
    return bool(done)

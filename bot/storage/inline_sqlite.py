"""SQLite on the event loop's own thread, for the embedded database.

aiosqlite hands every call (cursor, execute, fetch, close, commit) to a worker thread and waits
for the answer: about 0.25 ms a call on this project's 2-core machines, so 2 ms for a question's
short write transaction, most of it thread hand-offs. SQLite itself needs tens of microseconds
for such a statement. So the embedded database keeps aiosqlite's API (SQLAlchemy's aiosqlite
dialect drives it unchanged) but runs each call at once, in the caller's thread.

The price: a statement blocks the event loop while it runs, and SQLite's busy wait would block it
too. That is why `Database` gives such an engine exactly one connection: sessions queue for it
in asyncio, so two of them never contend for SQLite's write lock inside this process. Large
deployments use PostgreSQL, which is asynchronous all the way.

This builds on aiosqlite's internals (the call queue `_tx`, `_connect`), so pyproject.toml pins
aiosqlite to the minor release it was tested with.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Generator
from functools import partial
from typing import Any

import aiosqlite


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs each call when it is queued."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling thread; its thread never starts."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    def __await__(self) -> Generator[Any, None, aiosqlite.Connection]:
        return self._connect().__await__()


def inline_connector(path: str) -> Callable[[], Any]:
    """An `async_creator` for SQLAlchemy: opens `path` as an `InlineConnection`."""

    async def connect() -> aiosqlite.Connection:
        return await InlineConnection(partial(sqlite3.connect, path, check_same_thread=False))

    return connect

"""The OneBot v11 adapter, guarded: one bad frame from the QQ side never closes the connection.

Upstream's reverse-WebSocket loop (`nonebot.adapters.onebot.v11.Adapter._handle_ws`) calls
`json.loads` on every frame without a guard: a single frame that is not JSON (a truncated write, a
binary frame, an implementation's bug) raises out of the loop and the adapter closes the socket,
so every group of that QQ account goes deaf until the implementation reconnects. Its loop reads
frames only through `WebSocket.receive()`, so the least invasive fix is a WebSocket wrapper
handed to the unchanged upstream loop: `receive()` logs and skips a frame that does not parse,
and passes `clean_text` over every string of one that does (a JSON `\\u0000` or a lone `\\ud800`
in a nickname or a message would otherwise fail later, in the database). Nothing else of the
adapter is replaced; its name stays "OneBot V11", so bots, events and plugins are unchanged.

Not covered: the forward-WebSocket client (`ONEBOT_WS_URLS`, which reconnects on its own) and
the HTTP POST callback (a bad body fails that one request only, with a 500).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from nonebot.adapters.onebot.v11 import Adapter as OneBotV11Adapter
from nonebot.drivers import WebSocket

from bot.common.text import clean_text

log = logging.getLogger(__name__)

SHOWN_CHARS = 120
"""How much of a malformed frame the log line quotes."""


def clean_payload(value: Any) -> Any:
    """`value` (parsed JSON) with `clean_text` applied to every string; the same object when
    nothing needed cleaning, so the common case allocates nothing."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        cleaned = {clean_text(k): clean_payload(v) for k, v in value.items()}
        same = all(a is b for a, b in zip(value.values(), cleaned.values(), strict=True))
        return value if same and list(cleaned) == list(value) else cleaned
    if isinstance(value, list):
        items = [clean_payload(item) for item in value]
        return value if all(a is b for a, b in zip(value, items, strict=True)) else items
    return value


def read_frame(data: str | bytes, source: str) -> str | None:
    """The frame as JSON text the adapter can parse (cleaned if it had to be), or None (logged)
    when it is not a JSON object at all."""
    try:
        # strict=False: a raw control character inside a string is cleaned, not a lost message.
        payload = json.loads(data, strict=False)
    except (ValueError, RecursionError) as exc:
        shown = data[:SHOWN_CHARS]
        log.warning(
            "OneBot %s: frame that is not JSON skipped, connection kept (%s): %r%s",
            source,
            type(exc).__name__,
            shown,
            "…" if len(data) > SHOWN_CHARS else "",
        )
        return None
    if not isinstance(payload, dict):
        # Upstream drops these without a word: neither an event nor an API result.
        log.warning(
            "OneBot %s: frame that is not a JSON object skipped: %.*r", source, SHOWN_CHARS, data
        )
        return None
    cleaned = clean_payload(payload)
    if cleaned is payload and isinstance(data, str):
        return data
    if cleaned is not payload:
        log.info(
            "OneBot %s: NUL, control characters or lone surrogates removed from a frame", source
        )
    return json.dumps(cleaned, ensure_ascii=False)


class GuardedWebSocket(WebSocket):
    """A driver WebSocket whose `receive()` yields only frames that parse as JSON, cleaned."""

    def __init__(self, inner: WebSocket) -> None:
        super().__init__(request=inner.request)
        self.inner = inner
        self.source = inner.request.headers.get("x-self-id") or "?"

    @property
    def closed(self) -> bool:
        return self.inner.closed

    async def accept(self) -> None:
        await self.inner.accept()

    async def close(self, code: int = 1000, reason: str = "") -> None:
        await self.inner.close(code, reason)

    async def receive(self) -> str:
        while True:
            frame = read_frame(await self.inner.receive(), self.source)
            if frame is not None:
                return frame

    async def receive_text(self) -> str:
        return await self.inner.receive_text()

    async def receive_bytes(self) -> bytes:
        return await self.inner.receive_bytes()

    async def send_text(self, data: str) -> None:
        await self.inner.send_text(data)

    async def send_bytes(self, data: bytes) -> None:
        await self.inner.send_bytes(data)


class Adapter(OneBotV11Adapter):
    """OneBot v11 with a guarded reverse-WebSocket receive loop (see the module docstring)."""

    async def _handle_ws(self, websocket: WebSocket) -> None:
        await super()._handle_ws(GuardedWebSocket(websocket))

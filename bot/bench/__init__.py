"""Benchmarks and test harnesses that drive the bot from the outside, as a real platform would.

- `onebot_peer`: a simulated OneBot v11 implementation (what NapCat / LLBot are to a real QQ account)
  that connects to the bot's reverse WebSocket, sends events and answers the bot's API calls.
- `bare_bot`: the baseline, a NoneBot bot with the same driver and adapter and nothing else.
- `e2e`: runs both bots as subprocesses, drives them at a fixed rate and compares their latency.
- `outbox`, `activities`, `console`, `faq`: the outbox, activity announcements, the console's
  queries and the FAQ retrieval (`python -m bot.faq bench`).

Run from a checkout: this package is left out of the built wheel.
"""

from bot.bench.onebot_peer import OneBotPeer, PeerRejected, SentMessage, at, reply, text

__all__ = ["OneBotPeer", "PeerRejected", "SentMessage", "at", "reply", "text"]

"""What the drivers share: the bundled FAQ and demo grid in place of the test FAQ, and what a
OneBot peer got for a step."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import Callable
from pathlib import Path

from bot.bench.onebot_peer import OneBotPeer, SentMessage
from bot.settings import Settings
from tests.conftest import ROOT
from tests.parity.script import Run, Step

SETTINGS = {"semantic": "off", "rate_user_per_minute": 30}
"""Lexical only, as every chat-surface test pins it; the script's youth sends 9 messages in a
few seconds, over the default 6 a minute a real youth rarely reaches."""


def on_bundled_faq(settings: Settings, tmp_path: Path, accounts: dict[str, str] = {}) -> Settings:  # noqa: B006
    """`settings` on a copy of the repository's faq_data (its demo grid), lexical only;
    `accounts`: lines added to a person of the demo grid's people.yaml after the line given,
    e.g. {'qq: "10006"': 'wecom: "x"'}."""
    faq_dir = tmp_path / "bundled_faq"
    shutil.copytree(ROOT / "faq_data", faq_dir)
    people = faq_dir / "grid" / "people.yaml"
    text = people.read_text(encoding="utf-8")
    for after, line in accounts.items():
        assert after in text, after
        text = text.replace(after, f"{after}\n    {line}")
    people.write_text(text, encoding="utf-8")
    return settings.model_copy(update={"faq_dir": faq_dir, **SETTINGS})


async def said_on_qq(
    peer: OneBotPeer,
    before: int,
    mine: Callable[[SentMessage], bool],
    run: Run,
    step: Step,
    timeout: float = 8.0,
) -> str:
    """All the bot sent through `peer` since its `before`-th message that `mine` picks, once
    that satisfies `step` (or `timeout` passed: the step's check then says what is missing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = [s for s in peer.sent[before:] if mine(s)]
        joined = "\n".join(s.text for s in got)
        left = deadline - loop.time()
        if run.satisfied(step, joined) or left <= 0:
            return joined
        seen = len(got)
        with contextlib.suppress(TimeoutError):
            await peer.wait_sent(
                lambda s, seen=seen: mine(s) and sum(map(mine, peer.sent[before:])) > seen,
                timeout=left,
            )

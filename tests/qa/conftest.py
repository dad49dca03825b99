from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.faq.service import FaqService
from bot.qa.model import Incoming
from bot.qa.service import QaService
from bot.settings import Settings
from bot.storage.database import Database
from tests.utils import Clock, next_message_id


@pytest.fixture
async def faq(settings: Settings) -> AsyncIterator[FaqService]:
    service = FaqService(settings.faq_dir, watch=False)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
def make_qa(
    database: Database, faq: FaqService, settings: Settings, clock: Clock
) -> Callable[..., QaService]:
    """A Q&A service; keyword arguments override settings (e.g. thresholds)."""

    def make(**overrides: object) -> QaService:
        return QaService(database, faq, settings.model_copy(update=overrides), clock=clock)

    return make


def ask(
    text: str,
    *,
    user: str = "u1",
    group: str | None = "g1",
    to_me: bool = True,
    reply_to: str | None = None,
    message_id: str | None = None,
    account: str = "default",
) -> Incoming:
    """A youth's message to the service (received by the bot account `account`)."""
    return Incoming(
        platform="qq",
        message_id=message_id or str(next_message_id()),
        user_id=user,
        text=text,
        group_id=group,
        to_me=to_me,
        reply_to=reply_to,
        account=account,
    )

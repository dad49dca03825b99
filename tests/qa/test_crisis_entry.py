"""The second net under the crisis screen: a question matching a 危机 entry is a crisis."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.faq.service import FaqService
from bot.qa import texts
from bot.qa.model import Outcome, ReplyKind
from bot.qa.models import Question
from bot.qa.service import QaService
from bot.settings import Settings
from bot.storage.database import Database
from tests.qa.conftest import ask
from tests.qa.test_service import RecordingHandover
from tests.utils import Clock

CRISIS_ENTRY = """\
entries:
  - id: help-now
    question: 撑不下去了怎么办
    similar: [感觉撑不下去了, 真的撑不下去了]
    answer: 请马上拨打 12356 或 12355。
    tags: [心理, 危机]
"""


@pytest.fixture
async def qa(database: Database, settings: Settings, clock: Clock) -> QaService:
    (settings.faq_dir / "faq" / "crisis.yaml").write_text(CRISIS_ENTRY, encoding="utf-8")
    faq = FaqService(settings.faq_dir, watch=False)
    await faq.start()
    service = QaService(database, faq, settings, clock=clock)

    # The screen finds nothing here: only the entry's tag can catch the message.
    async def nothing(_text: str) -> None:
        return None

    service.assess = nothing
    return service


async def test_a_question_matching_a_crisis_entry_gets_the_hotline_and_a_person(
    qa: QaService, database: Database
) -> None:
    qa.handover = handover = RecordingHandover(told="已转给团干部 #1")
    reply = await qa.handle(ask("撑不下去了怎么办", group=None))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text.startswith("请马上拨打 12356 或 12355"), "the entry's own answer first"
    assert reply.text.endswith(texts.CRISIS_TOLD), "and that a person has been told"
    await qa.sent("qq", None, reply)
    assert handover.calls == [("撑不下去了怎么办", True)], "an urgent case, at once"
    async with database.session() as session:
        question = await session.scalar(select(Question))
    assert question is not None and question.outcome == Outcome.CRISIS.value
    assert question.entry_id == "help-now"
    assert question.risk_level == 1 and "撑不下去了怎么办" in (question.risk_reason or "")


async def test_other_questions_keep_their_normal_answer(qa: QaService) -> None:
    qa.handover = RecordingHandover(told="已转给团干部 #1")
    reply = await qa.handle(ask("怎么交团费？"))
    assert reply is not None and reply.kind is not ReplyKind.CRISIS

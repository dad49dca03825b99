"""A flagged message that also asks what the FAQ answers: 12355 first, then that answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.faq.service import FaqService
from bot.qa import texts
from bot.qa.model import Outcome, ReplyKind
from bot.qa.models import Question
from bot.qa.service import QaService
from bot.safety.crisis import Assessment, CrisisKind, RiskLevel
from bot.settings import Settings
from bot.storage.database import Database
from tests.qa.conftest import ask
from tests.qa.test_service import RecordingHandover
from tests.utils import Clock

RIGHTS_ENTRY = """\
entries:
  - id: rights-home
    question: 爸爸喝了酒就打我怎么办？
    similar: [家里人打我怎么办, 被家暴了怎么办]
    answer: 可以向学校老师、居委会或妇联求助，也可以报警，公安机关可以出具告诫书。
    tags: [权益]
"""
QUESTION = "爸爸喝了酒就打我怎么办"


@pytest.fixture
async def qa(database: Database, settings: Settings, clock: Clock) -> QaService:
    (settings.faq_dir / "faq" / "rights.yaml").write_text(RIGHTS_ENTRY, encoding="utf-8")
    faq = FaqService(settings.faq_dir, watch=False)
    await faq.start()
    service = QaService(database, faq, settings, clock=clock)
    service.handover = RecordingHandover(told="已转给团干部 #1")
    return service


async def test_in_private_the_hotline_comes_first_and_the_answer_after_it(
    qa: QaService, database: Database
) -> None:
    reply = await qa.handle(ask(QUESTION, group=None))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text.startswith(texts.CRISIS), "the crisis reply (12355) first"
    assert reply.text.endswith("公安机关可以出具告诫书。"), "then what the entry answers"
    await qa.sent("qq", None, reply)
    assert qa.handover.calls == [(QUESTION, True)], "still an urgent case, at once"
    async with database.session() as session:
        question = await session.scalar(select(Question))
    assert question is not None and question.outcome == Outcome.CRISIS.value
    assert question.entry_id == "rights-home"
    assert question.risk_level == RiskLevel.DANGER


async def test_in_a_group_the_crisis_reply_names_nothing_of_it(qa: QaService) -> None:
    reply = await qa.handle(ask(QUESTION, group="g1"))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text == texts.CRISIS_GROUP


async def test_imminent_danger_gets_the_crisis_reply_alone(qa: QaService) -> None:
    async def imminent(_text: str) -> Assessment:
        return Assessment(CrisisKind.ABUSE, RiskLevel.IMMINENT, "正在挨打")

    qa.assess = imminent
    reply = await qa.handle(ask(QUESTION, group=None))
    assert reply is not None and reply.text == texts.CRISIS_IMMINENT


async def test_no_direct_answer_leaves_the_crisis_reply_alone(qa: QaService) -> None:
    reply = await qa.handle(ask("我真的不想活了", group=None))
    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text == texts.CRISIS

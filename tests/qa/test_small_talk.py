"""Small talk and questions outside the League's remit: a kind reply, recorded, no case."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.qa import texts
from bot.qa.model import Outcome, ReplyKind
from bot.qa.models import Question
from bot.qa.service import QaService
from bot.settings import Settings
from bot.storage.database import Database
from tests.conftest import FIXTURE_FAQ
from tests.qa.conftest import ask
from tests.qa.test_service import RecordingHandover

BUNDLED_SMALL_TALK = Path(__file__).resolve().parents[2] / "faq_data" / "faq" / "smalltalk.yaml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The test FAQ plus the bundled small-talk and out-of-scope entries."""
    faq_dir = tmp_path / "faq_data"
    shutil.copytree(FIXTURE_FAQ, faq_dir)
    shutil.copy(BUNDLED_SMALL_TALK, faq_dir / "faq" / "smalltalk.yaml")
    return Settings(data_dir=tmp_path, faq_dir=faq_dir, faq_watch=False)


async def outcomes(database: Database) -> list[tuple[str, str, str | None]]:
    async with database.session() as session:
        rows = await session.scalars(select(Question).order_by(Question.id))
        return [(q.text, q.outcome, q.entry_id) for q in rows]


@pytest.mark.parametrize(
    ("text", "entry"),
    [("你好", "chat-hello"), ("在吗", "chat-here"), ("谢谢你", "chat-thanks")],
)
async def test_small_talk_gets_a_short_reply_and_opens_no_case(
    make_qa: Callable[..., QaService], database: Database, text: str, entry: str
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover()

    reply = await qa.handle(ask(text))

    assert reply is not None and reply.kind is ReplyKind.SMALL_TALK
    assert texts.ANSWER_FOOTER not in reply.text
    assert reply.text and len(reply.text) < 80
    assert handover.calls == []
    assert await outcomes(database) == [(text, Outcome.SMALL_TALK.value, entry)]


async def test_weather_is_told_how_to_ask(make_qa: Callable[..., QaService]) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover()

    reply = await qa.handle(ask("今天天气怎么样"))

    assert reply is not None and reply.kind is ReplyKind.SMALL_TALK
    assert "天气" in reply.text and "入团" in reply.text
    assert handover.calls == []


async def test_out_of_scope_is_told_kindly_recorded_and_handed_over_only_on_request(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover(told="已转给团干部 #5")

    reply = await qa.handle(ask("帮我写作文"))

    assert reply is not None and reply.kind is ReplyKind.SMALL_TALK
    assert "不在我能解答的范围" in reply.text and "转人工" in reply.text
    assert handover.calls == []
    assert await outcomes(database) == [("帮我写作文", Outcome.OUT_OF_SCOPE.value, "oos-homework")]

    handed = await qa.handle(ask("转人工"))

    assert handed is not None and handed.text == "已转给团干部 #5"
    assert handover.calls == [("帮我写作文", False)]


async def test_handover_after_small_talk_asks_for_the_question(
    make_qa: Callable[..., QaService],
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover()

    await qa.handle(ask("你好"))
    reply = await qa.handle(ask("转人工"))

    assert reply is not None and reply.text == texts.NO_QUESTION_TO_HAND_OVER
    assert handover.calls == []


async def test_small_talk_is_never_offered_as_a_choice(make_qa: Callable[..., QaService]) -> None:
    qa = make_qa(faq_answer_threshold=1.01, faq_suggest_threshold=0.0)

    reply = await qa.handle(ask("你好"))

    assert reply is not None
    assert all(not entry.id.startswith(("chat-", "oos-")) for entry in reply.choices)
    assert reply.kind in (ReplyKind.SUGGEST, ReplyKind.UNANSWERED)


async def test_an_out_of_remit_question_matching_weakly_is_declined_not_a_case(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    # oos-daily-life matches at about 0.4, below the answer floor, but no League entry is near.
    qa = make_qa()
    qa.handover = handover = RecordingHandover()

    reply = await qa.handle(ask("驾照科目二怎么练"))

    assert reply is not None and reply.kind is ReplyKind.SMALL_TALK
    assert "转人工" in reply.text
    assert handover.calls == []
    assert await outcomes(database) == [
        ("驾照科目二怎么练", Outcome.OUT_OF_SCOPE.value, "oos-daily-life")
    ]


async def test_a_league_question_is_still_handed_over_when_nothing_matches_it(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa()
    qa.handover = handover = RecordingHandover(told="已转给团干部 #6")

    reply = await qa.handle(ask("团支部书记任期几年"))

    assert reply is not None and reply.kind is ReplyKind.UNANSWERED
    assert handover.calls == [("团支部书记任期几年", False)]

"""A case notification lists "相近的问答" only when they are near enough to help: entries the
question scored at least the choice threshold on, and League entries only."""

from __future__ import annotations

from bot.cases.models import Case
from bot.qa.models import Question
from bot.runtime import Runtime


def _notification(runtime: Runtime, matches: list[dict]) -> str:
    case = Case(id=7, text="社区路灯坏了找谁修", urgent=False, origin_org_id=None)
    question = Question(platform="qq", user_id="30001", text=case.text, matches=matches)
    return runtime.cases._notification(case, question)


async def test_far_entries_are_not_offered_as_related(runtime: Runtime) -> None:
    floor = runtime.settings.faq_suggest_threshold
    text = _notification(runtime, [{"id": "dues-pay", "score": floor - 0.2}])
    assert "相近的问答" not in text


async def test_near_entries_are_offered_best_first(runtime: Runtime) -> None:
    floor = runtime.settings.faq_suggest_threshold
    text = _notification(
        runtime,
        [
            {"id": "transfer", "score": floor + 0.1},
            {"id": "join-age", "score": floor},
            {"id": "dues-pay", "score": floor - 0.01},
        ],
    )
    transfer = runtime.faq.get("transfer")
    join = runtime.faq.get("join-age")
    dues = runtime.faq.get("dues-pay")
    assert transfer is not None and join is not None and dues is not None
    assert f"相近的问答：\n1. {transfer.question}\n2. {join.question}\n" in text
    assert dues.question not in text

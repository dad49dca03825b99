"""我的问题: a youth's latest questions and how each stands, the same on every platform."""

from __future__ import annotations

from bot.cases.models import RISKY_LEVEL
from bot.qa import texts
from bot.qa.model import Outcome
from bot.qa.models import Question
from bot.runtime import Runtime
from bot.safety.masking import mask_pii

MY_QUESTIONS_WORDS = ("我的问题", "我的提问")
"""What a youth types to see their questions."""


async def my_questions(
    runtime: Runtime, platform: str, user_id: str, group_id: str | None = None
) -> str:
    """The 我的问题 text for one youth; in a group, only what they asked in that group."""
    questions = await runtime.qa.recent_questions(platform, user_id, group_id)
    cases = await runtime.cases.cases_of_questions([q.id for q in questions])
    # Others read a group: the bot does not repeat a phone or ID number there, nor a word of a
    # cry for help.
    return texts.my_questions(
        [
            (
                (texts.RISKY_IN_GROUP if risky(q) else mask_pii(q.text)) if group_id else q.text,
                texts.question_status(q.outcome, *cases.get(q.id, (None, None))),
            )
            for q in questions
        ]
    )


def risky(question: Question) -> bool:
    """A crisis message (12355 given, or graded distress or worse)."""
    return question.outcome == Outcome.CRISIS.value or (question.risk_level or 0) >= RISKY_LEVEL

"""The extra sign-up fields (姓名, 手机号, 学校/单位), asked one by one in private chat.

A dialogue of `bot.chat.dialogue` like the others: 退出 stops the asking (the sign-up stays,
"我的报名" in private asks again), a command said meanwhile ends it, and a crisis message is
answered as one. `报名` starts it where fields are missing, and so does `我的报名` in private.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.activities import texts
from bot.activities.service import ActivityService
from bot.chat.dialogue import ChatKey, Turn
from bot.chat.speaker import Speaker

if TYPE_CHECKING:
    from bot.chat.dialogue import Dialogues

KIND = "signup"
WAIT = timedelta(days=1)
"""How long the fields wait for an answer: a youth signed up in a group may read the private
question hours later; past it, their message is an ordinary one (我的报名 asks again)."""


class SignupFields:
    """The flow of the fields a sign-up still lacks (the activity is in the state)."""

    kind = KIND
    ttl: timedelta | None = WAIT

    def __init__(self, service: ActivityService) -> None:
        self.service = service

    async def begin(self, speaker: Speaker) -> Turn:  # started through `ask_fields`
        return Turn([texts.SIGNUP_USAGE], None)

    async def quit(self, speaker: Speaker, state: dict[str, Any]) -> str:
        return texts.FIELDS_QUIT

    async def answer(self, speaker: Speaker, step: str, text: str, state: dict[str, Any]) -> Turn:
        platform, user_id = state["platform"], state["user_id"]
        reply = await self.service.answer_field(platform, user_id, text)
        if reply is None:  # cancelled or started meanwhile: nothing is asked any more
            return Turn([texts.FIELDS_GONE], None)
        pending = await self.service.pending_field(platform, user_id)
        if pending is None:
            return Turn([reply], None)
        activity, name = pending
        return Turn([reply], name, {**state, "activity_id": activity.id})


async def ask_fields(
    dialogues: Dialogues, service: ActivityService, platform: str, user_id: str
) -> str | None:
    """Wait in private chat for the first field a sign-up of this youth lacks; its question
    (naming the activity, saying how to stop), or None when nothing is missing."""
    pending = await service.pending_field(platform, user_id)
    if pending is None:
        return None
    activity, name = pending
    prompt = service.field_prompt(activity, name, first=True)
    state = {"platform": platform, "user_id": user_id, "activity_id": activity.id}
    await dialogues.begin_at(ChatKey(platform, "", user_id), KIND, name, state, asked=prompt)
    return prompt

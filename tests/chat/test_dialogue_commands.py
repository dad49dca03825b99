"""While a dialogue waits (微心愿 fields, sign-up fields, /发布活动), a command of the registry is
no answer: it runs, and the dialogue ends first with a short note. 退出 and 帮助 stay the
dialogue's own; the first question of every dialogue says how to get out."""

from __future__ import annotations

import itertools

from bot.activities import texts as activity_texts
from bot.chat.conversation import Bubble, Message
from bot.chat.dialogue import EXIT_HINT, HELP_IN_DIALOGUE
from bot.chat.features import conversation
from bot.qa import texts as qa_texts
from bot.runtime import Runtime
from bot.wishes import texts as wish_texts
from tests.activities.helpers import announced
from tests.utils import Clock

YOUTH = "30077"
CADRE = "10001"  # street-a of the test grid
_ids = itertools.count(1)


async def say(runtime: Runtime, text: str, sender: str = YOUTH) -> list[str]:
    """What the bot says to `text` sent in private QQ chat, bubble by bubble."""
    said: list[Bubble] = []

    async def send(bubble: Bubble) -> str | None:
        said.append(bubble)
        return None

    message = Message("qq", sender, text, f"dlg-{next(_ids)}")
    await conversation(runtime).handle(message, send)
    return [b.text for b in said]


async def test_a_command_in_the_wish_dialogue_runs_and_ends_it(runtime: Runtime) -> None:
    asked = await say(runtime, "/心愿 想要一套绘画工具")
    assert asked == [wish_texts.ASK_FOR_WHOM.format(text="想要一套绘画工具")]
    assert "退出" in asked[0], "the first question says how to get out"
    said = await say(runtime, "我的问题")
    assert said[0] == wish_texts.QUIT, said
    assert said[1:] == [qa_texts.MY_QUESTIONS_NONE], "the command ran"
    # Over: the next message is not who the wish is for, and the draft is gone.
    assert await say(runtime, "我自己") != [wish_texts.ASK_CONTACT]
    assert await say(runtime, "我的心愿") == [wish_texts.MINE_EMPTY]


async def test_each_youth_command_ends_the_wish_dialogue(runtime: Runtime) -> None:
    for command in ("我的心愿", "/我的问题", "活动", "我的报名"):
        await say(runtime, "/心愿 想要一个篮球")
        said = await say(runtime, command)
        assert said[0] == wish_texts.QUIT and len(said) == 2, (command, said)
        assert wish_texts.ASK_CONTACT not in said


async def test_a_person_asked_for_ends_the_dialogue(runtime: Runtime) -> None:
    await say(runtime, "/心愿 想要一套绘画工具")
    said = await say(runtime, "转人工")
    assert said[0] == wish_texts.QUIT
    assert said[1:] == [qa_texts.NO_QUESTION_TO_HAND_OVER], "the Q&A service took it"


async def test_help_and_quit_stay_the_dialogue_s(runtime: Runtime) -> None:
    asked = wish_texts.ASK_FOR_WHOM.format(text="想要一套绘画工具")
    await say(runtime, "/心愿 想要一套绘画工具")
    for word in ("帮助", "菜单", "/帮助"):
        assert await say(runtime, word) == [f"{HELP_IN_DIALOGUE}\n{asked}"], word
    assert await say(runtime, "我自己") == [wish_texts.ASK_CONTACT], "still waiting"
    assert await say(runtime, "退出") == [wish_texts.QUIT]
    assert await say(runtime, "我的心愿") == [wish_texts.MINE_EMPTY]


async def test_sign_up_fields_are_a_dialogue_too(runtime: Runtime, clock: Clock) -> None:
    activities = runtime.activities
    activities.clock = clock
    activity_id = await announced(activities, clock, fields=["name", "phone"])
    signed = await say(runtime, f"报名 {activity_id}")
    assert activity_texts.FIELD_PROMPTS["name"] in signed[0]
    assert EXIT_HINT in signed[0], "the first question says how to get out"
    # A command is no name: it runs, and the asking stops (the sign-up stays).
    said = await say(runtime, "我的问题")
    assert said == [activity_texts.FIELDS_QUIT, qa_texts.MY_QUESTIONS_NONE]
    question = await say(runtime, "怎么交团费")
    assert activity_texts.FIELD_PROMPTS["phone"] not in question[0], "a question, not a name"
    signups = await activities.signups(activity_id)
    assert [s.answers for s in signups] == [{}]
    # 我的报名 asks again; 退出 is nobody's name either.
    mine = await say(runtime, "我的报名")
    assert activity_texts.FIELD_PROMPTS["name"] in mine[0]
    assert await say(runtime, "退出") == [activity_texts.FIELDS_QUIT]
    assert [s.answers for s in await activities.signups(activity_id)] == [{}]
    await say(runtime, "我的报名")
    assert await say(runtime, "王小青") == [activity_texts.FIELD_PROMPTS["phone"]]
    done = await say(runtime, "13812345678")
    assert done == [activity_texts.FIELDS_DONE.format(id=activity_id, title="社区志愿服务")]
    answers = (await activities.signups(activity_id))[0].answers
    assert answers == {"name": "王小青", "phone": "13812345678"}


async def test_sign_up_fields_wait_longer_than_other_dialogues(
    runtime: Runtime, clock: Clock
) -> None:
    """A youth signed up from a group may read the private question hours later."""
    activities = runtime.activities
    activities.clock = clock
    activity_id = await announced(activities, clock, fields=["name"])
    await say(runtime, f"报名 {activity_id}")
    clock.advance(hours=3)
    done = await say(runtime, "王小青")
    assert done == [activity_texts.FIELDS_DONE.format(id=activity_id, title="社区志愿服务")]


async def test_a_command_in_the_publish_dialogue_runs_and_ends_it(
    runtime: Runtime, clock: Clock
) -> None:
    runtime.activities.clock = clock
    assert await say(runtime, "/发布活动", CADRE) == [activity_texts.ASK_TITLE]
    assert "退出" in activity_texts.ASK_TITLE
    said = await say(runtime, "/待办", CADRE)
    assert said[0] == activity_texts.DIALOGUE_QUIT and len(said) == 2, said
    # Over: a title now is plain text from a cadre, not the dialogue's next step.
    assert activity_texts.ASK_TIME not in await say(runtime, "冬季志愿服务", CADRE)

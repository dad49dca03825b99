"""An answer to a risk case a youth raised in a group never shows in that group: it goes to the
youth privately (QQ), or, where the bot cannot write privately (official QQ bot groups), waits
for that youth's own next @ and never repeats the question. Ordinary group cases are answered
in the group, quoting the question, as before.

The test grid: group 40001 belongs to 测试街道团工委, whose on-duty cadres are 街道甲 (10001) and
街道乙 (10002).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.cases import texts
from bot.cases.models import Delivery, DeliveryStatus
from bot.chat.speaker import Speaker
from bot.delivery.channel import SendError
from bot.qa import texts as qa_texts
from bot.qa.mine import my_questions
from bot.qa.model import Incoming
from bot.runtime import Runtime

CRISIS = "我不想活了"
QUESTION = "学校团课什么时候开始报名"
"""A question the test FAQ can't answer."""
ANSWER = "我是街道团工委的王老师，很担心你，方便的话加我好友，我们慢慢聊。"
GROUP = "40001"


class Recorder:
    """A QQ channel that records every send: ("private", user, text) or ("group", group, text,
    reply_to, at). Private messages reach only `friends` (None: everyone), as on QQ."""

    platform = "qq"
    can_push = True

    def __init__(self, friends: set[str] | None = None) -> None:
        self.sent: list[tuple[str | None, ...]] = []
        self.friends = friends
        self._ids = iter(range(900, 1 << 30))

    async def send_private(
        self, user_id: str, text: str, *, account: str | None = None
    ) -> str | None:
        if self.friends is not None and user_id not in self.friends:
            raise SendError(f"send_private_msg failed: {user_id} is not a friend")
        self.sent.append(("private", user_id, text))
        return str(next(self._ids))

    async def send_group(
        self,
        group_id: str,
        text: str,
        *,
        reply_to: str | None = None,
        at: str | None = None,
        account: str | None = None,
    ) -> str | None:
        self.sent.append(("group", group_id, text, reply_to, at))
        return str(next(self._ids))

    def groups(self) -> list[tuple[str | None, ...]]:
        return [s for s in self.sent if s[0] == "group"]

    def to_user(self, user: str) -> list[str]:
        return [str(s[2]) for s in self.sent if s[0] == "private" and s[1] == user]


def recorder(runtime: Runtime, friends: set[str] | None = None) -> Recorder:
    channel = Recorder(friends)
    runtime.cases.channels["qq"] = channel
    return channel


def no_faq(runtime: Runtime) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})


async def ask(
    runtime: Runtime,
    text: str,
    user: str,
    *,
    group: str | None = GROUP,
    platform: str = "qq",
    message: str = "m1",
) -> None:
    reply = await runtime.qa.handle(
        Incoming(
            platform=platform,
            message_id=message,
            user_id=user,
            group_id=group,
            text=text,
            to_me=True,
            nickname="小明",
        )
    )
    assert reply is not None
    await runtime.qa.sent(platform, f"r-{message}", reply)


def cadre(runtime: Runtime, qq: str = "10001") -> Speaker:
    return Speaker("qq", qq, runtime.grid.grid.person_by_account("qq", qq))


async def test_a_crisis_answer_goes_to_the_youth_privately_not_to_the_group(
    runtime: Runtime,
) -> None:
    channel = recorder(runtime)
    await ask(runtime, CRISIS, "30001")
    (alert,) = channel.to_user("10001")
    assert texts.URGENT_PRIVATE in alert, "the cadre knows before answering"
    channel.sent.clear()

    result = await runtime.cases.answer(1, cadre(runtime), ANSWER)

    assert channel.groups() == [], "nothing about the case is posted in the group"
    assert channel.to_user("30001") == [
        texts.ANSWER_TO_YOUTH.format(question=CRISIS, answer=ANSWER)
    ]
    assert (result.sent, result.privately, result.private_waiting) == (1, 1, 0)
    told = texts.answer_sent(1, result.sent, result.held, privately=result.privately)
    assert "私下送达" in told and "没有发在群里" in told
    async with runtime.db.session() as session:
        delivery = await session.scalar(select(Delivery))
    assert delivery is not None and delivery.group_id is None
    assert delivery.status == DeliveryStatus.SENT.value


async def test_a_youth_the_bot_cannot_write_to_is_told_in_the_group_without_a_word_of_it(
    runtime: Runtime,
) -> None:
    """Not a friend of the bot: the group hears only "the answer waits in private" (an @, no
    quote, neither question nor answer); the answer goes out when the youth writes privately."""
    channel = recorder(runtime, friends={"10001", "10002"})
    await ask(runtime, CRISIS, "30002")
    channel.sent.clear()

    result = await runtime.cases.answer(1, cadre(runtime), ANSWER)

    assert (result.sent, result.held, result.private_waiting) == (0, 1, 1)
    assert channel.groups() == [
        ("group", GROUP, texts.ANSWER_PRIVATE_NOTICE.format(case=1), None, "30002")
    ]
    notice = str(channel.groups()[0][2])
    assert CRISIS not in notice and ANSWER not in notice and "不想活" not in notice
    told = texts.answer_sent(1, 0, 1, privately=1, private_waiting=1)
    assert texts.ANSWER_PRIVATE_WAITING.format(count=1) in told

    # Someone else in the group @s the bot: nothing of it is released there.
    assert await runtime.cases.release_held("qq", "30003", GROUP) == []
    assert channel.groups()[1:] == []
    # The youth adds the bot and writes privately: the answer arrives there.
    channel.friends = None
    await runtime.cases.release_held("qq", "30002", None)
    assert channel.to_user("30002") == [
        texts.ANSWER_TO_YOUTH.format(question=CRISIS, answer=ANSWER)
    ]


async def test_an_ordinary_group_case_is_still_answered_in_the_group(runtime: Runtime) -> None:
    no_faq(runtime)
    channel = recorder(runtime)
    await ask(runtime, QUESTION, "30004")
    (notice,) = channel.to_user("10001") + channel.to_user("10002")
    assert texts.URGENT_PRIVATE not in notice
    channel.sent.clear()

    result = await runtime.cases.answer(1, cadre(runtime), "下周一开始。")

    assert [(s[1], s[2], s[4]) for s in channel.groups()] == [
        (GROUP, texts.ANSWER_TO_YOUTH.format(question=QUESTION, answer="下周一开始。"), "30004")
    ]
    assert result.privately == 0 and "私下" not in texts.answer_sent(1, result.sent, 0)


async def test_on_the_official_bot_the_answer_waits_for_the_youth_and_never_quotes_it(
    runtime: Runtime,
) -> None:
    """The official QQ bot cannot write to a group member privately: the answer waits for the
    youth's own next @ in that group (not anyone's), without the question."""
    channel = recorder(runtime)
    await ask(runtime, CRISIS, "openid-a", group="qqbot-group", platform="qqbot")
    assert texts.URGENT_GROUP_ONLY in channel.to_user("10006")[0]

    result = await runtime.cases.answer(1, cadre(runtime, "10006"), ANSWER)

    assert (result.sent, result.held, result.group_only, result.privately) == (0, 1, 1, 0)
    assert "不带原问题" in texts.answer_sent(1, 0, 1, group_only=1)
    assert await runtime.cases.release_held("qqbot", "openid-b", "qqbot-group") == []
    released = await runtime.cases.release_held("qqbot", "openid-a", "qqbot-group")
    assert released == [texts.ANSWER_UNQUOTED.format(case=1, answer=ANSWER)]
    assert CRISIS not in released[0]


async def test_my_questions_in_a_group_does_not_repeat_a_cry_for_help(runtime: Runtime) -> None:
    recorder(runtime)
    await ask(runtime, CRISIS, "30005")

    in_group = await my_questions(runtime, "qq", "30005", GROUP)
    in_private = await my_questions(runtime, "qq", "30005")

    assert CRISIS not in in_group and qa_texts.RISKY_IN_GROUP in in_group
    assert CRISIS in in_private

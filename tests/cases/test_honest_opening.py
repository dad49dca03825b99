"""What a youth is told when a case opens: "已转给团干部" only when someone reachable has it."""

from __future__ import annotations

from sqlalchemy import select

from bot.cases import texts
from bot.cases.models import Case
from bot.qa import texts as qa_texts
from bot.qa.model import Incoming, ReplyKind
from bot.runtime import Runtime
from tests.multiproc.conftest import RecordingChannel

QUESTION = "学校团课什么时候开始报名"
"""A question the test FAQ can't answer."""


def group(text: str, user: str, message: str = "m1") -> Incoming:
    """A question @-ing the bot in group 40001 (测试街道团工委)."""
    return Incoming(
        platform="qq", message_id=message, user_id=user, group_id="40001", text=text, to_me=True
    )


def with_push(runtime: Runtime) -> list[tuple[str, str]]:
    """Give the case service a QQ channel that reaches people; returns what it sends."""
    sent: list[tuple[str, str]] = []
    runtime.cases.channels["qq"] = RecordingChannel(sent)
    return sent


async def nobody_on_duty(runtime: Runtime) -> None:
    path = runtime.settings.faq_dir / "grid" / "people.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("    on_duty: false\n", "")
        .replace("    qq:", "    on_duty: false\n    qq:"),
        encoding="utf-8",
    )
    await runtime.grid.reload()
    assert not any(p.on_duty for p in runtime.grid.grid.people.values())


async def test_a_reachable_cadre_has_it_so_the_youth_hears_it_was_passed_on(
    runtime: Runtime,
) -> None:
    sent = with_push(runtime)
    reply = await runtime.qa.handle(group(QUESTION, "20001"))

    assert reply is not None and reply.text == texts.OPENED.format(case=1)
    assert sent == []  # the cadre hears of it after the youth has the reply
    await runtime.qa.sent("qq", "r1", reply)
    assert [to for to, _ in sent] == ["u10001"]


async def test_no_qq_account_connected_the_youth_is_not_told_a_cadre_has_it(
    runtime: Runtime,
) -> None:
    # The runtime's QQ channel has no account connected (the no-QQ demo): nobody can be told.
    reply = await runtime.qa.handle(group(QUESTION, "20001"))

    assert reply is not None and reply.text == texts.OPENED_NOBODY.format(case=1)
    assert "已转给团干部" not in reply.text and "我的问题" in reply.text
    again = await runtime.qa.handle(group("学校团课几号开始报名呀", "20002", "m2"))
    assert again is not None and again.text == texts.MERGED_NOBODY.format(case=1)


async def test_nobody_on_duty_the_youth_is_told_it_waits(runtime: Runtime) -> None:
    sent = with_push(runtime)
    await nobody_on_duty(runtime)

    reply = await runtime.qa.handle(group(QUESTION, "20001"))

    assert reply is not None and reply.text == texts.OPENED_NOBODY.format(case=1)
    await runtime.qa.sent("qq", "r1", reply)
    assert sent == []
    async with runtime.db.session() as session:
        case = await session.scalar(select(Case))
    assert case is not None and case.assignee_id is None


async def test_a_merged_question_of_a_reachable_case_keeps_the_merged_text(
    runtime: Runtime,
) -> None:
    with_push(runtime)
    first = await runtime.qa.handle(group("我们小区的路灯坏了找谁修", "20001"))
    second = await runtime.qa.handle(group("小区路灯坏了找谁修", "20002", "m2"))

    assert first is not None and first.text == texts.OPENED.format(case=1)
    assert second is not None and second.text == texts.MERGED.format(case=1)


async def test_a_crisis_keeps_the_hotline_first_even_with_nobody_reachable(
    runtime: Runtime,
) -> None:
    await nobody_on_duty(runtime)

    reply = await runtime.qa.handle(group("我不想活了", "20001"))

    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert "12355" in reply.text and "#" not in reply.text
    assert reply.text == qa_texts.CRISIS_GROUP_ALONE, "no claim that a cadre has been told"
    await runtime.qa.sent("qq", "r1", reply)
    async with runtime.db.session() as session:
        case = await session.scalar(select(Case))
    assert case is not None and case.urgent


async def test_a_crisis_with_no_qq_account_connected_does_not_claim_a_cadre_was_told(
    runtime: Runtime,
) -> None:
    # The no-QQ demo (the try page): cadres are on duty but nobody can message them.
    private = Incoming(platform="qq", message_id="m1", user_id="20001", text="我不想活了")
    reply = await runtime.qa.handle(private)

    assert reply is not None and reply.kind is ReplyKind.CRISIS
    assert reply.text == qa_texts.CRISIS_ALONE
    assert reply.text.index("12355") < reply.text.index("联系不上")
    assert "告诉了" not in reply.text and "通知了" not in reply.text


async def test_a_crisis_with_a_reachable_cadre_says_a_person_was_told(runtime: Runtime) -> None:
    sent = with_push(runtime)
    imminent = await runtime.qa.handle(group("遗书我都写好了，今晚就去跳楼", "20001"))

    assert imminent is not None and imminent.text == qa_texts.CRISIS_GROUP_IMMINENT
    await runtime.qa.sent("qq", "r1", imminent)
    assert sent, "the cadres the reply speaks of were alerted"

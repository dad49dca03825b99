"""Two QQ accounts of one bot: pushes go through the account in the chat, and a quote of a bot
message finds that account's case or question (OneBot message ids are unique per account only).

Through the real `OneBotChannel` with two connected adapter bots whose API calls are answered here:
account A is in group 40001 and friends with 街道乙 (10002); account B is in no group and friends
with 街道甲 (10001) and the superuser. Both number their sent messages alike, from 100.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nonebot.adapters.onebot.v11 import Bot
from nonebug import App
from sqlalchemy import select

from bot.cases.models import Case
from bot.chat.speaker import Speaker
from bot.delivery.channel import AccountChats, account_for
from bot.delivery.onebot import OneBotChannel
from bot.qa.model import Incoming, ReplyKind
from bot.qa.models import Feedback
from bot.runtime import Runtime
from tests.conftest import SUPERUSER

A, B = "3001", "3002"
STREET_A, STREET_B = "10001", "10002"
LISTS = {
    A: {"get_group_list": [{"group_id": 40001}], "get_friend_list": [{"user_id": 10002}]},
    B: {"get_group_list": [], "get_friend_list": [{"user_id": 10001}, {"user_id": int(SUPERUSER)}]},
}


class Accounts:
    """Every send each account made: (account, api, params)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self._ids = {A: itertools.count(100), B: itertools.count(100)}

    def answer(self, account: str):
        async def call_api(api: str, **params: Any) -> Any:
            if api in LISTS[account]:
                return LISTS[account][api]
            self.sent.append((account, api, params))
            return {"message_id": next(self._ids[account])}

        return call_api

    def to(self, key: str, value: str) -> list[str]:
        """The accounts that sent to user or group `value`."""
        return [account for account, _, params in self.sent if str(params.get(key)) == value]


@pytest.fixture
async def accounts(app: App, runtime: Runtime) -> AsyncIterator[Accounts]:
    """A and B connected (A first) and listed, as the outbox lists them when they connect."""
    recorded = Accounts()
    async with app.test_api() as ctx:
        for account in (A, B):
            bot = ctx.create_bot(base=Bot, self_id=account)
            object.__setattr__(bot, "call_api", recorded.answer(account))
        channel = runtime.cases.channels["qq"]
        assert isinstance(channel, OneBotChannel)
        for account in (A, B):
            await channel.chats_of(account)
        yield recorded


def test_the_account_in_the_chat_is_picked() -> None:
    chats = AccountChats()
    chats.listed("a", [("group", "1")])
    chats.listed("b", [("private", "7")])
    assert chats.pick(["a", "b"], "private", "7") == "b"
    assert chats.pick(["a", "b"], "group", "1") == "a"
    assert chats.pick(["a", "b"], "private", "7", prefer="a") == "a", "asked for, and connected"
    assert chats.pick(["a", "b"], "private", "7", prefer="gone") == "b"
    assert chats.pick(["a"], "private", "7") == "a", "nobody else: the first connected"
    chats.listed("c", None)
    assert chats.pick(["a", "b", "c"], "group", "9") == "c", "could not be listed: may be in it"
    assert chats.pick([], "group", "1") is None


async def test_a_notification_goes_through_the_cadres_friend_and_its_quote_finds_that_case(
    runtime: Runtime, accounts: Accounts
) -> None:
    # Nothing is suggested: every question the FAQ can't answer outright opens a case.
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    asked = []
    for n, question in enumerate(("学校团课什么时候开始报名", "团员证的照片怎么更换")):
        incoming = Incoming(
            platform="qq",
            message_id=f"700{n}",
            user_id=f"3010{n}",
            text=question,
            group_id="40001",
            account=A,
        )
        reply = await runtime.qa.handle(incoming)
        assert reply is not None and reply.kind is ReplyKind.UNANSWERED, reply
        await runtime.qa.sent("qq", f"800{n}", reply, account=A)
        asked.append(incoming)
    async with runtime.db.session() as session:
        cases = (await session.execute(select(Case.id, Case.assignee_id).order_by(Case.id))).all()
    assert [who for _, who in cases] == ["street-a", "street-b"], cases
    # 街道甲 is B's friend only, 街道乙 A's: each notification went through that friend.
    assert accounts.to("user_id", STREET_A) == [B]
    assert accounts.to("user_id", STREET_B) == [A]
    # Both were the first message of their account: the same id, 100.
    first, second = cases[0][0], cases[1][0]
    assert await runtime.cases.case_for_message("qq", "100", B) == first
    assert await runtime.cases.case_for_message("qq", "100", A) == second

    # The answer to the first case goes back through A, which received the question.
    await runtime.cases.answer(first, actor_for(runtime, STREET_A), "下周一开始。")
    assert accounts.to("group_id", "40001") == [A]


async def test_an_answer_goes_through_another_account_unquoted_when_the_asker_s_is_gone(
    runtime: Runtime, accounts: Accounts
) -> None:
    runtime.qa.settings = runtime.settings.model_copy(update={"faq_suggest_threshold": 1.01})
    gone = "3999"
    reply = await runtime.qa.handle(
        Incoming(
            platform="qq",
            message_id="7100",
            user_id="30111",
            text="学校团课什么时候开始报名",
            group_id="40001",
            account=gone,
        )
    )
    assert reply is not None and reply.kind is ReplyKind.UNANSWERED
    await runtime.qa.sent("qq", "8100", reply, account=gone)
    async with runtime.db.session() as session:
        case_id = (await session.scalars(select(Case.id))).one()

    await runtime.cases.answer(case_id, actor_for(runtime, STREET_A), "下周一开始。")

    [(account, params)] = [(a, p) for a, api, p in accounts.sent if api == "send_group_msg"]
    assert account == A, "the account in the group"
    # The question is a message of the account that is gone: A cannot quote it, only @ the youth.
    assert [seg.type for seg in params["message"]] == ["at", "text"]
    assert account_for(runtime.cases.channels["qq"], "private", STREET_A, A) == A


async def test_a_quote_of_a_reply_finds_the_question_of_the_account_it_came_through(
    runtime: Runtime, accounts: Accounts
) -> None:
    questions = []
    for account, user in ((A, "30201"), (B, "30202")):
        reply = await runtime.qa.handle(
            Incoming(
                platform="qq",
                message_id=f"ask-{user}",
                user_id=user,
                text="怎么交团费？",
                group_id="40001",
                account=account,
            )
        )
        assert reply is not None and reply.kind is ReplyKind.ANSWER
        # Both accounts' replies got the same message id.
        await runtime.qa.sent("qq", "555", reply, account=account)
        questions.append(reply.question_id)

    # Two other youths quote the reply each sees, through its account: 没用.
    for account, user in ((B, "30203"), (A, "30204")):
        quote = Incoming(
            platform="qq",
            message_id=f"fb-{user}",
            user_id=user,
            text="没用",
            group_id="40001",
            reply_to="555",
            account=account,
        )
        feedback = await runtime.qa.handle(quote)
        assert feedback is not None and feedback.kind is ReplyKind.SORRY
    async with runtime.db.session() as session:
        rated = (await session.execute(select(Feedback.user_id, Feedback.question_id))).all()
    assert sorted(rated) == [("30203", questions[1]), ("30204", questions[0])]


def actor_for(runtime: Runtime, qq: str) -> Speaker:
    return Speaker("qq", qq, runtime.grid.grid.person_by_account("qq", qq))


async def test_admins_hear_of_a_paused_account_through_the_account_they_are_friends_with(
    accounts: Accounts,
) -> None:
    from plugins.delivery import tell_admins

    await tell_admins(A, "账号 3001 已暂停群发。")
    assert accounts.to("user_id", SUPERUSER) == [B]

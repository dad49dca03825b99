"""Rate limits must not flood the group they protect (fake clock, no sleeps)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

from bot.faq.service import FaqService
from bot.qa.model import ReplyKind
from bot.qa.service import QaService
from bot.qa.stats import question_stats
from bot.settings import Settings
from bot.storage.database import Database
from tests.qa.conftest import ask
from tests.utils import Clock


async def _kinds(qa: QaService, texts: list[str], **kwargs: object) -> Counter[str | None]:
    kinds: Counter[str | None] = Counter()
    for text in texts:
        reply = await qa.handle(ask(text, **kwargs))  # type: ignore[arg-type]
        kinds[reply.kind.value if reply else None] += 1
    return kinds


async def test_a_flooding_youth_is_told_once_per_window(
    make_qa: Callable[..., QaService], clock: Clock
) -> None:
    qa = make_qa(rate_user_per_minute=6, rate_group_per_minute=1000)
    # 50 messages in one second, as a youth holding a key down.
    flood = await _kinds(qa, ["怎么交团费？"] * 50)
    assert flood == {"answer": 6, "rate_limited": 1, None: 43}

    clock.advance(seconds=30)
    assert await _kinds(qa, ["怎么交团费？"] * 10) == {None: 10}, "still the same window: silent"
    clock.advance(seconds=31)
    again = await _kinds(qa, ["怎么交团费？"] * 10)
    assert again == {"answer": 6, "rate_limited": 1, None: 3}, "a new window: answered, told once"


async def test_many_youths_cannot_make_the_bot_burst_in_one_group(
    make_qa: Callable[..., QaService], clock: Clock
) -> None:
    qa = make_qa(rate_user_per_minute=6, rate_group_per_minute=20)
    replies = 0
    for user in range(200):
        for _ in range(3):
            reply = await qa.handle(ask("怎么交团费？", user=f"u{user}"))
            replies += reply is not None
    assert replies == 20, "answers and refusals alike count against the group's budget"

    other_group = await qa.handle(ask("怎么交团费？", user="u0", group="g2"))
    assert other_group is not None and other_group.kind is ReplyKind.ANSWER
    clock.advance(seconds=61)
    later = await qa.handle(ask("怎么交团费？", user="u199"))
    assert later is not None and later.kind is ReplyKind.ANSWER


async def test_refusals_count_so_empty_messages_cannot_flood(
    make_qa: Callable[..., QaService],
) -> None:
    qa = make_qa(rate_user_per_minute=3, rate_group_per_minute=1000)
    kinds = await _kinds(qa, ["😀"] * 30 + [""] * 30 + ["团" * 999] * 30)
    assert kinds == {"empty": 3, "rate_limited": 1, None: 86}


async def test_likes_in_a_group_count_against_its_budget(
    make_qa: Callable[..., QaService], database: Database
) -> None:
    qa = make_qa(rate_user_per_minute=100, rate_group_per_minute=5)
    for user in range(5):
        reply = await qa.handle(ask("怎么交团费？", user=f"u{user}"))
        assert reply is not None and reply.kind is ReplyKind.ANSWER
    # The budget is spent: likes of those answers are recorded but not thanked in the group.
    thanks = [await qa.handle(ask("赞", user=f"u{user}", to_me=False)) for user in range(5)]
    assert thanks == [None] * 5
    assert (await question_stats(database)).likes == 5


async def test_a_cry_for_help_is_answered_past_the_limits(
    make_qa: Callable[..., QaService],
) -> None:
    """Crisis first: a youth over their rate limit, in a group whose reply budget is spent, or
    writing more than the length limit still gets the 12355 reply."""
    qa = make_qa(rate_user_per_minute=2, rate_group_per_minute=3, max_question_chars=40)
    await _kinds(qa, ["怎么交团费？"] * 3)  # u1 is over the limit, g1's budget is spent
    assert await qa.handle(ask("怎么交团费？", user="u2")) is None, "g1 is silent now"
    crisis = await qa.handle(ask("我不想活了"))
    assert crisis is not None and crisis.kind is ReplyKind.CRISIS and "12355" in crisis.text
    letter = "我真的撑不下去了，" * 6 + "遗书我都写好了"
    long_one = await qa.handle(ask(letter, user="u3"))
    assert long_one is not None and long_one.kind is ReplyKind.CRISIS


async def test_a_flood_of_crisis_words_cannot_flood_cadres(
    make_qa: Callable[..., QaService],
) -> None:
    qa = make_qa(rate_user_per_minute=2, rate_group_per_minute=1000)
    kinds = await _kinds(qa, ["我想死"] * 20)
    # Three past the limits, then the limits: one more went through them, one refusal, silence.
    assert kinds["crisis"] == 5 and kinds["rate_limited"] == 1 and kinds[None] == 14


async def test_two_processes_share_one_groups_reply_budget(
    database: Database, faq: FaqService, settings: Settings, clock: Clock
) -> None:
    """Two processes answering one account's group: messages spread over them (webhooks behind
    a load balancer), or each reaching both (one QQ account on two reverse WebSockets). The
    group's budget is one for the pair, counted once per message in the database."""
    from tests.delivery.test_outbox_accounts import twin

    other = await twin(database)
    try:
        limited = settings.model_copy(
            update={"rate_user_per_minute": 100, "rate_group_per_minute": 8}
        )
        processes = [
            QaService(database, faq, limited, clock=clock),
            QaService(other, faq, limited, clock=clock),
        ]
        spread = [
            await processes[n % 2].handle(ask("怎么交团费？", user=f"u{n}", account="2000"))
            for n in range(20)
        ]
        assert sum(r is not None for r in spread) == 8

        clock.advance(seconds=61)
        replies = 0
        for n in range(20):
            message = ask("怎么交团费？", user=f"v{n}", message_id=f"m{n}", account="2000")
            both = await asyncio.gather(*(p.handle(message) for p in processes))
            assert sum(r is not None for r in both) <= 1, "a message is answered once"
            replies += sum(r is not None for r in both)
        assert replies == 8, "a message both processes got is counted once"

        another = await processes[0].handle(ask("怎么交团费？", user="u99", account="2001"))
        assert another is not None, "each account has its own budget in the group"
    finally:
        await other.dispose()

"""Guessing link codes is capped for all accounts together, not only per account (SQLite and
PostgreSQL): a code is void after MAX_CODE_GUESSES failed attempts made while it is
outstanding, its person is told and asks again; /绑定 in a group tests no code and counts as a
failed attempt of its sender."""

from __future__ import annotations

import asyncio
import itertools

from sqlalchemy import select

from bot.accounts import texts
from bot.accounts.service import MAX_CODE_GUESSES, MAX_FAILURES, AccountLinks, LinkError
from bot.delivery.models import OutboxMessage
from bot.runtime import Runtime
from tests.accounts.conftest import Chat, code_in
from tests.utils import Clock

LINKED = texts.LINKED.format(name="街道甲")
TOO_MANY = texts.TOO_MANY.format(minutes=15)


def wrong_codes(avoid: str) -> itertools.filterfalse[str]:
    """Six-digit codes, the live one left out."""
    return itertools.filterfalse(lambda c: c == avoid, (f"{n:06d}" for n in itertools.count()))


async def guess(
    runtime: Runtime, count: int, avoid: str, *, chat: str | None = None, name: str = "G"
) -> list[str]:
    """`count` wrong codes sent to the official bot from as many accounts as it takes, each
    staying within its own limit (MAX_FAILURES); what the bot said to each."""
    codes = wrong_codes(avoid)
    said: list[str] = []
    for n in range(count):
        sender = Chat(runtime, "qqbot", f"{name}{n // MAX_FAILURES}", chat=chat)
        said += await sender.say(f"/绑定 {next(codes)}")
    return said


async def told(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(platform, chat, text) of the messages queued about voided codes."""
    async with runtime.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.key.like("link:%"))
                .order_by(OutboxMessage.id)
            )
        ).all()
    return [(row.platform, row.chat_id, row.text) for row in rows]


async def test_many_accounts_guessing_void_the_code_and_its_cadre_asks_again(
    runtime: Runtime, links_clock: Clock
) -> None:
    qq = Chat(runtime, "qq", "10001")
    code = code_in((await qq.say("/绑定码"))[0])
    accounts = -(-MAX_CODE_GUESSES // MAX_FAILURES)
    assert accounts > 1, "more guesses than one account may make"

    said = await guess(runtime, MAX_CODE_GUESSES, avoid=code)

    assert said == [texts.WRONG_CODE] * MAX_CODE_GUESSES, "no account was over its own limit"
    # The right code, from an account that never guessed: void all the same.
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {code}") == [texts.VOIDED_CODE]
    # Its cadre is told, once, on QQ where they asked for it.
    assert await told(runtime) == [("qq", "10001", texts.CODE_VOIDED)]
    # A new code, asked for a minute later, is not void: earlier failures do not count.
    links_clock.advance(minutes=1)
    fresh = code_in((await qq.say("/绑定码"))[0])
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {fresh}") == [LINKED]


async def test_fewer_failures_than_the_cap_leave_the_code_working(
    runtime: Runtime, links_clock: Clock
) -> None:
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    await guess(runtime, MAX_CODE_GUESSES - 1, avoid=code)
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {code}") == [LINKED]
    assert await told(runtime) == []


async def test_failures_through_several_processes_share_the_cap(
    runtime: Runtime, links_clock: Clock
) -> None:
    """Counted in the database: guesses sent to two processes void the code together, and
    guesses sent at once tell its person once."""
    elsewhere = AccountLinks(runtime.db, runtime.grid, clock=links_clock)
    elsewhere.outbox = runtime.outbox
    here = runtime.links
    code = await here.issue(runtime.grid.grid.people["street-a"], via="console")
    codes = wrong_codes(code)

    async def attempt(links: AccountLinks, account: str, text: str) -> str:
        try:
            await links.redeem("qqbot", account, text)
        except LinkError as exc:
            return str(exc)
        return "linked"

    said = await asyncio.gather(
        *(
            attempt(here if n % 2 else elsewhere, f"P{n // MAX_FAILURES}", next(codes))
            for n in range(2 * MAX_CODE_GUESSES)
        )
    )

    assert set(said) <= {texts.WRONG_CODE, TOO_MANY}, said
    for links in (here, elsewhere):
        assert await attempt(links, "OPENID-A", code) == texts.VOIDED_CODE
    # Asked for on the console: told on the person's QQ.
    assert await told(runtime) == [("qq", "10001", texts.CODE_VOIDED)]


async def test_bind_in_a_group_is_refused_without_reading_the_code(
    runtime: Runtime, links_clock: Clock
) -> None:
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    group = Chat(runtime, "qqbot", "SPAMMER", chat="GROUP1")
    assert await group.say("/绑定") == [texts.LINK_IN_GROUP], "no code: a hint, not counted"
    # The live code itself, sent in a group: refused, and not voided.
    assert await group.say(f"/绑定 {code}") == [texts.LINK_IN_GROUP]
    # Counted as its sender's failed attempts: after MAX_FAILURES the account is locked out.
    codes = wrong_codes(code)
    for _ in range(MAX_FAILURES - 1):
        assert await group.say(f"/绑定 {next(codes)}") == [texts.LINK_IN_GROUP]
    assert await Chat(runtime, "qqbot", "SPAMMER").say(f"/绑定 {code}") == [TOO_MANY]
    # Past its limit, one account's group messages count nowhere: they cannot void a code.
    for _ in range(MAX_CODE_GUESSES):
        assert await group.say(f"/绑定 {next(codes)}") == [texts.LINK_IN_GROUP]
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {code}") == [LINKED]


async def test_codes_sent_in_groups_by_many_accounts_count_towards_the_cap(
    runtime: Runtime, links_clock: Clock
) -> None:
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    said = await guess(runtime, MAX_CODE_GUESSES, avoid=code, chat="GROUP1")
    assert said == [texts.LINK_IN_GROUP] * MAX_CODE_GUESSES
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {code}") == [texts.VOIDED_CODE]
    assert await told(runtime) == [("qq", "10001", texts.CODE_VOIDED)]

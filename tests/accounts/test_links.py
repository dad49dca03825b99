"""Linking an official-QQ openid to a grid person with a one-time code, through the one
conversation (SQLite and PostgreSQL): issue, redeem, refusals, limits, and who is speaking."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.accounts import texts
from bot.accounts.models import AccountLink
from bot.accounts.service import CODE_MINUTES, MAX_FAILURES, LinkError
from bot.cases import texts as case_texts
from bot.chat.conversation import Message
from bot.chat.features import conversation
from bot.chat.registry import NOT_STAFF
from bot.chat.speaker import Role
from bot.runtime import Runtime
from tests.accounts.conftest import Chat, code_in
from tests.utils import Clock


async def test_a_cadre_links_the_official_bot_and_is_a_cadre_there(
    runtime: Runtime, links_clock: Clock
) -> None:
    qq = Chat(runtime, "qq", "10001")
    bot = Chat(runtime, "qqbot", "OPENID-A")
    assert conversation(runtime).speaker(Message("qqbot", "OPENID-A", "", "x")).role is Role.YOUTH
    [issued] = await qq.say("/绑定码")
    code = code_in(issued)
    assert f"{CODE_MINUTES} 分钟" in issued and f"/绑定 {code}" in issued

    [linked] = await bot.say(f"/绑定 {code}")

    assert linked == texts.LINKED.format(name="街道甲")
    speaker = conversation(runtime).speaker(Message("qqbot", "OPENID-A", "", "y"))
    assert (speaker.person_id, speaker.role) == ("street-a", Role.CADRE)
    assert runtime.links.account(runtime.grid.grid.people["street-a"], "qqbot") == "OPENID-A"
    [todo] = await bot.say("/待办")
    assert todo == case_texts.TASKS_EMPTY
    # Used once: the same code again is refused, and the link stays.
    other = Chat(runtime, "qqbot", "OPENID-X")
    assert await other.say(f"/绑定 {code}") == [texts.USED_CODE]
    async with runtime.db.session() as session:
        rows = (await session.scalars(select(AccountLink))).all()
    assert [(r.account, r.person_id) for r in rows] == [("OPENID-A", "street-a")]


async def test_wrong_expired_and_replaced_codes_are_refused(
    runtime: Runtime, links_clock: Clock
) -> None:
    qq = Chat(runtime, "qq", "10001")
    bot = Chat(runtime, "qqbot", "OPENID-A")
    assert await bot.say("/绑定") == [texts.LINK_USAGE]
    assert await bot.say("/绑定 12ab") == [texts.WRONG_CODE]
    old = code_in((await qq.say("/绑定码"))[0])
    new = code_in((await qq.say("/绑定码"))[0])
    assert await bot.say(f"/绑定 {old}") == [texts.USED_CODE], "a newer code voids the older"
    links_clock.advance(minutes=CODE_MINUTES, seconds=1)
    assert await bot.say(f"/绑定 {new}") == [texts.EXPIRED_CODE]
    assert conversation(runtime).speaker(Message("qqbot", "OPENID-A", "", "z")).person is None


async def test_too_many_failures_lock_the_account_out(runtime: Runtime, links_clock: Clock) -> None:
    bot = Chat(runtime, "qqbot", "GUESSER")
    for n in range(MAX_FAILURES):
        assert await bot.say(f"/绑定 {n:06d}") == [texts.WRONG_CODE]
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    # Even the right code is refused while locked out; another account may use it.
    [locked] = await bot.say(f"/绑定 {code}")
    assert locked == texts.TOO_MANY.format(minutes=15)
    links_clock.advance(minutes=9)
    [still] = await bot.say(f"/绑定 {code}")
    assert still == texts.TOO_MANY.format(minutes=15), "still within the window"
    links_clock.advance(minutes=16)
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    assert await bot.say(f"/绑定 {code}") == [texts.LINKED.format(name="街道甲")]


async def test_youths_and_wrong_places_cannot_get_or_use_codes(
    runtime: Runtime, links_clock: Clock
) -> None:
    assert await Chat(runtime, "qq", "30001").say("/绑定码") == [NOT_STAFF]
    assert await Chat(runtime, "qqbot", "YOUTH").say("/绑定码") == [NOT_STAFF]
    assert await Chat(runtime, "web", "w1").say("/绑定 123456") == [texts.LINK_ONLY_QQBOT]
    code = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    # Sent in a group: refused, and the code is not read (see test_guessing).
    group = Chat(runtime, "qqbot", "OPENID-A", chat="GROUP1")
    assert await group.say(f"/绑定 {code}") == [texts.LINK_IN_GROUP]
    assert await Chat(runtime, "qqbot", "OPENID-A").say(f"/绑定 {code}") == [
        texts.LINKED.format(name="街道甲")
    ]


async def test_a_code_for_someone_else_cannot_take_a_linked_account(
    runtime: Runtime, links_clock: Clock
) -> None:
    mine = code_in((await Chat(runtime, "qq", "10001").say("/绑定码"))[0])
    theirs = code_in((await Chat(runtime, "qq", "10002").say("/绑定码"))[0])
    bot = Chat(runtime, "qqbot", "OPENID-A")
    await bot.say(f"/绑定 {mine}")
    # Linked already: the speaker is 街道甲, and 街道乙's code does not move the account.
    assert await bot.say(f"/绑定 {theirs}") == [texts.ALREADY_LINKED.format(name="街道甲")]
    with pytest.raises(LinkError, match="街道甲"):
        await runtime.links.redeem("qqbot", "OPENID-A", theirs)
    # 街道乙 may still use it from their own account.
    assert await Chat(runtime, "qqbot", "OPENID-B").say(f"/绑定 {theirs}") == [
        texts.LINKED.format(name="街道乙")
    ]
    # A cadre unlinks themselves; an admin unlinks anyone.
    assert await bot.say("/解绑") == [texts.UNLINKED.format(name="街道甲")]
    admin = Chat(runtime, "qq", "10009")
    assert await admin.say("/解绑 street-b") == [texts.UNLINKED.format(name="街道乙")]
    assert conversation(runtime).speaker(Message("qqbot", "OPENID-B", "", "q")).person is None


async def test_another_process_sees_a_link_after_its_refresh(
    runtime: Runtime, links_clock: Clock
) -> None:
    from bot.accounts.service import AccountLinks

    elsewhere = AccountLinks(runtime.db, runtime.grid, refresh_s=30, monotonic=lambda: now[0])
    now = [0.0]
    await elsewhere.fresh()
    code = await runtime.links.issue(runtime.grid.grid.people["city-a"], via="console")
    await runtime.links.redeem("qqbot", "OPENID-C", code)
    assert elsewhere.person("qqbot", "OPENID-C") is None
    now[0] = 31.0
    await elsewhere.fresh()
    person = elsewhere.person("qqbot", "OPENID-C")
    assert person is not None and person.id == "city-a"


async def test_guesses_sent_at_once_stay_within_the_limit(
    runtime: Runtime, links_clock: Clock
) -> None:
    """Many guesses at the same instant (the platform delivers them concurrently) are counted
    before any is judged: no more than MAX_FAILURES of them are tried."""
    links = runtime.links

    async def guess(n: int) -> str:
        try:
            await links.redeem("qqbot", "RACER", f"{n:06d}")
        except LinkError as exc:
            return str(exc)
        return "linked"

    said = await asyncio.gather(*(guess(n) for n in range(4 * MAX_FAILURES)))
    assert said.count(texts.WRONG_CODE) <= MAX_FAILURES, said
    assert said.count(texts.TOO_MANY.format(minutes=15)) >= 3 * MAX_FAILURES

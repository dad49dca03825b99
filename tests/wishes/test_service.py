"""微心愿 in the service: the "1+5" cap and progress, escalation of unclaimed wishes, scope,
masking and withdrawal (SQLite and PostgreSQL, the `runtime` fixture)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.delivery.models import OutboxMessage
from bot.runtime import Runtime
from bot.wishes import texts
from bot.wishes.models import WishStatus
from bot.wishes.service import Actor, WishError, WishService
from tests.utils import Clock

STREET_A = Actor("street-a", ("street",))
DISTRICT_A = Actor("district-a", ("district",))
CITY_A = Actor("city-a", ("city",))


@pytest.fixture
def wishes(runtime: Runtime, clock: Clock) -> WishService:
    runtime.wishes.clock = clock
    return runtime.wishes


async def _open(wishes: WishService, text: str, org: str = "street", user: str = "30001") -> int:
    wish = await wishes.draft("qq", user, text, nickname="王小青")
    await wishes.fill(wish.id, for_whom="我妹妹", contact="13812345678")
    return (await wishes.post(wish.id, org)).id


async def test_cap_of_open_claims_and_progress(runtime: Runtime, wishes: WishService) -> None:
    wishes.settings = runtime.settings.model_copy(
        update={"wish_target": 5, "wish_open_claims_max": 2}
    )
    ids = [await _open(wishes, f"心愿{n}") for n in range(4)]
    await wishes.claim(STREET_A, ids[0])
    await wishes.claim(STREET_A, ids[1])
    with pytest.raises(WishError) as refused:
        await wishes.claim(STREET_A, ids[2])
    assert str(refused.value) == texts.CAP_REACHED.format(count=2, cap=2)
    assert await wishes.progress("street-a") == (2, 5)
    # Fulfilling one frees a place under the cap; the progress counts it still.
    await wishes.light(STREET_A, ids[0], "已送到 https://example.org/p.jpg")
    await wishes.claim(STREET_A, ids[2])
    assert await wishes.progress("street-a") == (3, 5)
    assert await wishes.progress_text("street-a") == "已认领 3/5"
    # Someone else's claim cannot be lit by this cadre, nor claimed twice.
    with pytest.raises(WishError, match="不能认领"):
        await wishes.claim(DISTRICT_A, ids[1])
    with pytest.raises(WishError, match="不是你认领的"):
        await wishes.light(DISTRICT_A, ids[1], "")
    lit = await wishes.get(ids[0])
    assert lit is not None and lit.status == WishStatus.LIT.value
    assert lit.note == "已送到 https://example.org/p.jpg"
    async with runtime.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.key.startswith(f"wish:{ids[0]}:"))
            )
        ).all()
    told = {row.key.rsplit(":", 1)[1]: row for row in rows}
    assert set(told) == {"claimed", "lit"}, "the youth is told at each step"
    assert {(r.chat_type, r.chat_id) for r in rows} == {("private", "30001")}
    assert "https://example.org/p.jpg" in told["lit"].text


async def test_scope_and_masked_listing(wishes: WishService) -> None:
    street = await _open(wishes, "想要一套绘画工具，电话13812345678", "street")
    district = await _open(wishes, "想要一个篮球", "district")
    assert [w.id for w in await wishes.listing(STREET_A.orgs)] == [street]
    assert [w.id for w in await wishes.listing(DISTRICT_A.orgs)] == [street, district]
    with pytest.raises(WishError, match="不在你负责"):
        await wishes.claim(STREET_A, district)
    shown = wishes.masked((await wishes.listing(STREET_A.orgs))[0])
    assert "王**" in shown and "王小青" not in shown
    assert "138****5678" in shown and "13812345678" not in shown
    assert "我妹妹" not in shown, "for whom and contact only after a claim"


async def test_unclaimed_wish_climbs_to_the_parent_org(
    runtime: Runtime, wishes: WishService, clock: Clock
) -> None:
    days = runtime.settings.wish_escalate_days
    wish_id = await _open(wishes, "想要一本字典", "street")
    clock.advance(days=days, minutes=-1)
    assert await wishes.tick() == 0
    clock.advance(minutes=2)
    assert await wishes.tick() == 1
    wish = await wishes.get(wish_id)
    assert wish is not None and (wish.org_id, wish.escalations) == ("district", 1)
    assert await wishes.listing(STREET_A.orgs) == []
    # It waits anew at the district, then climbs to the city, and stays at the top.
    clock.advance(days=days, minutes=1)
    assert await wishes.tick() == 1
    clock.advance(days=days, minutes=1)
    assert await wishes.tick() == 0
    wish = await wishes.get(wish_id)
    assert wish is not None and wish.org_id == "city"
    # A claimed wish never moves.
    claimed = await _open(wishes, "想要一双球鞋", "street")
    await wishes.claim(STREET_A, claimed)
    clock.advance(days=days * 3)
    await wishes.tick()
    moved = await wishes.get(claimed)
    assert moved is not None and moved.org_id == "street"


async def test_withdraw(wishes: WishService) -> None:
    wish_id = await _open(wishes, "想要一个书包")
    with pytest.raises(WishError, match="没有找到"):
        await wishes.withdraw("qq", "39999", wish_id)
    await wishes.withdraw("qq", "30001", wish_id)
    assert await wishes.listing(None) == []
    with pytest.raises(WishError, match="不能认领"):
        await wishes.claim(CITY_A, wish_id)
    with pytest.raises(WishError, match="不能撤回"):
        await wishes.withdraw("qq", "30001", wish_id)
    assert await wishes.counts(None) == {WishStatus.WITHDRAWN.value: 1}


async def test_demo_seed_once_on_an_empty_table(wishes: WishService) -> None:
    assert await wishes.seed_demo() == 3
    listed = await wishes.listing(None)
    assert [w.org_id for w in listed] == ["street"] * 3, "the test grid's one lowest org"
    assert await wishes.seed_demo() == 0, "never twice, never beside real wishes"


async def test_two_claims_at_once_stay_under_the_cap(runtime: Runtime, wishes: WishService) -> None:
    """Two claims by one cadre at the same instant (two chats, two processes) cannot both pass
    a cap with one place left: the count and the claim are one locked step."""
    wishes.settings = runtime.settings.model_copy(update={"wish_open_claims_max": 1})
    first, second = [await _open(wishes, f"心愿{n}") for n in range(2)]
    outcomes = await asyncio.gather(
        wishes.claim(STREET_A, first), wishes.claim(STREET_A, second), return_exceptions=True
    )
    refused = [o for o in outcomes if isinstance(o, WishError)]
    assert len(refused) == 1, outcomes
    assert str(refused[0]) == texts.CAP_REACHED.format(count=1, cap=1)
    assert await wishes.progress("street-a") == (1, 5)

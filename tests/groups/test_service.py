"""兴趣小组 in the service: join and leave, who organises, one vote per member (changed before the
deadline), the deadline, ties (the earliest proposal wins), nobody voting, and the winner as an
activity announced privately to the members through the outbox (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.activities.models import Activity, ActivityStatus
from bot.delivery.models import OutboxMessage
from bot.groups import texts
from bot.groups.models import PollStatus
from bot.groups.service import GroupError, GroupService, ProposalDraft
from bot.runtime import Runtime
from tests.activities.helpers import ADMIN, DISTRICT_A, STREET_A, YOUTH, RecordingChannel
from tests.utils import Clock


def proposals(clock: Clock, *titles: str) -> list[ProposalDraft]:
    return [
        ProposalDraft(title, clock() + timedelta(days=5 + n), "青年之家", 20 if n == 0 else None)
        for n, title in enumerate(titles)
    ]


async def members(groups: GroupService, name: str, *users: str) -> None:
    for user in users:
        await groups.join("qq", user, name, nickname=f"小{user[-1]}")


async def outbox_rows(runtime: Runtime, prefix: str) -> list[OutboxMessage]:
    async with runtime.db.session() as session:
        return list(
            (
                await session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.key.startswith(prefix))
                    .order_by(OutboxMessage.id)
                )
            ).all()
        )


async def test_join_leave_and_counts(groups: GroupService) -> None:
    group, already, count = await groups.join("qq", "30001", "烘焙小组")
    assert (group.name, already, count) == ("烘焙", False, 1)
    assert (await groups.join("qq", "30001", "甜点"))[1] is True, "an alias, once"
    await groups.join("qq", "30002", "烘焙")
    rows = {row.group.name: row for row in await groups.listing("qq", "30001")}
    assert (rows["烘焙"].members, rows["烘焙"].mine) == (2, True)
    assert (rows["瑜伽"].members, rows["瑜伽"].mine) == (0, False)
    with pytest.raises(GroupError, match="没有找到“美术”"):
        await groups.join("qq", "30001", "美术")
    with pytest.raises(GroupError, match="不在「瑜伽」"):
        await groups.leave("qq", "30001", "瑜伽")
    await groups.leave("qq", "30001", "烘焙")
    assert [g.name for g in await groups.mine("qq", "30001")] == []
    assert (await groups.member_counts([group.id]))[group.id] == 1


async def test_who_organises(groups: GroupService) -> None:
    baking, yoga, chess = await groups.groups()
    assert groups.may_organise(STREET_A, baking), "the group's org"
    assert groups.may_organise(DISTRICT_A, baking), "an org above"
    assert not groups.may_organise(STREET_A, yoga), "an org above theirs"
    city_a = groups.grid.people["city-a"]
    from bot.chat.speaker import speaker_of

    assert groups.may_organise(speaker_of(city_a), yoga), "listed as an organiser"
    assert not groups.may_organise(STREET_A, chess) and groups.may_organise(ADMIN, chess)
    assert not groups.may_organise(YOUTH, baking)
    with pytest.raises(GroupError, match="不能为「瑜伽」"):
        await groups.organisable(STREET_A, "瑜伽")


async def test_votes_deadline_and_winner_becomes_an_activity(
    runtime: Runtime, groups: GroupService, clock: Clock, channel: RecordingChannel
) -> None:
    await members(groups, "烘焙", "30001", "30002", "30003")
    baking = await groups.find("烘焙")
    assert baking is not None
    deadline = clock() + timedelta(days=2)
    poll = await groups.open_poll(
        STREET_A, baking.id, deadline, proposals(clock, "烤曲奇", "做蛋糕")
    )
    with pytest.raises(GroupError, match="已有一个进行中的投票"):
        await groups.open_poll(STREET_A, baking.id, deadline, proposals(clock, "又一个"))
    view = await groups.view(poll.id)
    cookie, cake = (p.id for p in view.proposals)
    opened = await outbox_rows(runtime, f"grouppoll:{poll.id}:open:")
    assert [(r.chat_type, r.chat_id) for r in opened] == [
        ("private", "30001"),
        ("private", "30002"),
        ("private", "30003"),
    ]
    assert f"{cookie}. 烤曲奇" in opened[0].text and texts.TIE_RULE in opened[0].text

    # One vote a member; voting again changes it; outsiders cannot vote.
    assert (await groups.vote("qq", "30001", cake)).previous is None
    assert (await groups.vote("qq", "30001", cookie)).previous == cake
    await groups.vote("qq", "30002", cake)
    await groups.vote("qq", "30003", cake)
    with pytest.raises(GroupError, match="只有「烘焙」兴趣小组的成员"):
        await groups.vote("qq", "39999", cake)
    view = await groups.view(poll.id, "qq", "30001")
    assert (view.votes, view.voters, view.members, view.mine) == (
        {cookie: 1, cake: 2},
        3,
        3,
        cookie,
    )
    assert view.turnout == "100%"

    # Leaving voids the vote; the deadline is not yet: nothing closes.
    await groups.leave("qq", "30003", "烘焙")
    assert (await groups.view(poll.id)).votes == {cookie: 1, cake: 1}
    await groups.join("qq", "30003", "烘焙")
    await groups.vote("qq", "30003", cake)
    clock.advance(days=2, minutes=-1)
    assert await groups.tick() == 0

    clock.advance(minutes=2)
    with pytest.raises(GroupError, match="截止"):
        await groups.vote("qq", "30001", cake)
    assert await groups.tick() == 1
    assert await groups.tick() == 0, "once"
    view = await groups.view(poll.id)
    assert view.poll.status == PollStatus.DECIDED.value
    assert (view.poll.winner_id, view.poll.tied) == (cake, False)
    async with runtime.db.session() as session:
        activity = await session.get(Activity, view.poll.activity_id)
    assert activity is not None and activity.status == ActivityStatus.ANNOUNCED.value
    assert activity.title == "做蛋糕（烘焙兴趣小组）" and activity.org_id == "street"
    assert activity.target_groups == [], "no chat group: the members only, privately"
    announced = await outbox_rows(runtime, f"activity:{activity.id}:")
    assert {(r.chat_type, r.chat_id) for r in announced} == {
        ("private", "30001"),
        ("private", "30002"),
        ("private", "30003"),
    }
    assert f"【活动 #{activity.id}】做蛋糕" in announced[0].text
    result = await outbox_rows(runtime, f"grouppoll:{poll.id}:result")
    assert [r.chat_id for r in result] == ["10001"], "the organiser is told"
    assert f"已成为活动 #{activity.id}" in result[0].text

    # The existing activity flow: sign up (quota none), status shows private progress.
    await runtime.activities.outbox.send_due()
    assert len(channel.to("private")) == 3 + 3 + 1
    signup = await runtime.activities.sign_up(activity.id, "qq", "30002")
    assert signup.status == "signed"
    status = await runtime.activities.status_text(STREET_A, activity.id)
    assert "私信通知：已发 3/3" in status
    # Turnout stays as it was at the deadline.
    await groups.join("qq", "30009", "烘焙")
    view = await groups.view(poll.id)
    assert (view.voters, view.members, view.turnout) == (3, 3, "100%")


async def test_tie_the_earliest_proposal_wins(
    runtime: Runtime, groups: GroupService, clock: Clock
) -> None:
    await members(groups, "烘焙", "30001", "30002", "30003", "30004")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A, baking.id, clock() + timedelta(hours=5), proposals(clock, "甲", "乙", "丙")
    )
    first, second, third = (p.id for p in (await groups.view(poll.id)).proposals)
    await groups.vote("qq", "30001", third)
    await groups.vote("qq", "30002", third)
    await groups.vote("qq", "30003", second)
    await groups.vote("qq", "30004", second)
    clock.advance(hours=6)
    assert await groups.tick() == 1
    view = await groups.view(poll.id)
    assert (view.poll.winner_id, view.poll.tied) == (second, True), "2 against 2: the earlier"
    assert first not in view.votes
    status = groups.status_text(view)
    assert "平票，按规则先提出的胜出" in status and "投票 4/4 人（100%）" in status
    result = await outbox_rows(runtime, f"grouppoll:{poll.id}:result")
    assert "平票" in result[0].text


async def test_nobody_votes_no_activity(
    runtime: Runtime, groups: GroupService, clock: Clock
) -> None:
    await members(groups, "烘焙", "30001")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        DISTRICT_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "甲")
    )
    clock.advance(hours=2)
    assert await groups.tick() == 1
    view = await groups.view(poll.id)
    assert (view.poll.status, view.poll.activity_id) == (PollStatus.NO_VOTES.value, None)
    async with runtime.db.session() as session:
        assert (await session.scalars(select(Activity))).all() == []
    result = await outbox_rows(runtime, f"grouppoll:{poll.id}:result")
    assert result[0].chat_id == "10004" and "没有人投票" in result[0].text
    # A new vote may open now.
    await groups.open_poll(
        DISTRICT_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "乙")
    )


async def test_proposals_must_start_after_the_deadline(groups: GroupService, clock: Clock) -> None:
    baking = await groups.find("烘焙")
    assert baking is not None
    deadline = clock() + timedelta(days=10)
    with pytest.raises(GroupError, match="应在投票截止"):
        await groups.open_poll(STREET_A, baking.id, deadline, proposals(clock, "太早"))
    with pytest.raises(GroupError, match="格式是"):
        groups.parse_proposal("只有名称", deadline)
    draft = groups.parse_proposal("烤曲奇，12月20日 14:00，青年之家，15", clock())
    assert (draft.title, draft.place, draft.quota) == ("烤曲奇", "青年之家", 15)
    with pytest.raises(GroupError, match="没看懂活动时间"):
        groups.parse_proposal("烤曲奇，某天，青年之家", clock())
    with pytest.raises(GroupError, match="名额"):
        groups.parse_proposal("烤曲奇，12月20日 14:00，青年之家，很多", clock())


async def test_a_crash_mid_closing_is_finished_once(
    runtime: Runtime, groups: GroupService, clock: Clock
) -> None:
    """The poll turned `closing` and the activity was made, then the process died: the next
    tick finishes it with the same activity, and nobody hears twice."""
    await members(groups, "烘焙", "30001", "30002")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "甲")
    )
    (only,) = (p.id for p in (await groups.view(poll.id)).proposals)
    await groups.vote("qq", "30001", only)
    clock.advance(hours=2)
    view = await groups.view(poll.id)
    first_id = await groups._make_activity(view.poll, view.group, view.proposals[0])
    from sqlalchemy import update

    from bot.groups.models import GroupPoll

    async with runtime.db.session() as session:
        await session.execute(
            update(GroupPoll).where(GroupPoll.id == poll.id).values(status="closing")
        )
    assert await groups.tick() == 1
    view = await groups.view(poll.id)
    assert view.poll.activity_id == first_id
    async with runtime.db.session() as session:
        assert len((await session.scalars(select(Activity))).all()) == 1
    rows = await outbox_rows(runtime, f"activity:{first_id}:dm:")
    assert sorted(r.chat_id for r in rows) == ["30001", "30002"]


async def test_erasing_a_youths_data_leaves_groups_and_keeps_the_count(
    runtime: Runtime, groups: GroupService, clock: Clock
) -> None:
    await members(groups, "烘焙", "30001", "30002")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "甲")
    )
    (only,) = (p.id for p in (await groups.view(poll.id)).proposals)
    await groups.vote("qq", "30001", only)
    summary = await runtime.privacy.summary("qq", "30001")
    assert (summary.groups, summary.votes) == (("烘焙",), 1)
    await runtime.privacy.forget("qq", "30001")
    assert await groups.mine("qq", "30001") == []
    view = await groups.view(poll.id, "qq", "30001")
    assert (view.votes, view.members, view.mine) == ({only: 1}, 1, None)


async def test_two_first_votes_at_once_are_one_vote(groups: GroupService, clock: Clock) -> None:
    import asyncio

    await members(groups, "烘焙", "30001")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "甲", "乙")
    )
    first, second = (p.id for p in (await groups.view(poll.id)).proposals)
    await asyncio.gather(groups.vote("qq", "30001", first), groups.vote("qq", "30001", second))
    view = await groups.view(poll.id)
    assert view.voters == 1 and sum(view.votes.values()) == 1


async def test_cancel_a_vote(runtime: Runtime, groups: GroupService, clock: Clock) -> None:
    await members(groups, "烘焙", "30001")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A, baking.id, clock() + timedelta(hours=1), proposals(clock, "甲")
    )
    with pytest.raises(GroupError, match="不能为「烘焙」"):
        await groups.cancel_poll(YOUTH, poll.id)
    await groups.cancel_poll(STREET_A, poll.id)
    told = await outbox_rows(runtime, f"grouppoll:{poll.id}:cancelled:")
    assert [r.chat_id for r in told] == ["30001"]
    clock.advance(hours=2)
    assert await groups.tick() == 0
    assert (await groups.view(poll.id)).poll.status == PollStatus.CANCELLED.value


async def test_the_winners_activity_has_the_whole_activity_flow(
    runtime: Runtime, groups: GroupService, clock: Clock, channel: RecordingChannel
) -> None:
    """Quota and waitlist, reminders, check-in and export: the activities' own flow."""
    await members(groups, "烘焙", "30001", "30002")
    baking = await groups.find("烘焙")
    assert baking is not None
    poll = await groups.open_poll(
        STREET_A,
        baking.id,
        clock() + timedelta(hours=1),
        [ProposalDraft("烤曲奇", clock() + timedelta(days=3), "青年之家", 1)],
    )
    (only,) = (p.id for p in (await groups.view(poll.id)).proposals)
    await groups.vote("qq", "30001", only)
    clock.advance(hours=2)
    await groups.tick()
    activity_id = (await groups.view(poll.id)).poll.activity_id
    assert activity_id is not None
    service = runtime.activities
    assert (await service.sign_up(activity_id, "qq", "30001")).status == "signed"
    waiting = await service.sign_up(activity_id, "qq", "30002")
    assert (waiting.status, waiting.rank) == ("waitlisted", 1), "quota 1"
    await service.cancel_signup(activity_id, "qq", "30001")
    clock.advance(days=2)  # a day before: the reminder goes to the promoted member
    await service.tick()
    await service.outbox.send_due()
    private = [s for s in channel.to("private") if s.chat_id == "30002"]
    assert [s.text[:6] for s in private][-2:] == ["【候补成功】", "【活动提醒】"]
    activity = await service.get(activity_id)
    clock.advance(hours=23)
    assert "签到成功" in await service.check_in("qq", "30002", activity.checkin_code)
    token, rows = await service.export(STREET_A, activity_id)
    assert rows == 2 and (runtime.settings.data_dir / "exports" / f"{token}.xlsx").exists()

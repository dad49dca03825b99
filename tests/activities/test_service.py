"""The activity service: targets, announcing through the outbox, sign-ups, reminders, check-in.

Runs on SQLite and PostgreSQL (the `runtime` fixture) with a clock moved by hand. The test grid:
测试团市委 (city) → 测试区团委 (district, group 40002, tag 企业青年) → 测试街道团工委 (street,
group 40001, tag 农村青年).
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.activities import texts
from bot.activities.models import SignupStatus
from bot.activities.service import ActivityError, ActivityService
from bot.grid.model import ChatRef
from tests.activities.helpers import (
    ADMIN,
    DISTRICT_A,
    STREET_A,
    YOUTH,
    RecordingChannel,
    announced,
    draft,
)
from tests.utils import Clock


def test_targets_reach_child_orgs_tags_and_named_groups(activities: ActivityService) -> None:
    resolve = activities.resolve
    assert resolve({"orgs": ["district"]}) == [ChatRef("qq", "40002"), ChatRef("qq", "40001")]
    assert resolve({"tags": ["农村青年"]}) == [ChatRef("qq", "40001")]
    assert resolve({"tags": ["企业青年"], "groups": ["qq:40009", "qq:40001"]}) == [
        ChatRef("qq", "40002"),
        ChatRef("qq", "40001"),
        ChatRef("qq", "40009"),
    ]
    assert activities.parse_targets("测试街道团工委 企业青年 40009") == {
        "orgs": ["street"],
        "tags": ["企业青年"],
        "groups": ["qq:40009"],
    }
    assert activities.parse_targets("全部") == {"orgs": ["city"]}
    with pytest.raises(ActivityError, match="火星团委"):
        activities.parse_targets("火星团委")


async def test_scheduled_announcement_goes_to_every_group_once_with_spacing(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity = await activities.create(
        ADMIN, draft(clock, targets={"orgs": ["district"], "groups": ["qq:40003", "qq:40004"]})
    )
    assert "【预览】以下是将发到 4 个群的通知" in activities.preview(activity)
    _, queued = await activities.schedule(ADMIN, activity.id, clock() + timedelta(hours=1))
    assert queued == 0
    assert await activities.tick() == (0, 0)
    clock.advance(hours=1)
    assert await activities.tick() == (1, 0)
    assert await activities.outbox.send_due() == 4
    groups = channel.to("group")
    assert sorted(s.chat_id for s in groups) == ["40001", "40002", "40003", "40004"]
    assert all(f"【活动 #{activity.id}】社区志愿服务" in s.text for s in groups)
    spacing = activities.settings.outbox_spacing_seconds
    gaps = [(b.at - a.at).total_seconds() for a, b in itertools.pairwise(groups)]
    assert all(gap >= spacing for gap in gaps), gaps
    status = await activities.status_text(ADMIN, activity.id)
    assert "群发进度：已发 4/4，失败 0，排队 0" in status
    assert "测试区团委（40002）：已发送" in status


async def test_restart_mid_announcement_misses_no_group_and_repeats_none(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity = await activities.create(
        ADMIN, draft(clock, targets={"orgs": ["district"], "groups": ["qq:40003"]})
    )
    await activities.schedule(ADMIN, activity.id, clock() + timedelta(minutes=5))
    # The process queued one group and one was even sent, then it was killed.
    outbox = activities.outbox
    await outbox.enqueue(f"activity:{activity.id}:qq:40002", "qq", "40002", "old text")
    assert await outbox.send_due() == 1
    clock.advance(minutes=5)
    assert await activities.tick() == (1, 0)
    await activities.announce(activity.id)  # a second process, or a repeated tick
    assert await outbox.send_due() == 2
    assert sorted(s.chat_id for s in channel.to("group")) == ["40001", "40002", "40003"]
    rows = await outbox.progress(f"activity:{activity.id}:qq:")
    assert len(rows) == 3


async def test_quota_then_waitlist_then_promotion_told(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, quota=2)
    results = [await activities.sign_up(activity_id, "qq", str(u), "40001") for u in range(31, 35)]
    assert [(r.status, r.rank) for r in results] == [
        ("signed", 0),
        ("signed", 0),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    again = await activities.sign_up(activity_id, "qq", "33")
    assert (again.already, again.status, again.rank) == (True, "waitlisted", 1)
    await activities.cancel_signup(activity_id, "qq", "31")
    mine = await activities.my_signups("qq", "33")
    assert [(s.status, rank) for _, s, rank in mine] == [("signed", 0)]
    mine = await activities.my_signups("qq", "34")
    assert [(s.status, rank) for _, s, rank in mine] == [("waitlisted", 1)]
    await activities.outbox.send_due()
    told = channel.to("private")
    assert [(s.chat_id, s.text[:6]) for s in told] == [("33", "【候补成功】")]
    with pytest.raises(ActivityError, match="你没有报名"):
        await activities.cancel_signup(activity_id, "qq", "31")
    # Signing up again after cancelling goes to the back of the line.
    back = await activities.sign_up(activity_id, "qq", "31")
    assert (back.status, back.rank) == ("waitlisted", 2)


async def test_signup_refusals(activities: ActivityService, clock: Clock) -> None:
    draft_only = await activities.create(ADMIN, draft(clock))
    with pytest.raises(ActivityError, match="不接受报名"):
        await activities.sign_up(draft_only.id, "qq", "31")
    with pytest.raises(ActivityError, match="没有找到活动 #999"):
        await activities.sign_up(999, "qq", "31")
    activity_id = await announced(activities, clock, signup_deadline=clock() + timedelta(hours=1))
    clock.advance(hours=1)
    with pytest.raises(ActivityError, match="报名已截止"):
        await activities.sign_up(activity_id, "qq", "31")


async def test_reminders_fire_once_each_for_those_signed(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, quota=1)  # starts in 48 h; reminders 24, 1
    await activities.sign_up(activity_id, "qq", "41")
    await activities.sign_up(activity_id, "qq", "42")  # waitlisted: not reminded
    clock.advance(hours=23, minutes=59)
    assert await activities.tick() == (0, 0)
    clock.advance(minutes=1)
    assert await activities.tick() == (0, 1)
    assert await activities.tick() == (0, 0)
    clock.advance(hours=23)
    assert await activities.tick() == (0, 1)
    await activities.outbox.send_due()
    reminders = [s for s in channel.to("private") if s.text.startswith("【活动提醒】")]
    assert [s.chat_id for s in reminders] == ["41", "41"]


async def test_check_in_with_the_code(activities: ActivityService, clock: Clock) -> None:
    activity_id = await announced(activities, clock, checkin_code="246810")
    await activities.sign_up(activity_id, "qq", "51")
    assert await activities.check_in("qq", "51", "246810") == texts.CHECKIN_TOO_EARLY.format(
        id=activity_id, hours=2
    )
    clock.advance(hours=47)
    assert await activities.check_in("qq", "51", "111111") == texts.CHECKIN_UNKNOWN
    assert "没有报名" in await activities.check_in("qq", "52", "246810")
    assert await activities.check_in("qq", "51", "246810") == texts.CHECKED_IN.format(
        id=activity_id, title="社区志愿服务"
    )
    assert "已经签到过了" in await activities.check_in("qq", "51", "246810")
    mine = await activities.my_signups("qq", "51")
    assert mine[0][1].checked_in_at == clock()


async def test_cancelling_tells_everyone_signed_up(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, quota=1)
    await activities.sign_up(activity_id, "qq", "61")
    await activities.sign_up(activity_id, "qq", "62")
    assert await activities.cancel(ADMIN, activity_id, "天气原因") == 2
    await activities.outbox.send_due()
    cancels = [s for s in channel.to("private") if s.text.startswith("【活动取消】")]
    assert sorted(s.chat_id for s in cancels) == ["61", "62"]
    assert "原因：天气原因" in cancels[0].text
    with pytest.raises(ActivityError, match="不接受报名"):
        await activities.sign_up(activity_id, "qq", "63")
    with pytest.raises(ActivityError, match="已经取消"):
        await activities.cancel(ADMIN, activity_id)
    clock.advance(hours=24)
    assert await activities.tick() == (0, 0)  # no reminders for a cancelled activity


async def test_edit_tells_participants_and_more_seats_promote(
    activities: ActivityService, channel: RecordingChannel, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, quota=1)
    await activities.sign_up(activity_id, "qq", "71")
    await activities.sign_up(activity_id, "qq", "72")
    reply = await activities.edit(ADMIN, activity_id, "名额", "2")
    assert reply == "活动 #1 已修改：名额改为2，将通知 2 位报名者".replace("#1", f"#{activity_id}")
    reply = await activities.edit(ADMIN, activity_id, "地点", "团市委三楼")
    await activities.outbox.send_due()
    texts_to_72 = [s.text[:6] for s in channel.to("private") if s.chat_id == "72"]
    assert sorted(texts_to_72) == ["【候补成功】", "【活动变更】", "【活动变更】"]
    with pytest.raises(ActivityError, match="不能修改"):
        await activities.edit(ADMIN, activity_id, "颜色", "红")


async def test_permissions(activities: ActivityService, clock: Clock) -> None:
    with pytest.raises(ActivityError, match="只有团干部和管理员"):
        await activities.create(YOUTH, draft(clock))
    with pytest.raises(ActivityError, match="只能向自己负责的组织"):
        await activities.create(STREET_A, draft(clock, targets={"orgs": ["district"]}))
    district = await activities.create(DISTRICT_A, draft(clock, targets={"orgs": ["district"]}))
    for refused in (YOUTH, STREET_A):
        with pytest.raises(ActivityError):
            await activities.cancel(refused, district.id)
        with pytest.raises(ActivityError):
            await activities.export(refused, district.id)
    street = await activities.create(STREET_A, draft(clock))
    await activities.schedule(DISTRICT_A, street.id)  # a cadre above may manage it
    assert (await activities.get(street.id)).status == "announced"


async def test_signup_status_survives_in_my_signups(
    activities: ActivityService, clock: Clock
) -> None:
    first = await announced(activities, clock, title="甲", starts_at=clock() + timedelta(days=3))
    second = await announced(activities, clock, title="乙")
    await activities.sign_up(first, "qq", "81")
    await activities.sign_up(second, "qq", "81")
    mine = await activities.my_signups("qq", "81")
    assert [(a.title, s.status) for a, s, _ in mine] == [
        ("乙", SignupStatus.SIGNED.value),
        ("甲", SignupStatus.SIGNED.value),
    ]


async def test_concurrent_signups_never_exceed_the_quota(
    activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(activities, clock, quota=3)
    results = await asyncio.gather(
        *(activities.sign_up(activity_id, "qq", str(200 + n)) for n in range(10))
    )
    assert sorted(r.status for r in results).count("signed") == 3
    ranks = sorted(r.rank for r in results if r.status == "waitlisted")
    assert ranks == list(range(1, 8))


async def test_moving_the_start_moves_the_reminders(
    activities: ActivityService, clock: Clock
) -> None:
    activity_id = await announced(activities, clock)  # 11-04 09:00 local
    await activities.sign_up(activity_id, "qq", "111")
    await activities.edit(ADMIN, activity_id, "时间", "11月5日 09:00")
    clock.advance(hours=24)
    assert await activities.tick() == (0, 0)
    clock.advance(hours=24)
    assert await activities.tick() == (0, 1)

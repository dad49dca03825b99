"""Activities dropped into faq_data/activities/: made once, errors named by file, line and field."""

from __future__ import annotations

from pathlib import Path

from bot.activities.service import ActivityService
from bot.activities.sync import ActivityFileSync
from bot.runtime import Runtime
from tests.activities.helpers import RecordingChannel

GOOD = """\
activities:
  - id: winter-volunteer
    title: 冬季志愿服务
    time: 2026-11-10 14:00
    place: 街道活动中心
    quota: 20
    deadline: 2026-11-09 18:00
    targets:
      tags: [农村青年]
      groups: ["qq:40005"]
    fields: [姓名, 手机]
"""
BROKEN = """\
activities:
  - id: bad-one
    title: 缺时间
    targets: {orgs: [street]}
  - id: bad-two
    title: 名额不对
    time: 2026-11-12 09:00
    quota: 很多
    targets: {orgs: [street]}
    fields: [身高]
"""


def write(faq_dir: Path, name: str, text: str) -> None:
    folder = faq_dir / "activities"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


async def test_yaml_activities_are_made_once_and_errors_are_located(
    runtime: Runtime, activities: ActivityService, channel: RecordingChannel
) -> None:
    faq_dir = runtime.settings.faq_dir
    write(faq_dir, "winter.yaml", GOOD)
    write(faq_dir, "broken.yaml", BROKEN)
    write(faq_dir, "_draft.yaml", "activities: [oops")
    sync = ActivityFileSync(activities, faq_dir, watch=False)
    result = await sync.sync("测试")
    problems = [str(issue) for issue in result.errors]
    assert problems == [
        "activities/broken.yaml 第2行 time：缺少时间（time）",
        "activities/broken.yaml 第8行 quota：名额「很多」应为正整数或“不限”",
        "activities/broken.yaml 第10行 fields：不认识「身高」，可选：姓名、手机、学校",
    ]
    activity = await activities.get(1)
    assert (activity.title, activity.status, activity.quota) == ("冬季志愿服务", "announced", 20)
    assert activity.fields == ["name", "phone"]
    assert activity.target_groups == ["qq:40001", "qq:40005"]
    assert await activities.outbox.send_due() == 2

    await sync.sync("再次")  # unchanged files: nothing new, nothing sent twice
    assert await activities.outbox.send_due() == 0
    write(faq_dir, "winter.yaml", GOOD + "    cancelled: true\n")
    await sync.sync("取消")
    assert (await activities.get(1)).status == "cancelled"
    assert [s.chat_id for s in channel.to("group")] == ["40001", "40005"]


async def test_a_yaml_file_can_be_broken_without_stopping_start(
    runtime: Runtime, activities: ActivityService
) -> None:
    faq_dir = runtime.settings.faq_dir
    write(faq_dir, "quote.yaml", 'activities:\n  - id: "x\n')
    result = await ActivityFileSync(activities, faq_dir, watch=False).sync()
    assert len(result.errors) == 1
    assert result.errors[0].file == "activities/quote.yaml"
    assert "YAML 格式错误" in result.errors[0].message


async def test_a_saved_file_is_synced_by_the_watcher(
    runtime: Runtime, activities: ActivityService
) -> None:
    import asyncio

    from bot.activities.files import ActivityFiles

    faq_dir = runtime.settings.faq_dir
    (faq_dir / "activities").mkdir(exist_ok=True)
    sync = ActivityFileSync(activities, faq_dir, watch=True)
    synced: asyncio.Queue[ActivityFiles] = asyncio.Queue()

    async def heard(report: ActivityFiles) -> None:
        await synced.put(report)

    sync.add_listener(heard)
    first = await sync.start()
    try:
        assert first.reason == "启动"
        await synced.get()
        write(faq_dir, "winter.yaml", GOOD)
        report = await asyncio.wait_for(synced.get(), timeout=20)
        assert report.reason == "文件变化：winter.yaml"
        assert [spec.key for spec in report.specs] == ["winter-volunteer"]
        assert sync.last is report
    finally:
        await sync.stop()

"""The groups service on the test database and clock, sending through a recording channel.

Test grid: city -> district -> street (group qq:40001); cadres 街道甲 (street-a, 10001),
区里甲 (district-a, 10004). The groups below are written to faq_data/groups/ and synced."""

from __future__ import annotations

import pytest

from bot.groups.service import GroupService
from bot.runtime import Runtime
from tests.activities.helpers import RecordingChannel, make_outbox
from tests.utils import Clock
from tests.web.conftest import cadres_on, client  # noqa: F401 - the shared fixtures

GROUPS_YAML = """\
groups:
  - id: baking
    name: 烘焙
    aliases: [甜点]
    description: 周末一起做蛋糕
    org: street
  - id: yoga
    name: 瑜伽
    org: district
    organisers: [city-a]
  - id: chess
    name: 象棋
"""


@pytest.fixture
def channel(clock: Clock) -> RecordingChannel:
    return RecordingChannel(clock)


@pytest.fixture
async def groups(runtime: Runtime, clock: Clock, channel: RecordingChannel) -> GroupService:
    """The runtime's group service with the groups above, on the test clock and outbox."""
    outbox = make_outbox(runtime.db, runtime.settings, clock, channel)
    runtime.activities.clock = clock
    runtime.activities.outbox = outbox
    runtime.groups.outbox = outbox
    folder = runtime.settings.faq_dir / "groups"
    folder.mkdir(exist_ok=True)
    (folder / "groups.yaml").write_text(GROUPS_YAML, encoding="utf-8")
    report = await runtime.group_files.reload("test")
    assert not report.errors, report.errors
    return runtime.groups

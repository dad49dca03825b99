"""The activity service on the test database and clock, sending through a recording channel."""

from __future__ import annotations

import pytest

from bot.activities.service import ActivityService
from bot.runtime import Runtime
from tests.activities.helpers import RecordingChannel, make_outbox
from tests.utils import Clock


@pytest.fixture
def channel(clock: Clock) -> RecordingChannel:
    return RecordingChannel(clock)


@pytest.fixture
def activities(runtime: Runtime, clock: Clock, channel: RecordingChannel) -> ActivityService:
    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, channel)
    return service

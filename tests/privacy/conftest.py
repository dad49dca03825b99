"""The privacy service on the test database and clock, with activities sending nowhere real."""

from __future__ import annotations

import pytest

from bot.activities.service import ActivityService
from bot.privacy.service import PrivacyService
from bot.runtime import Runtime
from tests.activities.helpers import RecordingChannel, make_outbox
from tests.utils import Clock


@pytest.fixture
def activities(runtime: Runtime, clock: Clock) -> ActivityService:
    service = runtime.activities
    service.clock = clock
    service.outbox = make_outbox(runtime.db, runtime.settings, clock, RecordingChannel(clock))
    return service


@pytest.fixture
def privacy(runtime: Runtime, activities: ActivityService, clock: Clock) -> PrivacyService:
    runtime.privacy.clock = clock
    runtime.privacy.activities = activities
    return runtime.privacy

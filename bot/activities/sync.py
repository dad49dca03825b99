"""Keep the activities of `faq_data/activities/` in the database: at start and on every change."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.activities.files import (
    ACTIVITIES_SUBDIR,
    ActivityFiles,
    ActivitySpec,
    is_relevant,
    load_activity_files,
)
from bot.activities.models import Activity, ActivityStatus
from bot.activities.service import ActivityError, ActivityService
from bot.chat.speaker import Speaker
from bot.common.issues import FileIssue
from bot.common.live import LiveFiles
from bot.grid.model import Role

log = logging.getLogger(__name__)


class ActivityFileSync(LiveFiles[ActivityFiles]):
    """Makes each file activity once (by its id), updates it until announced, cancels it on
    `cancelled: true`. Announced activities change only through /修改活动 (participants are told).

    Live like the FAQ and the grid (bot.common.live): one sync at a time, on start and after
    every change of `faq_dir/activities/`."""

    name = "activities"

    def __init__(self, service: ActivityService, faq_dir: Path, watch: bool = True) -> None:
        super().__init__(faq_dir / ACTIVITIES_SUBDIR, watch_files=watch)
        self.service = service
        self.faq_dir = faq_dir
        self._faq_root = faq_dir.resolve()

    @property
    def last(self) -> ActivityFiles | None:
        """What the latest sync read and found wrong."""
        return self.last_report

    async def sync(self, reason: str = "") -> ActivityFiles:
        """Read the files and bring the database in line; returns what was read and found wrong."""
        return await self.reload(reason)

    def _is_relevant(self, path: Path) -> bool:
        return is_relevant(self._faq_root, path)

    async def _reload(self, reason: str) -> ActivityFiles:
        service = self.service
        result = await asyncio.get_running_loop().run_in_executor(
            None, load_activity_files, self.faq_dir, service.clock(), service.zone
        )
        for spec in result.specs:
            try:
                await self._apply(spec, result)
            except ActivityError as exc:
                result.errors.append(FileIssue(spec.file, spec.line, None, str(exc)))
        result.reason = reason
        return result

    def _log_report(self, report: ActivityFiles) -> None:
        for issue in report.errors:
            log.warning("activity file: %s", issue)
        log.info(
            "activity files synced (%s): %d activities, %d errors",
            report.reason,
            len(report.specs),
            len(report.errors),
        )

    def _organiser(self, spec: ActivitySpec) -> Speaker:
        person = self.service.grid.people.get(spec.organiser or "")
        if person is None:
            return Speaker("file", spec.file, None, is_admin=True)
        return Speaker(
            "qq",
            person.account("qq") or person.account("wecom") or "",
            person,
            is_admin=person.role is Role.ADMIN,
        )

    async def _existing(self, spec: ActivitySpec) -> Activity | None:
        async with self.service.db.session() as session:
            return await session.scalar(
                select(Activity).where(Activity.source == spec.draft.source)
            )

    async def _apply(self, spec: ActivitySpec, result: ActivityFiles) -> None:
        service = self.service
        existing = await self._existing(spec)
        organiser = self._organiser(spec)
        if existing is None:
            if spec.cancelled:
                return
            if spec.draft.starts_at <= service.clock():
                result.warnings.append(
                    FileIssue(spec.file, spec.line, "time", "活动时间已过，未发布")
                )
                return
            try:
                activity = await service.create(organiser, spec.draft)
            except IntegrityError:
                # Another process starting on the same files made it a moment ago (the source
                # is unique): it announces it, once.
                if await self._existing(spec) is None:
                    raise
                log.info("activity file %s: made by another process", spec.draft.source)
                return
            await service.schedule(organiser, activity.id, spec.announce_at)
            return
        if existing.status == ActivityStatus.CANCELLED.value:
            return
        if spec.cancelled:
            await service.cancel(replace(organiser, is_admin=True), existing.id)
            return
        if existing.status == ActivityStatus.ANNOUNCED.value:
            return
        draft = spec.draft
        groups = service.resolve(draft.targets)
        async with service.db.session() as session:
            await session.execute(
                update(Activity)
                .where(Activity.id == existing.id, Activity.status == existing.status)
                .values(
                    title=draft.title,
                    starts_at=draft.starts_at,
                    place=draft.place,
                    details=draft.details,
                    quota=draft.quota,
                    signup_deadline=draft.signup_deadline,
                    targets=draft.targets,
                    target_groups=[str(chat) for chat in groups],
                    fields=draft.fields,
                    announce_at=max(spec.announce_at or service.clock(), service.clock()),
                )
            )
        if draft.starts_at != existing.starts_at:
            await service.rearm_reminders(existing.id)

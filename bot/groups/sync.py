"""Keep the interest groups of `faq_data/groups/` in the database: at start and on every change."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.common.issues import FileIssue
from bot.common.live import LiveFiles
from bot.groups import texts
from bot.groups.files import (
    GROUPS_SUBDIR,
    GroupFiles,
    GroupSpec,
    grid_issues,
    is_relevant,
    load_group_files,
)
from bot.groups.models import InterestGroup
from bot.groups.service import GroupError, GroupService

log = logging.getLogger(__name__)


class GroupFileSync(LiveFiles[GroupFiles]):
    """Makes each file group once (by its id) and keeps it as the file says; a group whose
    entry is gone (or `closed: true`) is closed, its members and votes kept. Files with errors
    close nothing: the groups as last read keep serving.

    Live like the FAQ, the grid and the activities (bot.common.live)."""

    name = "groups"

    def __init__(self, service: GroupService, faq_dir: Path, watch: bool = True) -> None:
        super().__init__(faq_dir / GROUPS_SUBDIR, watch_files=watch)
        self.service = service
        self.faq_dir = faq_dir
        self._faq_root = faq_dir.resolve()

    @property
    def last(self) -> GroupFiles | None:
        return self.last_report

    def _is_relevant(self, path: Path) -> bool:
        return is_relevant(self._faq_root, path)

    async def _reload(self, reason: str) -> GroupFiles:
        result = await asyncio.get_running_loop().run_in_executor(
            None, load_group_files, self.faq_dir
        )
        seen: set[str] = set()
        for spec in result.specs:
            if not self._check(spec, result):
                continue
            try:
                await self._apply(spec)
            except GroupError as exc:
                result.errors.append(FileIssue(spec.file, spec.line, "name", str(exc)))
                continue
            seen.add(spec.source)
        if not result.errors:
            await self._close_missing(seen)
        result.reason = reason
        return result

    def _check(self, spec: GroupSpec, result: GroupFiles) -> bool:
        issues = grid_issues(spec, self.service.grid)
        result.errors += issues
        return not issues

    async def _apply(self, spec: GroupSpec) -> None:
        db = self.service.db
        async with db.session() as session:
            existing = await session.scalar(
                select(InterestGroup).where(InterestGroup.source == spec.source)
            )
        if existing is None:
            try:
                group = await self.service.create(
                    spec.name,
                    description=spec.description,
                    org_id=spec.org,
                    aliases=spec.aliases,
                    organisers=spec.organisers,
                    source=spec.source,
                )
            except GroupError:
                async with db.session() as session:
                    made = await session.scalar(
                        select(InterestGroup.id).where(InterestGroup.source == spec.source)
                    )
                if made is None:
                    raise  # the name is another group's
                return  # another process starting on the same files made it a moment ago
            if spec.closed:
                await self._set_active(group.id, False)
            return
        try:
            async with db.session() as session:
                await session.execute(
                    update(InterestGroup)
                    .where(InterestGroup.id == existing.id)
                    .values(
                        name=spec.name,
                        aliases=spec.aliases,
                        description=spec.description,
                        org_id=spec.org,
                        organisers=spec.organisers,
                        active=not spec.closed,
                    )
                )
        except IntegrityError:
            raise GroupError(texts.FILE_NAME_TAKEN.format(name=spec.name)) from None

    async def _set_active(self, group_id: int, active: bool) -> None:
        async with self.service.db.session() as session:
            await session.execute(
                update(InterestGroup).where(InterestGroup.id == group_id).values(active=active)
            )

    async def _close_missing(self, seen: set[str]) -> None:
        async with self.service.db.session() as session:
            result = await session.execute(
                update(InterestGroup)
                .where(
                    InterestGroup.source.startswith("yaml:"),
                    InterestGroup.source.not_in(seen) if seen else InterestGroup.id.is_not(None),
                    InterestGroup.active.is_(True),
                )
                .values(active=False)
            )
        if result.rowcount:
            log.info("groups: %d file groups no longer in the files were closed", result.rowcount)

    def _log_report(self, report: GroupFiles) -> None:
        for issue in report.errors:
            log.warning("group file: %s", issue)
        log.info(
            "group files synced (%s): %d groups, %d errors",
            report.reason,
            len(report.specs),
            len(report.errors),
        )

"""The running services of one bot process, started once and shared by plugins and the web page."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.accounts.service import AccountLinks
from bot.activities.fields import SignupFields
from bot.activities.publish import PublishFlow
from bot.activities.service import ActivityService
from bot.activities.sync import ActivityFileSync
from bot.cases.service import CaseService
from bot.chat.dialogue import Dialogues
from bot.delivery.channel import Channel, PullOnlyChannel
from bot.delivery.outbox import Outbox
from bot.diary.commands import DiaryFlow
from bot.diary.service import DiaryService
from bot.faq.service import FaqService
from bot.grid.service import GridService
from bot.groups.commands import PollFlow
from bot.groups.service import GroupService
from bot.groups.sync import GroupFileSync
from bot.privacy.service import PrivacyService
from bot.qa.model import Incoming
from bot.qa.service import QaService
from bot.reports.image import painter
from bot.safety.crisis import default_detector
from bot.semantic.embedder import get_embedder
from bot.semantic.faq import cache_for
from bot.settings import Settings
from bot.storage.database import Database
from bot.wishes.commands import WishFlow
from bot.wishes.service import WishService

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Settings, database and the services of this process."""

    settings: Settings
    db: Database
    faq: FaqService
    grid: GridService
    qa: QaService
    cases: CaseService
    activities: ActivityService
    activity_files: ActivityFileSync
    outbox: Outbox
    privacy: PrivacyService
    dialogues: Dialogues
    """Guided dialogues under way (/发布活动, /心愿, sign-up fields), kept in the database."""
    wishes: WishService
    """微心愿."""
    diaries: DiaryService
    """团情日记."""
    links: AccountLinks
    """Accounts linked with one-time codes (official-QQ openids), and every person's accounts."""
    groups: GroupService
    """兴趣小组 and their votes."""
    group_files: GroupFileSync
    """faq_data/groups/, kept in the database."""

    @classmethod
    async def start(
        cls,
        settings: Settings,
        db: Database | None = None,
        channels: Mapping[str, Channel] | None = None,
        timers: bool = True,
    ) -> Runtime:
        """Migrate the database (settings' URL unless `db` is given), load files, wire services.

        `channels`: how to reach people per platform (the web page is always pull-only).
        `timers`: run case reminders and escalations in the background.
        """
        db = db or Database(settings.resolved_database_url)
        await db.migrate()
        # The crisis screen's learned layer trains once, off the loop, before the first message.
        await asyncio.get_running_loop().run_in_executor(None, default_detector)
        # The semantic layer (None: lexical only, logged once): loaded off the loop.
        embedder = await asyncio.get_running_loop().run_in_executor(None, get_embedder, settings)
        # The report's PNG font is looked for once (none: text only, logged once).
        await asyncio.get_running_loop().run_in_executor(None, painter, settings.report_font)
        faq = FaqService(
            settings.faq_dir,
            watch=settings.faq_watch,
            embedder=embedder,
            cache=(
                cache_for(settings.data_dir, settings.semantic_cache_dir)
                if embedder is not None
                else None
            ),
            max_wait_s=settings.semantic_max_wait_ms / 1000,
        )
        grid = GridService(settings.faq_dir, watch=settings.faq_watch)
        await faq.start()
        await grid.start()
        qa = QaService(db, faq, settings)
        links = AccountLinks(db, grid)
        await links.reload()
        cases = CaseService(
            db,
            faq,
            grid,
            settings,
            {
                "web": PullOnlyChannel("web", polled=True),
                "qqbot": PullOnlyChannel("qqbot"),
                **(channels or {}),
            },
        )
        cases.links = links
        qa.handover = cases
        qa.on_feedback.append(cases.record_feedback)
        qa.orgs_of = lambda msg: _orgs_of(grid, msg)
        outbox = Outbox(
            db,
            {"web": PullOnlyChannel("web"), "qqbot": PullOnlyChannel("qqbot"), **(channels or {})},
            settings,
        )
        outbox.on_held.append(cases.note_held)
        outbox.on_sent.append(cases.outbox_sent)
        cases.outbox = outbox
        links.outbox = outbox
        activities = ActivityService(db, grid, settings, outbox=outbox)
        activity_files = ActivityFileSync(activities, settings.faq_dir, watch=settings.faq_watch)
        privacy = PrivacyService(db, settings, activities)
        publish = PublishFlow(activities)
        wishes = WishService(db, grid, settings, outbox=outbox)
        wish_flow = WishFlow(wishes)
        fields = SignupFields(activities)
        diaries = DiaryService(db, grid, settings, cases)
        diary_flow = DiaryFlow(diaries)
        groups = GroupService(db, grid, activities, settings, outbox=outbox)
        group_files = GroupFileSync(groups, settings.faq_dir, watch=settings.faq_watch)
        poll_flow = PollFlow(groups)
        dialogues = Dialogues(
            db,
            {
                publish.kind: publish,
                wish_flow.kind: wish_flow,
                fields.kind: fields,
                diary_flow.kind: diary_flow,
                poll_flow.kind: poll_flow,
            },
            clock=lambda: activities.clock(),
        )
        if timers:
            cases.start()
            activities.start()
            outbox.start()
            privacy.start()
            wishes.start()
            groups.start()
        log.info(
            "runtime started: database %s, %d FAQ entries, %d orgs",
            db.dialect,
            len(faq.index),
            len(grid.grid.orgs),
        )
        runtime = cls(
            settings,
            db,
            faq,
            grid,
            qa,
            cases,
            activities=activities,
            activity_files=activity_files,
            outbox=outbox,
            privacy=privacy,
            dialogues=dialogues,
            wishes=wishes,
            diaries=diaries,
            links=links,
            groups=groups,
            group_files=group_files,
        )
        await activity_files.start()
        await group_files.start()
        if settings.wish_demo:
            await wishes.seed_demo()
        if settings.diary_demo:
            await diaries.seed_demo()
        return runtime

    async def stop(self) -> None:
        """Stop timers and file watching, close the database."""
        await self.cases.stop()
        await self.activities.stop()
        await self.activity_files.stop()
        await self.outbox.stop()
        await self.privacy.stop()
        await self.wishes.stop()
        await self.groups.stop()
        await self.group_files.stop()
        await self.faq.stop()
        await self.grid.stop()
        await self.db.dispose()


def _orgs_of(grid: GridService, msg: Incoming) -> tuple[str, ...]:
    """The org of the message's group and its ancestors, nearest first."""
    if msg.group_id is None:
        return ()
    org = grid.grid.org_of_chat(msg.platform, msg.group_id)
    if org is None:
        return ()
    return (org.id, *(parent.id for parent in grid.grid.ancestors(org.id)))


_current: Runtime | None = None


def get_runtime() -> Runtime:
    """The runtime of this process; raises if the bot has not started."""
    if _current is None:
        raise RuntimeError("青声 runtime not started")
    return _current


def set_runtime(runtime: Runtime | None) -> None:
    """Install (or clear) the runtime of this process."""
    global _current
    _current = runtime

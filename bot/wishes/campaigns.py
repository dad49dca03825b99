"""微心愿 campaigns (六一 …): a batch of wishes imported from XLSX for some orgs, a target date,
and progress per org ("点亮 120 / 200 个微心愿").

Imported wishes are ordinary wishes from then on: 待认领 at the org their row names, claimed
under the "1+5" rule, 进行中, 已点亮, and they climb to the parent org when nobody claims them.
They count in their campaign's progress for the org they were imported at (`campaign_org_id`).
An import is all or nothing: one bad row and no wish of the file is added.

Scopes are those of the rest of wishes: None is everything (admins); otherwise a cadre's orgs
and every org below them. A cadre creates campaigns for orgs in scope, sees the campaigns that
cover one of their orgs, and imports (and sees progress of) rows of their orgs only.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.storage.database import Database
from bot.wishes import sheet, texts
from bot.wishes.models import Wish, WishCampaign, WishStatus
from bot.wishes.service import IMPORTED, WishError, WishService
from bot.wishes.sheet import Problem, SheetError, SheetRow

log = logging.getLogger(__name__)

NAME_LIMIT = 60


@dataclass(frozen=True, slots=True)
class OrgProgress:
    """A campaign's wishes imported at one org, by state."""

    org_id: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def lit(self) -> int:
        return self.counts.get(WishStatus.LIT.value, 0)


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """A campaign's progress as one viewer may see it: a row per org that has wishes."""

    campaign: WishCampaign
    rows: list[OrgProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)

    @property
    def lit(self) -> int:
        return sum(row.lit for row in self.rows)

    def count(self, status: str) -> int:
        return sum(row.counts.get(status, 0) for row in self.rows)

    @property
    def text(self) -> str:
        """点亮 120 / 200 个微心愿."""
        return texts.CAMPAIGN_PROGRESS.format(lit=self.lit, total=self.total)


class CampaignService:
    """Campaigns over `WishService`'s database, grid and clock."""

    def __init__(self, wishes: WishService) -> None:
        self.wishes = wishes

    @property
    def db(self) -> Database:
        return self.wishes.db

    def today(self) -> date:
        """Today where the bot's users live."""
        return self.wishes.clock().astimezone(ZoneInfo(self.wishes.settings.timezone)).date()

    def days_text(self, campaign: WishCampaign) -> str:
        """还有 N 天 / 今天截止 / 已过目标日期 N 天."""
        days = (campaign.target_date - self.today()).days
        if days > 0:
            return texts.DAYS_LEFT.format(days=days)
        if days == 0:
            return texts.DAYS_TODAY
        return texts.DAYS_PAST.format(days=-days)

    # ---- campaigns -------------------------------------------------------------------------

    def covered(self, campaign: WishCampaign) -> frozenset[str]:
        """The campaign's orgs and every org below them."""
        return self.wishes.scope(campaign.orgs) or frozenset()

    def sees(self, campaign: WishCampaign, orgs: Collection[str] | None) -> bool:
        """Whether someone with scope `orgs` sees the campaign: it covers one of their orgs."""
        scope = self.wishes.scope(orgs)
        return scope is None or bool(self.covered(campaign) & scope)

    async def create(
        self,
        name: str,
        target_date: date | None,
        org_ids: Sequence[str],
        *,
        orgs: Collection[str] | None,
        by: str,
    ) -> WishCampaign:
        """A new campaign for `org_ids`, each of which must be in the scope `orgs`."""
        name = " ".join(name.split())
        if not name or len(name) > NAME_LIMIT:
            raise WishError(texts.CAMPAIGN_NAME_NEEDED)
        if target_date is None:
            raise WishError(texts.CAMPAIGN_DATE_NEEDED)
        chosen = list(dict.fromkeys(o for o in org_ids if o))
        if not chosen:
            raise WishError(texts.CAMPAIGN_ORGS_NEEDED)
        scope = self.wishes.scope(orgs)
        for org_id in chosen:
            org = self.wishes.grid.orgs.get(org_id)
            if org is None or (scope is not None and org_id not in scope):
                raise WishError(
                    texts.CAMPAIGN_ORG_OUT_OF_SCOPE.format(org=org.name if org else org_id)
                )
        campaign = WishCampaign(
            name=name,
            target_date=target_date,
            orgs=chosen,
            created_by=by,
            created_at=self.wishes.clock(),
        )
        async with self.db.session() as session:
            session.add(campaign)
            await session.flush()
        log.info("wish campaign %s (%s) created by %s for %s", campaign.id, name, by, chosen)
        return campaign

    async def get(self, campaign_id: int, orgs: Collection[str] | None) -> WishCampaign:
        """The campaign, if someone with scope `orgs` sees it (else WishError)."""
        async with self.db.session() as session:
            campaign = await session.get(WishCampaign, campaign_id)
        if campaign is None or not self.sees(campaign, orgs):
            raise WishError(texts.CAMPAIGN_NOT_FOUND)
        return campaign

    async def listing(self, orgs: Collection[str] | None) -> list[WishCampaign]:
        """The campaigns someone with scope `orgs` sees, the latest target date first."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(WishCampaign).order_by(
                    WishCampaign.target_date.desc(), WishCampaign.id.desc()
                )
            )
            campaigns = list(rows.all())
        return [c for c in campaigns if self.sees(c, orgs)]

    # ---- progress --------------------------------------------------------------------------

    async def progress(
        self, campaigns: Sequence[WishCampaign], orgs: Collection[str] | None
    ) -> dict[int, CampaignProgress]:
        """Each campaign's progress per org, counting the wishes imported in the scope `orgs`."""
        found = {c.id: CampaignProgress(c) for c in campaigns}
        if not found:
            return found
        scope = self.wishes.scope(orgs)
        query = select(Wish.campaign_id, Wish.campaign_org_id, Wish.status, func.count()).where(
            Wish.campaign_id.in_(sorted(found))
        )
        if scope is not None:
            query = query.where(Wish.campaign_org_id.in_(sorted(scope)))
        async with self.db.session() as session:
            rows = await session.execute(
                query.group_by(Wish.campaign_id, Wish.campaign_org_id, Wish.status)
            )
        by_org: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for campaign_id, org_id, status, n in rows.all():
            by_org[int(campaign_id)][org_id or ""][status] = int(n)
        order = {org_id: n for n, org_id in enumerate(self.wishes.grid.orgs)}
        for campaign_id, per_org in by_org.items():
            found[campaign_id].rows.extend(
                OrgProgress(org_id, counts)
                for org_id, counts in sorted(
                    per_org.items(), key=lambda item: order.get(item[0], len(order))
                )
            )
        return found

    # ---- import ----------------------------------------------------------------------------

    async def import_sheet(
        self, campaign: WishCampaign, data: bytes, *, orgs: Collection[str] | None
    ) -> list[Wish]:
        """Add the wishes of an XLSX file to the campaign, every row or none: SheetError names
        each bad row (sheet, row, column). Rows must be at orgs the campaign covers and in the
        importer's scope `orgs`."""
        rows = await asyncio.to_thread(sheet.read, data)
        placed = self._place(campaign, rows, self.wishes.scope(orgs))
        now = self.wishes.clock()
        async with self.db.session() as session:
            # One import of a campaign at a time (two uploads of one file, two processes): a
            # no-op write locks the campaign's row on PostgreSQL, the database on SQLite, so
            # the second sees the first's wishes as already imported.
            await session.execute(
                update(WishCampaign)
                .where(WishCampaign.id == campaign.id)
                .values(name=WishCampaign.name)
            )
            existing = await session.execute(
                select(Wish.id, Wish.text, Wish.nickname, Wish.campaign_org_id).where(
                    Wish.campaign_id == campaign.id
                )
            )
            known = {(t, n, o): int(i) for i, t, n, o in existing.all()}
            problems = [
                Problem(row.sheet, row.row, None, texts.SHEET_ALREADY.format(id=known[key]))
                for row, org_id in placed
                if (key := (row.text, row.for_whom, org_id)) in known
            ]
            if problems:
                raise SheetError(problems)
            wishes = [self.imported_wish(campaign, row, org_id, now) for row, org_id in placed]
            session.add_all(wishes)
            await session.flush()
        log.info("wish campaign %s: %d wishes imported", campaign.id, len(wishes))
        return wishes

    def _place(
        self, campaign: WishCampaign, rows: list[SheetRow], scope: frozenset[str] | None
    ) -> list[tuple[SheetRow, str]]:
        """Each row with the id of its org, or SheetError for every row that has none."""
        grid = self.wishes.grid
        covered = self.covered(campaign)
        org_title = next(c.title for c in sheet.COLUMNS if c.key == "org")
        problems: list[Problem] = []
        placed: list[tuple[SheetRow, str]] = []
        seen: dict[tuple[str, str, str], int] = {}
        for row in rows:

            def refuse(message: str, column: str | None = org_title, row: SheetRow = row) -> None:
                problems.append(Problem(row.sheet, row.row, column, message))

            if row.org:
                org_id = grid.find_org(row.org)
                if org_id is None:
                    refuse(texts.SHEET_ORG_UNKNOWN.format(org=row.org[:30]))
                    continue
            elif len(campaign.orgs) == 1:
                org_id = campaign.orgs[0]
            else:
                refuse(texts.SHEET_ORG_NEEDED)
                continue
            name = grid.orgs[org_id].name if org_id in grid.orgs else org_id
            if org_id not in covered:
                refuse(texts.SHEET_ORG_OUTSIDE.format(org=name))
                continue
            if scope is not None and org_id not in scope:
                refuse(texts.SHEET_ORG_OUT_OF_SCOPE.format(org=name))
                continue
            key = (row.text, row.for_whom, org_id)
            if key in seen:
                refuse(texts.SHEET_DUPLICATE.format(row=seen[key]), None)
                continue
            seen[key] = row.row
            placed.append((row, org_id))
        if problems:
            raise SheetError(problems)
        return placed

    @staticmethod
    def imported_wish(campaign: WishCampaign, row: SheetRow, org_id: str, now: datetime) -> Wish:
        """The open wish a checked row of the campaign's file becomes."""
        for_whom = row.for_whom if row.age is None else f"{row.for_whom}，{row.age}岁"
        return Wish(
            text=row.text,
            platform=IMPORTED,
            user_id=f"campaign-{campaign.id}",
            account="",
            nickname=row.for_whom[:64],
            group_id=None,
            for_whom=for_whom[:100],
            contact=" ".join(p for p in (row.contact_name, row.contact) if p)[:100],
            org_id=org_id,
            org_since=now,
            status=WishStatus.OPEN.value,
            note="",
            escalations=0,
            created_at=now,
            campaign_id=campaign.id,
            campaign_org_id=org_id,
        )

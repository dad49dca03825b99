"""微心愿: a youth posts a wish, cadres of its org (and above) claim and fulfil it.

States: draft (fields being asked privately) → 待认领 → 进行中 → 已点亮, or 已撤回 by the youth. The
"1+5" rule: each cadre takes on `wish_target` wishes (shown as progress) and holds at most
`wish_open_claims_max` claimed and not yet fulfilled. A wish nobody claims within
`wish_escalate_days` climbs to the parent org (a periodic tick). The youth is told at each step
through the outbox (a private message on their platform).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.periodic import Periodic
from bot.delivery.outbox import ANY_ACCOUNT, Outbox
from bot.grid.model import Grid
from bot.grid.service import GridService
from bot.safety.masking import mask_nickname, mask_pii
from bot.settings import Settings
from bot.storage.database import Database
from bot.storage.models import utcnow
from bot.wishes import texts
from bot.wishes.models import Wish, WishCampaign, WishStatus

log = logging.getLogger(__name__)

TEXT_LIMIT = 100
IMPORTED = "import"
"""The platform of a wish imported for a campaign (no youth account to tell)."""


DEMO_WISHES = (
    ("想要一套绘画工具", "我的妹妹，小学三年级"),
    ("想要一本新华字典", "我自己，初一"),
    ("想要一双运动鞋（37码）", "留守儿童小明"),
)
"""The local demo's wishes: (wish, for whom)."""


class WishError(Exception):
    """A request refused; the message says why (in Chinese)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts on wishes as a cadre: a grid person id and the orgs they may see (None: all)."""

    id: str
    orgs: Collection[str] | None


class WishService:
    """Wishes in the database, the grid for scopes, the outbox to tell youths."""

    def __init__(
        self,
        db: Database,
        grid: GridService,
        settings: Settings,
        outbox: Outbox | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.grid_service = grid
        self.settings = settings
        self.outbox = outbox
        self.clock = clock
        self._timers = Periodic("wish timers", self.tick, lambda: self.settings.wish_tick_seconds)

    @property
    def grid(self) -> Grid:
        return self.grid_service.grid

    def start(self) -> None:
        self._timers.start()

    async def stop(self) -> None:
        await self._timers.stop()

    # ---- youths ----------------------------------------------------------------------------

    async def draft(
        self,
        platform: str,
        user_id: str,
        text: str,
        *,
        group_id: str | None = None,
        nickname: str = "",
        account: str = "",
    ) -> Wish:
        """A new wish whose fields are still to be asked; its org is the group's, if known."""
        text = text.strip()
        if not text:
            raise WishError(texts.USAGE)
        if len(text) > TEXT_LIMIT:
            raise WishError(texts.TOO_LONG.format(limit=TEXT_LIMIT))
        org = self.grid.org_of_chat(platform, group_id) if group_id else None
        wish = Wish(
            text=text,
            platform=platform,
            user_id=str(user_id),
            account=account,
            nickname=nickname[:64],
            group_id=group_id,
            for_whom="",
            contact="",
            org_id=org.id if org else None,
            status=WishStatus.DRAFT.value,
            note="",
            escalations=0,
            created_at=self.clock(),
        )
        async with self.db.session() as session:
            session.add(wish)
            await session.flush()
        return wish

    async def get(self, wish_id: int) -> Wish | None:
        async with self.db.session() as session:
            return await session.get(Wish, wish_id)

    async def fill(self, wish_id: int, **values: str) -> None:
        """Set fields of a draft (for_whom, contact)."""
        async with self.db.session() as session:
            await session.execute(
                update(Wish)
                .where(Wish.id == wish_id, Wish.status == WishStatus.DRAFT.value)
                .values(**{k: v[:100] for k, v in values.items()})
            )

    async def post(self, wish_id: int, org_id: str | None) -> Wish:
        """The draft becomes 待认领 at `org_id` (else at its group's org, else the grid's root)."""
        async with self.db.session() as session:
            wish = await session.get(Wish, wish_id)
            if wish is None or wish.status != WishStatus.DRAFT.value:
                raise WishError(texts.NOT_FOUND.format(id=wish_id))
            wish.org_id = org_id or wish.org_id or self._root()
            wish.status = WishStatus.OPEN.value
            wish.org_since = self.clock()
        log.info("wish %s posted at %s", wish_id, wish.org_id)
        return wish

    async def discard(self, wish_id: int) -> None:
        """Forget a draft the youth gave up."""
        async with self.db.session() as session:
            wish = await session.get(Wish, wish_id)
            if wish is not None and wish.status == WishStatus.DRAFT.value:
                await session.delete(wish)

    async def mine(self, platform: str, user_id: str) -> list[Wish]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(Wish)
                .where(
                    Wish.platform == platform,
                    Wish.user_id == str(user_id),
                    Wish.status != WishStatus.DRAFT.value,
                )
                .order_by(Wish.id)
            )
            return list(rows.all())

    async def withdraw(self, platform: str, user_id: str, wish_id: int) -> Wish:
        """The youth takes back a wish not yet fulfilled."""
        async with self.db.session() as session:
            wish = await session.get(Wish, wish_id)
            if wish is None or (wish.platform, wish.user_id) != (platform, str(user_id)):
                raise WishError(texts.NOT_FOUND.format(id=wish_id))
            if wish.status not in (WishStatus.OPEN.value, WishStatus.CLAIMED.value):
                raise WishError(
                    texts.CANNOT_WITHDRAW.format(id=wish_id, status=texts.STATUS[wish.status])
                )
            wish.status = WishStatus.WITHDRAWN.value
        return wish

    def find_org(self, name: str) -> str | None:
        """The org a youth named (see `Grid.find_org`)."""
        return self.grid.find_org(name)

    # ---- cadres ----------------------------------------------------------------------------

    def scope(self, orgs: Collection[str] | None) -> frozenset[str] | None:
        """`orgs` and every org below them; None stays None (everything)."""
        if orgs is None:
            return None
        found: set[str] = set()
        for org_id in orgs:
            found |= self.grid.descendants(org_id)
        return frozenset(found)

    async def listing(
        self,
        orgs: Collection[str] | None,
        statuses: Collection[str] = (WishStatus.OPEN.value,),
        *,
        campaign_id: int | None = None,
    ) -> list[Wish]:
        """Wishes in the scope of `orgs` (None: all) with one of `statuses`, oldest first
        (only those of one campaign, if `campaign_id` is given)."""
        scope = self.scope(orgs)
        query = select(Wish).where(Wish.status.in_(tuple(statuses))).order_by(Wish.id)
        if scope is not None:
            query = query.where(Wish.org_id.in_(sorted(scope)))
        if campaign_id is not None:
            query = query.where(Wish.campaign_id == campaign_id)
        async with self.db.session() as session:
            return list((await session.scalars(query)).all())

    async def counts(
        self, orgs: Collection[str] | None, *, campaign_id: int | None = None
    ) -> dict[str, int]:
        """How many wishes per status in the scope of `orgs` (drafts left out; only those of
        one campaign, if `campaign_id` is given)."""
        scope = self.scope(orgs)
        query = select(Wish.status, func.count()).where(Wish.status != WishStatus.DRAFT.value)
        if scope is not None:
            query = query.where(Wish.org_id.in_(sorted(scope)))
        if campaign_id is not None:
            query = query.where(Wish.campaign_id == campaign_id)
        async with self.db.session() as session:
            rows = await session.execute(query.group_by(Wish.status))
        return {status: int(n) for status, n in rows.all()}

    async def progress(self, person_id: str) -> tuple[int, int]:
        """(wishes claimed or fulfilled by the person, their target)."""
        done, _ = await self._claims(person_id)
        return done, self.settings.wish_target

    async def progress_text(self, person_id: str) -> str:
        done, target = await self.progress(person_id)
        return texts.PROGRESS.format(done=done, target=target)

    def masked(self, wish: Wish, campaign: str = "") -> str:
        """A wish as cadres see it before claiming: masked name and text (and the name of the
        campaign it belongs to, if any: see `campaign_names`)."""
        org = self.grid.orgs.get(wish.org_id or "")
        return texts.LIST_ITEM.format(
            id=wish.id,
            text=mask_pii(wish.text),
            who=mask_nickname(wish.nickname),
            org=org.name if org else "未分配",
            campaign=texts.LIST_CAMPAIGN.format(name=campaign) if campaign else "",
        )

    async def campaign_names(self, wishes: Collection[Wish]) -> dict[int, str]:
        """The names of the campaigns `wishes` belong to, by campaign id."""
        ids = sorted({w.campaign_id for w in wishes if w.campaign_id is not None})
        if not ids:
            return {}
        async with self.db.session() as session:
            rows = await session.execute(
                select(WishCampaign.id, WishCampaign.name).where(WishCampaign.id.in_(ids))
            )
        return {int(i): name for i, name in rows.all()}

    async def claim(self, actor: Actor, wish_id: int) -> Wish:
        """`actor` takes on the wish (in their scope, under the cap of open claims)."""
        wish = await self.get(wish_id)
        if wish is None or wish.status == WishStatus.DRAFT.value:
            raise WishError(texts.NOT_FOUND.format(id=wish_id))
        if wish.status != WishStatus.OPEN.value:
            raise WishError(texts.NOT_OPEN.format(id=wish_id, status=texts.STATUS[wish.status]))
        scope = self.scope(actor.orgs)
        if scope is not None and wish.org_id not in scope:
            raise WishError(texts.NOT_IN_SCOPE.format(id=wish_id))
        cap = self.settings.wish_open_claims_max
        now = self.clock()
        async with self.db.session() as session:
            # The count and the claim are one step: two claims by one cadre at the same instant
            # (two chats, two processes) queue up here, so the cap holds.
            await self._lock_claims(session, actor.id, wish_id)
            open_claims = await session.scalar(
                select(func.count())
                .select_from(Wish)
                .where(Wish.claimed_by == actor.id, Wish.status == WishStatus.CLAIMED.value)
            )
            if open_claims >= cap:
                raise WishError(texts.CAP_REACHED.format(count=open_claims, cap=cap))
            won = await session.execute(
                update(Wish)
                .where(Wish.id == wish_id, Wish.status == WishStatus.OPEN.value)
                .values(status=WishStatus.CLAIMED.value, claimed_by=actor.id, claimed_at=now)
            )
            if not won.rowcount:
                raise WishError(texts.NOT_OPEN.format(id=wish_id, status="被认领"))
            wish = await session.get(Wish, wish_id, populate_existing=True)
        assert wish is not None
        await self._tell(wish, "claimed", texts.TOLD_CLAIMED.format(id=wish.id, text=wish.text))
        log.info("wish %s claimed by %s", wish_id, actor.id)
        return wish

    async def light(self, actor: Actor, wish_id: int, note: str, *, admin: bool = False) -> Wish:
        """The claimer (or an admin) marks the wish fulfilled, with a note."""
        note = note.strip()[:500]
        async with self.db.session() as session:
            wish = await session.get(Wish, wish_id)
            if wish is None or wish.status == WishStatus.DRAFT.value:
                raise WishError(texts.NOT_FOUND.format(id=wish_id))
            if wish.status != WishStatus.CLAIMED.value:
                raise WishError(
                    texts.NOT_CLAIMED.format(id=wish_id, status=texts.STATUS[wish.status])
                )
            if wish.claimed_by != actor.id and not admin:
                raise WishError(texts.NOT_CLAIMER.format(id=wish_id))
            wish.status = WishStatus.LIT.value
            wish.lit_at = self.clock()
            wish.note = note
        told = texts.TOLD_LIT.format(
            id=wish.id, text=wish.text, note=texts.TOLD_NOTE.format(note=note) if note else ""
        )
        await self._tell(wish, "lit", told)
        return wish

    async def _lock_claims(self, session: AsyncSession, person_id: str, wish_id: int) -> None:
        """Hold `person_id`'s claims for the rest of the transaction: an advisory lock on
        PostgreSQL; on SQLite a no-op write, which takes the database's single write lock."""
        if self.db.dialect == "postgresql":
            await session.execute(
                sql("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"wish-claims:{person_id}"},
            )
        else:
            await session.execute(update(Wish).where(Wish.id == wish_id).values(status=Wish.status))

    async def _claims(self, person_id: str) -> tuple[int, int]:
        """(claimed or fulfilled, still claimed) by `person_id`."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(Wish.status, func.count())
                .where(
                    Wish.claimed_by == person_id,
                    Wish.status.in_((WishStatus.CLAIMED.value, WishStatus.LIT.value)),
                )
                .group_by(Wish.status)
            )
        by = {status: int(n) for status, n in rows.all()}
        open_claims = by.get(WishStatus.CLAIMED.value, 0)
        return open_claims + by.get(WishStatus.LIT.value, 0), open_claims

    # ---- timers ----------------------------------------------------------------------------

    async def tick(self) -> int:
        """Move wishes nobody claimed in time to the parent org; how many moved."""
        now = self.clock()
        due = now - timedelta(days=self.settings.wish_escalate_days)
        async with self.db.session() as session:
            waiting = (
                await session.scalars(
                    select(Wish).where(Wish.status == WishStatus.OPEN.value, Wish.org_since <= due)
                )
            ).all()
        moved = 0
        for wish in waiting:
            parents = self.grid.ancestors(wish.org_id or "")
            if not parents:
                continue  # at the top already: it stays
            async with self.db.session() as session:
                won = await session.execute(
                    update(Wish)
                    .where(
                        Wish.id == wish.id,
                        Wish.status == WishStatus.OPEN.value,
                        Wish.org_id == wish.org_id,
                    )
                    .values(
                        org_id=parents[0].id,
                        org_since=now,
                        escalations=Wish.escalations + 1,
                    )
                )
            if won.rowcount:
                moved += 1
                log.info("wish %s unclaimed: moved up to %s", wish.id, parents[0].id)
        return moved

    # ---- the local demo --------------------------------------------------------------------

    async def seed_demo(self) -> int:
        """On an empty table, a few open wishes at the grid's lowest orgs (the local demo's
        WISH_DEMO=true), so /心愿列表 and the console have something to claim; how many."""
        async with self.db.session() as session:
            if await session.scalar(select(func.count()).select_from(Wish)):
                return 0
        leaves = [
            org.id
            for org in self.grid.orgs.values()
            if self.grid.descendants(org.id) == frozenset({org.id})
        ]
        if not leaves:
            return 0
        for n, (text, for_whom) in enumerate(DEMO_WISHES):
            wish = await self.draft("web", f"demo-{n + 1}", text, nickname=f"示例青年{n + 1}")
            await self.fill(wish.id, for_whom=for_whom, contact="（示例，无真实联系方式）")
            await self.post(wish.id, leaves[n % len(leaves)])
        log.info("wishes: %d demo wishes seeded", len(DEMO_WISHES))
        return len(DEMO_WISHES)

    # ---- helpers ---------------------------------------------------------------------------

    def _root(self) -> str | None:
        roots = [o.id for o in self.grid.orgs.values() if o.parent is None]
        return roots[0] if roots else None

    async def _tell(self, wish: Wish, event: str, text: str) -> None:
        """Queue a private message to the youth; where the platform cannot push (the try page,
        the official QQ bot) the outbox holds it for the youth's next message or poll. A wish
        imported for a campaign has nobody in chat to tell."""
        if self.outbox is None or wish.platform == IMPORTED:
            return
        await self.outbox.enqueue(
            f"wish:{wish.id}:{event}",
            wish.platform,
            wish.user_id,
            text,
            chat_type="private",
            account=wish.account or ANY_ACCOUNT,
        )

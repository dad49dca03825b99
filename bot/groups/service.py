"""兴趣小组: youths join groups by topic; an organiser puts proposed activities to a vote with a
deadline; at the deadline the winner becomes an activity of bot/activities, announced privately
to the group's members through the outbox.

Rules:
- Who organises a group: admins; the grid people listed as its `organisers`; cadres responsible
  for its org or an org above it (as for activities). A group without an org: admins and its
  organisers only.
- One open vote per group at a time. One vote per member per poll; voting again before the
  deadline changes the vote. Leaving a group voids the member's votes in its open polls.
- The winner has the most votes. Ties: the earliest proposal (smallest number) among those with
  the most votes wins (`texts.TIE_RULE`, told with every vote). Nobody voting: no activity.
- Closing is idempotent: the poll turns `closing` first, the activity's source is unique per poll
  (``poll:<id>``), outbox keys are unique, so a crash or a second process finishes the same
  closing once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from bot.activities.models import Activity, ActivityStatus
from bot.activities.service import (
    ActivityDraft,
    ActivityError,
    ActivityService,
    Recipient,
    parse_quota,
)
from bot.activities.when import parse_local
from bot.chat.speaker import Speaker
from bot.common.periodic import Periodic
from bot.delivery.outbox import ANY_ACCOUNT, Outbox, OutboxItem
from bot.grid.model import Grid
from bot.grid.model import Role as GridRole
from bot.grid.service import GridService
from bot.groups import texts
from bot.groups.models import (
    GroupMember,
    GroupPoll,
    GroupProposal,
    GroupVote,
    InterestGroup,
    PollStatus,
)
from bot.safety.masking import mask_user
from bot.settings import Settings
from bot.storage.database import Database

log = logging.getLogger(__name__)

AUDIENCE = "interest_group"
"""The activities' audience kind of a group's members (`targets["audience"]`)."""
NAME_LIMIT = 20
PROPOSALS_MAX = 9
_SUFFIXES = ("兴趣小组", "小组", "组")
_SPLIT = re.compile(r"\s*[,，|｜;；]\s*")


class GroupError(Exception):
    """A refusal or a mistake the person can act on; the message is Chinese and safe to show."""


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """One proposed activity, as the organiser wrote it."""

    title: str
    starts_at: datetime
    place: str = ""
    quota: int | None = None
    details: str = ""


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A group with its member count (and whether the asker is in it)."""

    group: InterestGroup
    members: int
    mine: bool = False


@dataclass(frozen=True, slots=True)
class PollView:
    """A poll with its group, proposals, votes per proposal, voters and members."""

    poll: GroupPoll
    group: InterestGroup
    proposals: list[GroupProposal]
    votes: dict[int, int]
    voters: int
    members: int
    mine: int | None = None
    """The proposal the asker voted for."""

    @property
    def turnout(self) -> str:
        return f"{self.voters / self.members:.0%}" if self.members else "—"


@dataclass(frozen=True, slots=True)
class VoteResult:
    proposal: GroupProposal
    poll: GroupPoll
    previous: int | None
    """The proposal voted for before (a changed vote), or None."""


def parse_proposal(
    text: str, deadline: datetime, now: datetime, service: GroupService
) -> ProposalDraft:
    """`活动名称，时间，地点[，名额]` as a proposal; raises GroupError."""
    parts = [p.strip() for p in _SPLIT.split(text.strip()) if p.strip()]
    if len(parts) < 3 or len(parts) > 4:
        raise GroupError(texts.BAD_PROPOSAL)
    title, when, place = parts[:3]
    starts_at = parse_local(when, now, service.activities.zone)
    if starts_at is None:
        raise GroupError(texts.PROPOSAL_BAD_TIME.format(time=when[:30]))
    if starts_at <= deadline:
        raise GroupError(texts.PROPOSAL_BEFORE_DEADLINE.format(deadline=service.show(deadline)))
    quota = None
    if len(parts) == 4:
        try:
            quota = parse_quota(parts[3])
        except ActivityError:
            raise GroupError(texts.PROPOSAL_BAD_QUOTA.format(quota=parts[3][:20])) from None
    return ProposalDraft(title[:100], starts_at, place[:200], quota)


class GroupService:
    """Groups, members and votes in the database; the activities service for the winners."""

    def __init__(
        self,
        db: Database,
        grid: GridService,
        activities: ActivityService,
        settings: Settings,
        outbox: Outbox | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.grid_service = grid
        self.activities = activities
        self.settings = settings
        self.outbox = outbox
        self._clock = clock
        self._names: dict[int, str] = {}
        self._timers = Periodic("group votes", self.tick, lambda: self.settings.group_tick_seconds)
        activities.audiences[AUDIENCE] = self

    def clock(self) -> datetime:
        """Now: the activities' clock unless one was given (tests move one clock)."""
        return self._clock() if self._clock is not None else self.activities.clock()

    @property
    def grid(self) -> Grid:
        return self.grid_service.grid

    def show(self, moment: datetime) -> str:
        return self.activities.show(moment)

    def start(self) -> None:
        self._timers.start()

    async def stop(self) -> None:
        await self._timers.stop()

    # ---- groups ------------------------------------------------------------------------------

    async def groups(self, *, active_only: bool = True) -> list[InterestGroup]:
        query = select(InterestGroup).order_by(InterestGroup.id)
        if active_only:
            query = query.where(InterestGroup.active.is_(True))
        async with self.db.session() as session:
            found = list((await session.scalars(query)).all())
        self._names.update({g.id: g.name for g in found})
        return found

    async def get(self, group_id: int) -> InterestGroup | None:
        async with self.db.session() as session:
            return await session.get(InterestGroup, group_id)

    async def listing(
        self, platform: str | None = None, user_id: str | None = None, *, active_only: bool = True
    ) -> list[GroupRow]:
        """Groups with member counts, and whether (platform, user_id) is in each."""
        groups = await self.groups(active_only=active_only)
        counts = await self.member_counts([g.id for g in groups])
        mine: set[int] = set()
        if platform and user_id:
            mine = {g.id for g in await self.mine(platform, user_id)}
        return [GroupRow(g, counts.get(g.id, 0), g.id in mine) for g in groups]

    async def member_counts(self, group_ids: Collection[int]) -> dict[int, int]:
        if not group_ids:
            return {}
        async with self.db.session() as session:
            rows = await session.execute(
                select(GroupMember.group_id, func.count(GroupMember.id))
                .where(GroupMember.group_id.in_(list(group_ids)))
                .group_by(GroupMember.group_id)
            )
        return {gid: int(n) for gid, n in rows.all()}

    async def find(self, text: str) -> InterestGroup | None:
        """The active group a youth named: its name or an alias, with or without 小组."""
        wanted = _key(text)
        if not wanted:
            return None
        for group in await self.groups():
            if wanted in {_key(group.name), *(_key(a) for a in group.aliases)}:
                return group
        return None

    async def create(
        self,
        name: str,
        *,
        description: str = "",
        org_id: str | None = None,
        aliases: Sequence[str] = (),
        organisers: Sequence[str] = (),
        source: str | None = None,
    ) -> InterestGroup:
        """A new group (the console's, or a file's). Raises GroupError for a bad or taken name."""
        name = name.strip()
        if not name:
            raise GroupError(texts.CONSOLE_NAME_REQUIRED)
        if len(name) > NAME_LIMIT:
            raise GroupError(texts.CONSOLE_NAME_TOO_LONG.format(limit=NAME_LIMIT))
        if org_id and org_id not in self.grid.orgs:
            raise GroupError(texts.FILE_UNKNOWN_ORG.format(org=org_id))
        group = InterestGroup(
            name=name,
            aliases=[a.strip() for a in aliases if a.strip()],
            description=description.strip()[:500],
            org_id=org_id or None,
            organisers=list(organisers),
            source=source,
            active=True,
            created_at=self.clock(),
        )
        try:
            async with self.db.session() as session:
                session.add(group)
        except IntegrityError:
            raise GroupError(texts.FILE_NAME_TAKEN.format(name=name)) from None
        self._names[group.id] = group.name
        log.info("interest group %s (%s) created", group.id, name)
        return group

    # ---- members -----------------------------------------------------------------------------

    async def join(
        self, platform: str, user_id: str, name: str, *, account: str = "", nickname: str = ""
    ) -> tuple[InterestGroup, bool, int]:
        """Join the group named `name`: (group, already a member, members now)."""
        group = await self._named(name, texts.JOIN_USAGE)
        already = False
        try:
            async with self.db.session() as session:
                session.add(
                    GroupMember(
                        group_id=group.id,
                        platform=platform,
                        user_id=str(user_id),
                        account=account,
                        nickname=nickname[:64],
                        joined_at=self.clock(),
                    )
                )
        except IntegrityError:
            already = True  # one row a member: joining twice (or at once twice) is one
        if not already:
            log.info("interest group %s: %s joined", group.id, mask_user(str(user_id)))
        members = (await self.member_counts([group.id])).get(group.id, 0)
        return group, already, members

    async def leave(self, platform: str, user_id: str, name: str) -> tuple[InterestGroup, int]:
        """Leave the group named `name`; the member's votes in its open polls are void.
        Returns the group and how many votes were voided."""
        group = await self._named(name, texts.LEAVE_USAGE)
        async with self.db.session() as session:
            gone = await session.execute(
                delete(GroupMember).where(
                    GroupMember.group_id == group.id,
                    GroupMember.platform == platform,
                    GroupMember.user_id == str(user_id),
                )
            )
            if not gone.rowcount:
                raise GroupError(texts.NOT_MEMBER.format(name=group.name))
            open_polls = select(GroupPoll.id).where(
                GroupPoll.group_id == group.id, GroupPoll.status == PollStatus.OPEN.value
            )
            voided = await session.execute(
                delete(GroupVote).where(
                    GroupVote.poll_id.in_(open_polls),
                    GroupVote.platform == platform,
                    GroupVote.user_id == str(user_id),
                )
            )
        log.info("interest group %s: %s left", group.id, mask_user(str(user_id)))
        return group, int(voided.rowcount or 0)

    async def mine(self, platform: str, user_id: str) -> list[InterestGroup]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(InterestGroup)
                .join(GroupMember, GroupMember.group_id == InterestGroup.id)
                .where(
                    GroupMember.platform == platform,
                    GroupMember.user_id == str(user_id),
                    InterestGroup.active.is_(True),
                )
                .order_by(InterestGroup.id)
            )
            return list(rows.all())

    async def members(self, group_id: int) -> list[GroupMember]:
        """Every member, in joining order (personal data: masked wherever shown)."""
        async with self.db.session() as session:
            rows = await session.scalars(
                select(GroupMember)
                .where(GroupMember.group_id == group_id)
                .order_by(GroupMember.joined_at, GroupMember.id)
            )
            return list(rows.all())

    async def is_member(self, group_id: int, platform: str, user_id: str) -> bool:
        async with self.db.session() as session:
            found = await session.scalar(
                select(GroupMember.id).where(
                    GroupMember.group_id == group_id,
                    GroupMember.platform == platform,
                    GroupMember.user_id == str(user_id),
                )
            )
        return found is not None

    # ---- the activities' audience ------------------------------------------------------------

    def label(self, ref: str) -> str:
        name = self._names.get(int(ref)) if ref.isdigit() else None
        return texts.AUDIENCE_LABEL.format(group=name or f"#{ref}")

    async def recipients(self, ref: str) -> list[Recipient]:
        """The group's members now, each once."""
        if not ref.isdigit():
            return []
        return [
            Recipient(m.platform, m.user_id, m.account or ANY_ACCOUNT)
            for m in await self.members(int(ref))
        ]

    # ---- organisers --------------------------------------------------------------------------

    def may_organise(self, speaker: Speaker, group: InterestGroup) -> bool:
        """See the module docstring."""
        if speaker.is_admin:
            return True
        person = speaker.person
        if person is None:
            return False
        if person.id in group.organisers:
            return True
        return (
            person.role is not GridRole.EXPERT
            and group.org_id is not None
            and group.org_id in self.grid.orgs
            and self.grid.is_above_or_at(person, group.org_id)
        )

    def sees(
        self, orgs: Collection[str] | None, person_id: str | None, group: InterestGroup
    ) -> bool:
        """Whether a cadre (orgs in scope; None: an admin) sees the group's members and votes."""
        if orgs is None:
            return True
        if person_id and person_id in group.organisers:
            return True
        return group.org_id is not None and group.org_id in orgs

    async def organised(self, speaker: Speaker) -> list[InterestGroup]:
        return [g for g in await self.groups() if self.may_organise(speaker, g)]

    async def organising(self, speaker: Speaker, name: str) -> InterestGroup:
        """The group named `name`, if `speaker` may organise it; raises GroupError."""
        group = await self._named(name, texts.START_USAGE)
        if not self.may_organise(speaker, group):
            raise GroupError(texts.NOT_ORGANISER.format(name=group.name))
        return group

    async def organisable(self, speaker: Speaker, name: str) -> InterestGroup:
        """The group named `name`, if `speaker` may organise it and it has no open vote."""
        group = await self.organising(speaker, name)
        open_poll = await self._open_poll_of(group.id)
        if open_poll is not None:
            raise GroupError(
                texts.ONE_OPEN.format(name=group.name, deadline=self.show(open_poll.deadline))
            )
        return group

    def parse_deadline(self, text: str) -> datetime:
        now = self.clock()
        moment = parse_local(text, now, self.activities.zone)
        if moment is None:
            raise GroupError(texts.BAD_TIME)
        if moment <= now:
            raise GroupError(texts.TIME_PASSED)
        return moment

    def parse_proposal(self, text: str, deadline: datetime) -> ProposalDraft:
        return parse_proposal(text, deadline, self.clock(), self)

    async def open_poll(
        self,
        organiser: Speaker,
        group_id: int,
        deadline: datetime,
        proposals: Sequence[ProposalDraft],
    ) -> GroupPoll:
        """Put `proposals` to the group's vote until `deadline`; members are told privately."""
        group = await self.get(group_id)
        if group is None or not group.active:
            raise GroupError(texts.NO_SUCH_GROUP.format(name=f"#{group_id}"))
        if not self.may_organise(organiser, group):
            raise GroupError(texts.NOT_ORGANISER.format(name=group.name))
        if not proposals:
            raise GroupError(texts.NEED_PROPOSAL)
        if deadline <= self.clock():
            raise GroupError(texts.TIME_PASSED)
        for draft in proposals:
            if draft.starts_at <= deadline:
                raise GroupError(
                    texts.PROPOSAL_BEFORE_DEADLINE.format(deadline=self.show(deadline))
                )
        async with self.db.session() as session:
            # One open vote per group: the group row is the lock (the check and the insert are
            # one step on both databases).
            await session.execute(
                update(InterestGroup)
                .where(InterestGroup.id == group_id)
                .values(active=InterestGroup.active)
            )
            running = await session.scalar(
                select(GroupPoll).where(
                    GroupPoll.group_id == group_id,
                    GroupPoll.status.in_((PollStatus.OPEN.value, PollStatus.CLOSING.value)),
                )
            )
            if running is not None:
                raise GroupError(
                    texts.ONE_OPEN.format(name=group.name, deadline=self.show(running.deadline))
                )
            poll = GroupPoll(
                group_id=group_id,
                deadline=deadline,
                status=PollStatus.OPEN.value,
                created_by=organiser.id,
                creator_platform=organiser.platform,
                creator_account=organiser.account,
                creator_admin=organiser.is_admin,
                tied=False,
                created_at=self.clock(),
            )
            session.add(poll)
            await session.flush()
            for draft in proposals[:PROPOSALS_MAX]:
                session.add(
                    GroupProposal(
                        poll_id=poll.id,
                        title=draft.title,
                        starts_at=draft.starts_at,
                        place=draft.place,
                        quota=draft.quota,
                        details=draft.details,
                    )
                )
        view = await self.view(poll.id)
        await self._tell_members(
            poll.id, "open", texts.POLL_NOTICE.format(poll=self.poll_text(view, with_how=True))
        )
        log.info("interest group %s: poll %s opened by %s", group_id, poll.id, organiser.id)
        return poll

    async def cancel_poll(self, organiser: Speaker, poll_id: int) -> GroupPoll:
        view = await self.view(poll_id)
        if not self.may_organise(organiser, view.group):
            raise GroupError(texts.NOT_ORGANISER.format(name=view.group.name))
        async with self.db.session() as session:
            won = await session.execute(
                update(GroupPoll)
                .where(GroupPoll.id == poll_id, GroupPoll.status == PollStatus.OPEN.value)
                .values(status=PollStatus.CANCELLED.value, closed_at=self.clock())
            )
        if not won.rowcount:
            raise GroupError(texts.VOTE_CLOSED)
        await self._tell_members(
            poll_id, "cancelled", texts.POLL_CANCELLED.format(group=view.group.name)
        )
        log.info("poll %s cancelled by %s", poll_id, organiser.id)
        return (await self.view(poll_id)).poll

    async def open_poll_of(self, group_id: int) -> GroupPoll | None:
        """The group's vote under way, if any."""
        return await self._open_poll_of(group_id)

    # ---- votes -------------------------------------------------------------------------------

    async def vote(self, platform: str, user_id: str, proposal_id: int) -> VoteResult:
        """A member's vote for `proposal_id` (changing their vote in that poll)."""
        try:
            return await self._vote(platform, str(user_id), proposal_id)
        except IntegrityError:
            # Their first vote came in twice at once (two chats, two processes): one row
            # each member and poll, so the other one is now a change of it.
            return await self._vote(platform, str(user_id), proposal_id)

    async def _vote(self, platform: str, user_id: str, proposal_id: int) -> VoteResult:
        now = self.clock()
        async with self.db.session() as session:
            proposal = await session.get(GroupProposal, proposal_id)
            if proposal is None:
                raise GroupError(texts.NO_SUCH_PROPOSAL.format(id=proposal_id))
            poll = await session.get(GroupPoll, proposal.poll_id)
            assert poll is not None
            if poll.status != PollStatus.OPEN.value or poll.deadline <= now:
                raise GroupError(texts.VOTE_CLOSED)
            group = await session.get(InterestGroup, poll.group_id)
            assert group is not None
            member = await session.scalar(
                select(GroupMember.id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.platform == platform,
                    GroupMember.user_id == user_id,
                )
            )
            if member is None:
                raise GroupError(texts.VOTE_NOT_MEMBER.format(name=group.name))
            vote = await session.scalar(
                select(GroupVote).where(
                    GroupVote.poll_id == poll.id,
                    GroupVote.platform == platform,
                    GroupVote.user_id == user_id,
                )
            )
            previous = vote.proposal_id if vote is not None else None
            if vote is None:
                session.add(
                    GroupVote(
                        poll_id=poll.id,
                        proposal_id=proposal.id,
                        platform=platform,
                        user_id=user_id,
                        voted_at=now,
                    )
                )
            else:
                vote.proposal_id = proposal.id
                vote.voted_at = now
        log.info("poll %s: %s voted", poll.id, mask_user(user_id))
        return VoteResult(proposal, poll, previous)

    async def open_views(self, platform: str, user_id: str) -> list[PollView]:
        """The open polls of the youth's groups, with their own vote."""
        groups = await self.mine(platform, user_id)
        async with self.db.session() as session:
            poll_ids = (
                await session.scalars(
                    select(GroupPoll.id)
                    .where(
                        GroupPoll.group_id.in_([g.id for g in groups]),
                        GroupPoll.status == PollStatus.OPEN.value,
                    )
                    .order_by(GroupPoll.id)
                )
            ).all()
        return await self.views(poll_ids, platform, user_id)

    async def polls(self, group_id: int) -> list[PollView]:
        """Every poll of the group, newest first."""
        async with self.db.session() as session:
            ids = (
                await session.scalars(
                    select(GroupPoll.id)
                    .where(GroupPoll.group_id == group_id)
                    .order_by(GroupPoll.id.desc())
                )
            ).all()
        return await self.views(ids)

    async def latest(self, group_ids: Collection[int]) -> dict[int, PollView]:
        """Group id -> its newest poll (groups that never voted are left out)."""
        async with self.db.session() as session:
            newest = (
                await session.scalars(
                    select(func.max(GroupPoll.id))
                    .where(GroupPoll.group_id.in_(sorted(group_ids)))
                    .group_by(GroupPoll.group_id)
                )
            ).all()
        return {view.poll.group_id: view for view in await self.views(newest)}

    async def view(
        self, poll_id: int, platform: str | None = None, user_id: str | None = None
    ) -> PollView:
        return (await self.views([poll_id], platform, user_id))[0]

    async def views(
        self, poll_ids: Sequence[int], platform: str | None = None, user_id: str | None = None
    ) -> list[PollView]:
        """The polls of `poll_ids`, in that order, read together (the same few reads for any
        number of polls); with `platform` and `user_id`, each with that youth's vote."""
        if not poll_ids:
            return []
        wanted = sorted(set(poll_ids))
        proposals: dict[int, list[GroupProposal]] = {}
        votes: dict[int, dict[int, int]] = {}
        async with self.db.session() as session:
            polls = {
                p.id: p
                for p in (
                    await session.scalars(select(GroupPoll).where(GroupPoll.id.in_(wanted)))
                ).all()
            }
            missing = [poll_id for poll_id in poll_ids if poll_id not in polls]
            if missing:
                raise GroupError(texts.NO_SUCH_PROPOSAL.format(id=missing[0]))
            group_ids = sorted({p.group_id for p in polls.values()})
            groups = {
                g.id: g
                for g in (
                    await session.scalars(
                        select(InterestGroup).where(InterestGroup.id.in_(group_ids))
                    )
                ).all()
            }
            for proposal in (
                await session.scalars(
                    select(GroupProposal)
                    .where(GroupProposal.poll_id.in_(wanted))
                    .order_by(GroupProposal.id)
                )
            ).all():
                proposals.setdefault(proposal.poll_id, []).append(proposal)
            for poll_id, proposal_id, count in (
                await session.execute(
                    select(GroupVote.poll_id, GroupVote.proposal_id, func.count(GroupVote.id))
                    .where(GroupVote.poll_id.in_(wanted))
                    .group_by(GroupVote.poll_id, GroupVote.proposal_id)
                )
            ).all():
                votes.setdefault(poll_id, {})[proposal_id] = int(count)
            members = dict(
                (
                    await session.execute(
                        select(GroupMember.group_id, func.count(GroupMember.id))
                        .where(GroupMember.group_id.in_(group_ids))
                        .group_by(GroupMember.group_id)
                    )
                ).all()
            )
            mine: dict[int, int] = {}
            if platform and user_id:
                mine = dict(
                    (
                        await session.execute(
                            select(GroupVote.poll_id, GroupVote.proposal_id).where(
                                GroupVote.poll_id.in_(wanted),
                                GroupVote.platform == platform,
                                GroupVote.user_id == str(user_id),
                            )
                        )
                    ).all()
                )
        found = []
        for poll_id in poll_ids:
            poll = polls[poll_id]
            counts = votes.get(poll_id, {})
            # Turnout as it was at the deadline, once the poll has closed.
            total = poll.members_at_close
            if total is None:
                total = members.get(poll.group_id, 0)
            found.append(
                PollView(
                    poll,
                    groups[poll.group_id],
                    proposals.get(poll_id, []),
                    counts,
                    sum(counts.values()),
                    int(total or 0),
                    mine.get(poll_id),
                )
            )
        return found

    def poll_text(self, view: PollView, *, with_how: bool = False, with_votes: bool = False) -> str:
        lines = [
            texts.POLL_HEADER.format(group=view.group.name, deadline=self.show(view.poll.deadline))
        ]
        for p in view.proposals:
            line = texts.POLL_ITEM.format(
                id=p.id,
                title=p.title,
                time=self.show(p.starts_at),
                place=p.place or "另行通知",
                quota=texts.POLL_ITEM_QUOTA.format(quota=p.quota) if p.quota else "",
            )
            if with_votes:
                line += texts.POLL_ITEM_VOTES.format(votes=view.votes.get(p.id, 0))
            lines.append(line)
        if view.mine is not None:
            lines.append(texts.POLL_MY_VOTE.format(id=view.mine))
        if with_how:
            lines.append(texts.POLL_HOW)
        return "\n".join(lines)

    def status_text(self, view: PollView) -> str:
        poll = view.poll
        lines = [
            texts.STATUS_HEADER.format(
                group=view.group.name,
                state=texts.POLL_STATES.get(poll.status, poll.status),
                deadline=self.show(poll.deadline),
                voters=view.voters,
                members=view.members,
                turnout=view.turnout,
            ),
            self.poll_text(view, with_votes=True).split("\n", 1)[1],
        ]
        winner = next((p for p in view.proposals if p.id == poll.winner_id), None)
        if winner is not None and poll.activity_id:
            lines.append(
                texts.STATUS_RESULT_ACTIVITY.format(
                    id=winner.id,
                    title=winner.title,
                    tied=texts.STATUS_TIED if poll.tied else "",
                    activity=poll.activity_id,
                )
            )
        return "\n".join(lines)

    # ---- the deadline ------------------------------------------------------------------------

    @staticmethod
    def winner(view: PollView) -> tuple[GroupProposal | None, bool]:
        """The proposal with the most votes and whether it was tied; the earliest proposal wins
        a tie (`texts.TIE_RULE`). None when nobody voted."""
        if not view.voters:
            return None, False
        best = max(view.votes.get(p.id, 0) for p in view.proposals)
        top = [p for p in view.proposals if view.votes.get(p.id, 0) == best]
        return min(top, key=lambda p: p.id), len(top) > 1

    async def tick(self) -> int:
        """Close every poll past its deadline (and finish any left closing); how many closed."""
        now = self.clock()
        async with self.db.session() as session:
            due = (
                await session.scalars(
                    select(GroupPoll.id).where(
                        ((GroupPoll.status == PollStatus.OPEN.value) & (GroupPoll.deadline <= now))
                        | (GroupPoll.status == PollStatus.CLOSING.value)
                    )
                )
            ).all()
        closed = 0
        for poll_id in due:
            try:
                closed += await self.close(poll_id)
            except Exception:
                log.exception("poll %s: closing failed; the next tick tries again", poll_id)
        return closed

    async def close(self, poll_id: int) -> int:
        """Close one poll past its deadline: the winner becomes an activity announced to the
        members; the organiser is told. 1 if this call finished it, else 0."""
        now = self.clock()
        async with self.db.session() as session:
            await session.execute(
                update(GroupPoll)
                .where(
                    GroupPoll.id == poll_id,
                    GroupPoll.status == PollStatus.OPEN.value,
                    GroupPoll.deadline <= now,
                )
                .values(status=PollStatus.CLOSING.value, closed_at=now)
            )
        view = await self.view(poll_id)
        poll, group = view.poll, view.group
        if poll.status != PollStatus.CLOSING.value:
            return 0
        winner, tied = self.winner(view)
        status, activity_id, told = PollStatus.NO_VOTES, None, texts.RESULT_NO_VOTES
        error = ""
        if winner is not None and winner.starts_at <= now:
            status, told = PollStatus.EXPIRED, texts.RESULT_EXPIRED
        elif winner is not None:
            try:
                activity_id = await self._make_activity(poll, group, winner)
            except ActivityError as exc:
                status, told, error = PollStatus.EXPIRED, texts.RESULT_FAILED, str(exc)
                log.warning("poll %s: winner could not become an activity: %s", poll_id, exc)
            else:
                status, told = PollStatus.DECIDED, texts.RESULT_TO_ORGANISER
        async with self.db.session() as session:
            won = await session.execute(
                update(GroupPoll)
                .where(GroupPoll.id == poll_id, GroupPoll.status == PollStatus.CLOSING.value)
                .values(
                    status=status.value,
                    winner_id=winner.id if winner else None,
                    tied=tied,
                    activity_id=activity_id,
                    members_at_close=view.members,
                )
            )
        if not won.rowcount:
            return 0  # another process finished it a moment ago
        message = told.format(
            group=group.name,
            id=winner.id if winner else "",
            title=winner.title if winner else "",
            votes=view.votes.get(winner.id, 0) if winner else 0,
            tied=texts.STATUS_TIED if tied else "",
            activity=activity_id or "",
            members=view.members,
            error=error,
        )
        await self._tell(
            f"grouppoll:{poll_id}:result",
            poll.creator_platform,
            poll.creator_account,
            message,
            ANY_ACCOUNT,
        )
        log.info(
            "poll %s closed: %s (winner %s)", poll_id, status.value, winner.id if winner else None
        )
        return 1

    async def _make_activity(
        self, poll: GroupPoll, group: InterestGroup, winner: GroupProposal
    ) -> int:
        """The winner as an activity (once per poll: its source is unique), announced to the
        group's members privately now."""
        service = self.activities
        organiser = self._organiser(poll)
        source = f"poll:{poll.id}"
        self._names[group.id] = group.name
        draft = ActivityDraft(
            title=texts.ACTIVITY_TITLE.format(title=winner.title, group=group.name)[:120],
            starts_at=winner.starts_at,
            place=winner.place,
            details=winner.details,
            quota=winner.quota,
            targets={"audience": f"{AUDIENCE}:{group.id}"},
            source=source,
            org_id=group.org_id,
        )
        try:
            activity = await service.create(organiser, draft)
            activity_id = activity.id
        except IntegrityError:
            async with self.db.session() as session:
                found = await session.scalar(select(Activity.id).where(Activity.source == source))
            if found is None:
                raise
            activity_id = found
        if (await service.get(activity_id)).status == ActivityStatus.DRAFT.value:
            await service.schedule(organiser, activity_id)
        await service.announce(activity_id)  # finishes a half-made announcement too
        return activity_id

    def _organiser(self, poll: GroupPoll) -> Speaker:
        """The poll's organiser as the activities know people; one who left the grid since
        still organises their vote's activity (as the system's admin)."""
        person = self.grid.people.get(poll.created_by)
        speaker = Speaker(
            poll.creator_platform, poll.creator_account, person, is_admin=poll.creator_admin
        )
        if not speaker.is_staff:
            speaker = Speaker(poll.creator_platform, poll.creator_account, None, is_admin=True)
        return speaker

    # ---- helpers -----------------------------------------------------------------------------

    async def _named(self, name: str, usage: str) -> InterestGroup:
        if not name.strip():
            raise GroupError(usage)
        group = await self.find(name)
        if group is None:
            raise GroupError(texts.NO_SUCH_GROUP.format(name=name.strip()[:20]))
        return group

    async def _open_poll_of(self, group_id: int) -> GroupPoll | None:
        async with self.db.session() as session:
            return await session.scalar(
                select(GroupPoll).where(
                    GroupPoll.group_id == group_id,
                    GroupPoll.status.in_((PollStatus.OPEN.value, PollStatus.CLOSING.value)),
                )
            )

    async def _tell_members(self, poll_id: int, event: str, text: str) -> int:
        """One private message to each member of the poll's group, queued in one transaction
        (paced by the outbox); how many were new."""
        if self.outbox is None:
            return 0
        view = await self.view(poll_id)
        items = [
            OutboxItem(
                f"grouppoll:{poll_id}:{event}:{m.platform}:{m.user_id}",
                m.platform,
                m.user_id,
                text,
                chat_type="private",
                account=m.account or ANY_ACCOUNT,
            )
            for m in await self.members(view.group.id)
            if m.platform in self.outbox.channels
        ]
        return await self.outbox.enqueue_many(items)

    async def _tell(self, key: str, platform: str, user_id: str, text: str, account: str) -> None:
        """A private message through the outbox (paced; held where the platform cannot push).
        Nothing for an organiser who acted from the console only (no chat to reach)."""
        if self.outbox is None or platform not in self.outbox.channels:
            return
        await self.outbox.enqueue(
            key, platform, user_id, text, chat_type="private", account=account or ANY_ACCOUNT
        )


def _key(text: str) -> str:
    """A group name as compared: no spaces, case-folded, without 兴趣小组 / 小组."""
    text = re.sub(r"\s+", "", text).casefold()
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text.removesuffix(suffix)
    return text

"""Tables of 兴趣小组: the groups, their members, and the votes on proposed activities."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, Id, utcnow


class InterestGroup(Base):
    """An interest group (美术, 瑜伽, 烘焙 …), from faq_data/groups/ or made in the console."""

    __tablename__ = "interest_groups"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Other words youths may join it by (烘焙小组, 甜点)."""
    description: Mapped[str] = mapped_column(Text, default="")
    org_id: Mapped[str | None] = mapped_column(String(64), index=True)
    """The org whose cadres (and those above) organise it; None: admins and `organisers` only."""
    organisers: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Grid person ids who may propose activities besides the org's cadres."""
    source: Mapped[str | None] = mapped_column(String(200), unique=True)
    """`yaml:<id>` for groups from faq_data/groups/; None for groups made in the console."""
    active: Mapped[bool] = mapped_column(default=True)
    """False: closed (hidden from youths; members and history are kept)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """A youth in an interest group (one row a member; leaving deletes it)."""

    __tablename__ = "interest_group_members"
    __table_args__ = (
        UniqueConstraint("group_id", "platform", "user_id", name="uq_interest_group_member"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    account: Mapped[str] = mapped_column(String(64), default="")
    """The bot account the youth joined through (private messages go out through it)."""
    nickname: Mapped[str] = mapped_column(String(64), default="")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollStatus(str, Enum):
    """Where a vote is in its life."""

    OPEN = "open"
    """Members vote until the deadline."""
    CLOSING = "closing"
    """Past the deadline: the winner is being made an activity (idempotent; a tick finishes it)."""
    DECIDED = "decided"
    """The winning proposal is an activity."""
    NO_VOTES = "no_votes"
    """Nobody voted: no activity."""
    EXPIRED = "expired"
    """The winner's time had passed when the vote closed (the bot was down): no activity."""
    CANCELLED = "cancelled"


class GroupPoll(Base):
    """An organiser's vote among proposed activities for one group, with a deadline."""

    __tablename__ = "interest_group_polls"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("interest_groups.id", ondelete="CASCADE"), index=True
    )
    deadline: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.OPEN.value, index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    """Grid person id of the organiser (platform:account for an admin outside the grid)."""
    creator_platform: Mapped[str] = mapped_column(String(16))
    creator_account: Mapped[str] = mapped_column(String(64))
    creator_admin: Mapped[bool] = mapped_column(default=False)
    winner_id: Mapped[int | None] = mapped_column(Id)
    tied: Mapped[bool] = mapped_column(default=False)
    """The winner shared the most votes with others (the earliest proposal won)."""
    activity_id: Mapped[int | None] = mapped_column(Id)
    """The activity the winner became (bot/activities)."""
    members_at_close: Mapped[int | None] = mapped_column(Integer)
    """How many members the group had when the vote closed (turnout is counted against it)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class GroupProposal(Base):
    """One proposed offline activity of a vote; its id is the number members vote with."""

    __tablename__ = "interest_group_proposals"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("interest_group_polls.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(200), default="")
    quota: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, default="")


class GroupVote(Base):
    """A member's one vote in one poll (changing it updates the row until the deadline)."""

    __tablename__ = "interest_group_votes"
    __table_args__ = (
        UniqueConstraint("poll_id", "platform", "user_id", name="uq_interest_group_vote"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    poll_id: Mapped[int] = mapped_column(
        ForeignKey("interest_group_polls.id", ondelete="CASCADE"), index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("interest_group_proposals.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(64))
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)

"""interest groups: 兴趣小组, their members, and votes on proposed activities

Branch: interest_groups (bot/groups)
Revision ID: 0019_interest_groups
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_interest_groups"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("interest_groups",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "interest_groups",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=True),
        sa.Column("organisers", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("source"),
    )
    op.create_index("ix_interest_groups_org_id", "interest_groups", ["org_id"])
    op.create_table(
        "interest_group_members",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("group_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("nickname", sa.String(length=64), nullable=False),
        sa.Column("joined_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["interest_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("group_id", "platform", "user_id", name="uq_interest_group_member"),
    )
    op.create_index("ix_interest_group_members_group_id", "interest_group_members", ["group_id"])
    op.create_index("ix_interest_group_members_user_id", "interest_group_members", ["user_id"])
    op.create_table(
        "interest_group_polls",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("group_id", ID, nullable=False),
        sa.Column("deadline", MOMENT, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("creator_platform", sa.String(length=16), nullable=False),
        sa.Column("creator_account", sa.String(length=64), nullable=False),
        sa.Column("creator_admin", sa.Boolean(), nullable=False),
        sa.Column("winner_id", ID, nullable=True),
        sa.Column("tied", sa.Boolean(), nullable=False),
        sa.Column("activity_id", ID, nullable=True),
        sa.Column("members_at_close", sa.Integer(), nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT, nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["interest_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("group_id", "deadline", "status"):
        op.create_index(f"ix_interest_group_polls_{column}", "interest_group_polls", [column])
    op.create_table(
        "interest_group_proposals",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("poll_id", ID, nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("starts_at", MOMENT, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["interest_group_polls.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_interest_group_proposals_poll_id", "interest_group_proposals", ["poll_id"])
    op.create_table(
        "interest_group_votes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("poll_id", ID, nullable=False),
        sa.Column("proposal_id", ID, nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("voted_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["interest_group_polls.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["interest_group_proposals.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "platform", "user_id", name="uq_interest_group_vote"),
    )
    op.create_index("ix_interest_group_votes_poll_id", "interest_group_votes", ["poll_id"])
    op.create_index("ix_interest_group_votes_proposal_id", "interest_group_votes", ["proposal_id"])


def downgrade() -> None:
    op.drop_table("interest_group_votes")
    op.drop_table("interest_group_proposals")
    op.drop_table("interest_group_polls")
    op.drop_table("interest_group_members")
    op.drop_table("interest_groups")

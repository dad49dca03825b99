"""diary: 团情日记, cadres' grassroots visits and their follow-ups

Branch: diary (bot/diary)
Revision ID: 0018_diary
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_diary"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("diary",)
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "diaries",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_name", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("youths_met", sa.Integer(), nullable=False),
        sa.Column("youths_note", sa.String(length=200), nullable=False),
        sa.Column("heard", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("deed", sa.Boolean(), nullable=False),
        sa.Column("research", sa.Boolean(), nullable=False),
        sa.Column("paired", sa.Boolean(), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("author_id", "visited_on", "org_id"):
        op.create_index(f"ix_diaries_{column}", "diaries", [column])
    op.create_table(
        "diary_followups",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("diary_id", ID, nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("done_at", MOMENT, nullable=True),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["diary_id"], ["diaries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("diary_id", "case_id"):
        op.create_index(f"ix_diary_followups_{column}", "diary_followups", [column])


def downgrade() -> None:
    for column in ("diary_id", "case_id"):
        op.drop_index(f"ix_diary_followups_{column}", table_name="diary_followups")
    op.drop_table("diary_followups")
    for column in ("author_id", "visited_on", "org_id"):
        op.drop_index(f"ix_diaries_{column}", table_name="diaries")
    op.drop_table("diaries")

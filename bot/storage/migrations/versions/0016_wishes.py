"""wishes: 微心愿, posted by youths, claimed and fulfilled by cadres

Branch: wishes (bot/wishes)
Revision ID: 0016_wishes
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_wishes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("wishes",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wishes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("nickname", sa.String(length=64), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=True),
        sa.Column("for_whom", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=True),
        sa.Column("org_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lit_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("user_id", "org_id", "status", "claimed_by"):
        op.create_index(f"ix_wishes_{column}", "wishes", [column])


def downgrade() -> None:
    for column in ("user_id", "org_id", "status", "claimed_by"):
        op.drop_index(f"ix_wishes_{column}", table_name="wishes")
    op.drop_table("wishes")

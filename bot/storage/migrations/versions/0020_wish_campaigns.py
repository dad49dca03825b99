"""wish campaigns: 微心愿 campaigns (六一 …) with wishes imported from XLSX, a target date, orgs

A branch of its own off the trunk that depends on the wishes branch (it alters the wishes
table): as a child of 0016_wishes it would carry the "wishes" label too, and a later wishes
revision would make two heads of one branch.

Branch: wish_campaigns (bot/wishes: campaigns on top of the wishes table)
Revision ID: 0020_wish_campaigns
Revises: 0002
Depends on: 0016_wishes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_wish_campaigns"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("wish_campaigns",)
depends_on: str | Sequence[str] | None = ("0016_wishes",)

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wish_campaigns",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("orgs", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # Nothing points at wishes: a batch (a copy on SQLite) is safe.
    with op.batch_alter_table("wishes") as batch:
        batch.add_column(sa.Column("campaign_id", ID, nullable=True))
        batch.add_column(sa.Column("campaign_org_id", sa.String(length=64), nullable=True))
        batch.create_foreign_key(
            "fk_wishes_campaign_id",
            "wish_campaigns",
            ["campaign_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_wishes_campaign_id", ["campaign_id"])


def downgrade() -> None:
    with op.batch_alter_table("wishes") as batch:
        batch.drop_index("ix_wishes_campaign_id")
        batch.drop_constraint("fk_wishes_campaign_id", type_="foreignkey")
        batch.drop_column("campaign_org_id")
        batch.drop_column("campaign_id")
    op.drop_table("wish_campaigns")

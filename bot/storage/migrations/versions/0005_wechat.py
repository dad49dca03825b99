"""wechat: replies per callback and customer-service windows

Branch: wechat (bot/wechat)
Revision ID: 0005_wechat
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_wechat"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("wechat",)
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wechat_replies",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("passive", sa.Text(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_wechat_reply_key"),
    )
    op.create_index("ix_wechat_replies_openid", "wechat_replies", ["openid"])
    op.create_table(
        "wechat_windows",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("openid", sa.String(length=64), nullable=False),
        sa.Column("last_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("openid", name="uq_wechat_window_openid"),
    )


def downgrade() -> None:
    op.drop_table("wechat_windows")
    op.drop_index("ix_wechat_replies_openid", table_name="wechat_replies")
    op.drop_table("wechat_replies")

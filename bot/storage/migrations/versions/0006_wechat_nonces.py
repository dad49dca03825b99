"""wechat: (timestamp, nonce) pairs of accepted callbacks, so a replay is refused

Branch: wechat (bot/wechat)
Revision ID: 0006_wechat_nonces
Revises: 0005_wechat
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_wechat_nonces"
down_revision: str | None = "0005_wechat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "wechat_nonces",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("endpoint", sa.String(length=8), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint", "timestamp", "nonce", name="uq_wechat_nonce"),
    )
    op.create_index("ix_wechat_nonces_timestamp", "wechat_nonces", ["timestamp"])


def downgrade() -> None:
    op.drop_index("ix_wechat_nonces_timestamp", table_name="wechat_nonces")
    op.drop_table("wechat_nonces")

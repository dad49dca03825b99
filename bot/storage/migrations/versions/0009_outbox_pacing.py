"""outbox: pacing state per account, routes per account, attempt time and doubt per row

Branch: delivery (bot/delivery)
Revision ID: 0009_outbox_pacing
Revises: 0003_outbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_outbox_pacing"
down_revision: str | None = "0003_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_accounts",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("next_send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("risk_failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account"),
    )
    op.create_table(
        "outbox_routes",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("chat_type", sa.String(length=8), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("platform", "account", "chat_type", "chat_id"),
    )
    op.create_index("ix_outbox_routes_chat", "outbox_routes", ["platform", "chat_type", "chat_id"])
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("in_doubt", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_outbox_attempted", ["account", "attempted_at"], unique=False)
    # Sends of the last hour keep counting toward the hourly cap across the upgrade.
    op.execute("UPDATE outbox SET attempted_at = sent_at WHERE sent_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_attempted")
        batch_op.drop_column("in_doubt")
        batch_op.drop_column("attempted_at")
    op.drop_index("ix_outbox_routes_chat", table_name="outbox_routes")
    op.drop_table("outbox_routes")
    op.drop_table("outbox_accounts")

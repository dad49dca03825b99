"""chat: guided dialogues (/发布活动) kept in the database, so any process takes the next answer

Branch: chat (bot/chat)
Revision ID: 0012_dialogues
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_dialogues"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("chat",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dialogues",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "chat", "user_id"),
    )
    op.create_index("ix_dialogues_expires_at", "dialogues", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_dialogues_expires_at", table_name="dialogues")
    op.drop_table("dialogues")

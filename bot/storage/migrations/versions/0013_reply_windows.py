"""safety: the bot's replies per chat, account and minute, shared by every process

Branch: safety (bot/safety/ratelimit.py)
Revision ID: 0013_reply_windows
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_reply_windows"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("safety",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_windows",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("chat", sa.String(length=64), nullable=False),
        sa.Column("window", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "account", "chat", "window"),
    )


def downgrade() -> None:
    op.drop_table("reply_windows")

"""privacy: requests to erase a youth's data waiting for 确认删除, in the database so a restart
or another process still knows them

Branch: privacy (bot/privacy)
Revision ID: 0011_erase_requests
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_erase_requests"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("privacy",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erase_requests",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id"),
    )
    op.create_index("ix_erase_requests_expires_at", "erase_requests", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_erase_requests_expires_at", table_name="erase_requests")
    op.drop_table("erase_requests")

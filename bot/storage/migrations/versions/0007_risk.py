"""risk: the crisis screen's level and reason on questions and cases

Branch: crisis (bot/safety's crisis screen, on qa's and cases' tables)
Revision ID: 0007_risk
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_risk"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("crisis",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.add_column(sa.Column("risk_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("risk_reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("risk_level", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("risk_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("risk_reason")
        batch.drop_column("risk_level")
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("risk_reason")
        batch.drop_column("risk_level")

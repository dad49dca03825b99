"""link failures by time: the failed attempts of all accounts since a code was made are counted

Branch: accounts (bot/accounts: a code is void after too many failed attempts of anyone)
Revision ID: 0021_link_failures_at
Revises: 0017_account_links
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021_link_failures_at"
down_revision: str | None = "0017_account_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_link_failures_at", "link_failures", ["platform", "at"])


def downgrade() -> None:
    op.drop_index("ix_link_failures_at", table_name="link_failures")

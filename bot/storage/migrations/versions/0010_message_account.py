"""bot messages and case notifications keyed on the sending account; questions and deliveries
keep the receiving account

OneBot message ids are unique per account only, so with two QQ accounts a quote of one account's
message could find another account's case or question. Rows from before get "" and are still
found by a quote through any account (nobody can tell which account sent them).

Branch: accounts (qa's, cases' and delivery's rows keyed per bot account)
Revision ID: 0010_message_account
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_message_account"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("accounts",)
depends_on: str | Sequence[str] | None = None

KEYS = (
    ("bot_messages", "uq_bot_message_platform_id", "uq_bot_message_key"),
    ("case_messages", "uq_case_message_platform_id", "uq_case_message_key"),
)


def _account() -> sa.Column:
    return sa.Column("account", sa.String(length=64), nullable=False, server_default="")


def upgrade() -> None:
    for table, old, new in KEYS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(_account())
            batch.drop_constraint(old, type_="unique")
            batch.create_unique_constraint(new, ["platform", "account", "message_id"])
    # Not batched: on SQLite a batch would copy these tables, which other tables point at.
    for table in ("questions", "deliveries"):
        op.add_column(table, _account())


def downgrade() -> None:
    for table in ("deliveries", "questions"):
        op.drop_column(table, "account")
    for table, old, new in KEYS:
        # Rows that differ only by account cannot share the old key: keep the first.
        op.execute(
            f"DELETE FROM {table} WHERE id NOT IN "
            f"(SELECT MIN(id) FROM {table} GROUP BY platform, message_id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(new, type_="unique")
            batch.create_unique_constraint(old, ["platform", "message_id"])
            batch.drop_column("account")

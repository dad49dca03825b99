"""inbound messages keyed on the receiving account and the chat

OneBot message ids are unique per account only (some implementations number them per group),
so two QQ accounts' messages collided as duplicates. Rows from before get "" for both columns
and keep their place in the key.

Branch: inbound (bot/storage/inbound.py)
Revision ID: 0008_inbound_key
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_inbound_key"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("inbound",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages") as batch:
        batch.add_column(
            sa.Column("account", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("chat", sa.String(length=80), nullable=False, server_default=""))
        batch.drop_constraint("uq_inbound_platform_message", type_="unique")
        batch.create_unique_constraint(
            "uq_inbound_message", ["platform", "account", "chat", "message_id"]
        )


def downgrade() -> None:
    # Rows that differ only by account or chat cannot share the old key: keep the first.
    op.execute(
        "DELETE FROM inbound_messages WHERE id NOT IN "
        "(SELECT MIN(id) FROM inbound_messages GROUP BY platform, message_id)"
    )
    with op.batch_alter_table("inbound_messages") as batch:
        batch.drop_constraint("uq_inbound_message", type_="unique")
        batch.create_unique_constraint("uq_inbound_platform_message", ["platform", "message_id"])
        batch.drop_column("chat")
        batch.drop_column("account")

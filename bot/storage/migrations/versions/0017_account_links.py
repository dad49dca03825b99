"""account links: accounts linked with one-time codes; deliveries held for cadres and outbox rows

Branch: accounts (grid people's accounts linked in the bot; deliveries not only to askers)
Revision ID: 0017_account_links
Revises: 0010_message_account
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_account_links"
down_revision: str | None = "0010_message_account"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "account_links",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("linked_at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("platform", "account", name="uq_account_links_account"),
        sa.UniqueConstraint("person_id", "platform", name="uq_account_links_person"),
    )
    op.create_table(
        "link_codes",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("issued_via", sa.String(length=16), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("used_at", MOMENT, nullable=True),
        sa.Column("used_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_link_codes_digest", "link_codes", ["digest"])
    op.create_index("ix_link_codes_person_id", "link_codes", ["person_id"])
    op.create_table(
        "link_failures",
        sa.Column("id", ID, autoincrement=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("at", MOMENT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_link_failures_account", "link_failures", ["platform", "account", "at"])
    # Nothing points at deliveries: a batch (a copy on SQLite) is safe.
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("case_id", existing_type=ID, nullable=True)
        batch.alter_column("asker_id", existing_type=ID, nullable=True)
        batch.add_column(sa.Column("outbox_id", ID, nullable=True))
        batch.create_index("ix_deliveries_outbox_id", ["outbox_id"])


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE asker_id IS NULL OR case_id IS NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_outbox_id")
        batch.drop_column("outbox_id")
        batch.alter_column("asker_id", existing_type=ID, nullable=False)
        batch.alter_column("case_id", existing_type=ID, nullable=False)
    op.drop_index("ix_link_failures_account", table_name="link_failures")
    op.drop_table("link_failures")
    op.drop_index("ix_link_codes_person_id", table_name="link_codes")
    op.drop_index("ix_link_codes_digest", table_name="link_codes")
    op.drop_table("link_codes")
    op.drop_table("account_links")

"""storage: each question's best match at asking time as a column (what the report's hot topics
count by), backfilled from `matches`, and an index the topic counts read alone

The topic itself is still worked out when the report is made (from the FAQ's tags as they are
then, so a retagged entry moves its questions); the column only spares reading `matches` (JSON)
of every question. A second index, of the org, time and platform, answers the count of questions
of no org by platform without reading the table.

Branch: question_topic (bot/reports/monthly.py)
Revision ID: 0022_question_topic
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_question_topic"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("question_topic",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("questions", sa.Column("nearest_id", sa.String(length=128), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE questions SET nearest_id = (matches::json -> 0) ->> 'id'")
    else:
        op.execute(
            "UPDATE questions SET nearest_id = CAST(json_extract(matches, '$[0].id') AS TEXT)"
            " WHERE json_type(matches, '$[0].id') IS NOT NULL"
        )
    op.create_index(
        "ix_questions_created_org_entry_nearest",
        "questions",
        ["created_at", "org_id", "entry_id", "nearest_id"],
    )
    op.create_index(
        "ix_questions_org_created_platform", "questions", ["org_id", "created_at", "platform"]
    )


def downgrade() -> None:
    op.drop_index("ix_questions_org_created_platform", table_name="questions")
    op.drop_index("ix_questions_created_org_entry_nearest", table_name="questions")
    op.drop_column("questions", "nearest_id")

"""storage: an index of the questions' time, org and outcome, which statistics read alone

Branch: stats (bot/qa/stats.py, bot/console/dashboard.py)
Revision ID: 0015_question_stats_index
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015_question_stats_index"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("stats",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_questions_created_org_outcome", "questions", ["created_at", "org_id", "outcome"]
    )


def downgrade() -> None:
    op.drop_index("ix_questions_created_org_outcome", table_name="questions")

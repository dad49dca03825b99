"""the monthly report's one pass: an index of the best entries, outcome, time and org, in that order

The report counts a month and the month before by outcome and by the entry that answered or
matched best in one grouped read. With the grouped columns first, SQLite walks the index in
group order and never sorts (sorting some 50,000 keys a month was most of the report's time);
the questions no entry matched (whose words decide their topic) are found by its first two
columns. It takes the place of the index of time, org and best entries (0022), which served the
topic counts of one month at a time, and of the index of outcome alone: no read filters by
outcome without a time.

Branch: question_topic (bot/reports/monthly.py)
Revision ID: 0023_question_report_index
Revises: 0022_question_topic
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023_question_report_index"
down_revision: str | None = "0022_question_topic"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["entry_id", "nearest_id", "outcome", "created_at", "org_id"]
BEFORE = ["created_at", "org_id", "entry_id", "nearest_id"]


def upgrade() -> None:
    op.create_index("ix_questions_report", "questions", COLUMNS)
    op.drop_index("ix_questions_created_org_entry_nearest", table_name="questions")
    op.drop_index("ix_questions_outcome", table_name="questions")


def downgrade() -> None:
    op.create_index("ix_questions_outcome", "questions", ["outcome"])
    op.create_index("ix_questions_created_org_entry_nearest", "questions", BEFORE)
    op.drop_index("ix_questions_report", table_name="questions")

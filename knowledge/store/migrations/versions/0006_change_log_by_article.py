"""index change log by article: log_changes deletes an article's earlier rows without scanning the log

Revision ID: 0006_change_log_by_article
Revises: 0005_change_log
Create Date: 2026-12-02
"""

from alembic import op


revision = "0006_change_log_by_article"
down_revision = "0005_change_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_index_changes_article_id", "index_changes", ["article_id"])


def downgrade() -> None:
    op.drop_index("ix_index_changes_article_id", table_name="index_changes")

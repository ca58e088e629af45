"""index change log by article, one row per article: log_changes now keeps only an article's newest row

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
    # What log_changes does from now on, once for the rows already there: a row superseded by a newer
    # committed row for the same article says nothing the newer one does not (see log_changes for why
    # no index can miss a change by dropping it, at any moment, with other processes running).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DELETE FROM index_changes AS old USING index_changes AS new "
            "WHERE new.article_id = old.article_id AND new.txid > old.txid"
        )
    else:
        op.execute(
            "DELETE FROM index_changes WHERE seq NOT IN "
            "(SELECT MAX(seq) FROM index_changes GROUP BY article_id)"
        )


def downgrade() -> None:
    op.drop_index("ix_index_changes_article_id", table_name="index_changes")

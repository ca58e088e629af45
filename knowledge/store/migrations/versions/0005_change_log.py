"""index change log: articles changed or removed, for every process's search index to replay

Revision ID: 0005_change_log
Revises: 0004_passage_vectors
Create Date: 2026-12-01
"""

import uuid

from alembic import op
import sqlalchemy as sa


revision = "0005_change_log"
down_revision = "0004_passage_vectors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_changes",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_index_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_index_changes_txid", "index_changes", ["txid"])
    # Names this database, so an index directory built from another database is never reused.
    app_state = sa.table("app_state", sa.column("key", sa.String), sa.column("value", sa.Text))
    op.bulk_insert(app_state, [{"key": "database_id", "value": uuid.uuid4().hex}])


def downgrade() -> None:
    op.execute("DELETE FROM app_state WHERE key = 'database_id'")
    op.drop_index("ix_index_changes_txid", table_name="index_changes")
    op.drop_table("index_changes")

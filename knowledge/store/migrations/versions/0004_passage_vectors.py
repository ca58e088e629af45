"""sentence vectors of passages (the semantic extra)

Revision ID: 0004_passage_vectors
Revises: 0003_work_claims
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_passage_vectors"
down_revision = "0003_work_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "passage_vectors",
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("sentences", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["passages.id"],
            name=op.f("fk_passage_vectors_passage_id_passages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("passage_id", name=op.f("pk_passage_vectors")),
    )


def downgrade() -> None:
    op.drop_table("passage_vectors")

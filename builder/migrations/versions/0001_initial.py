"""initial: models and their revisions

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("forked_from", sa.String(length=64), nullable=True),
        sa.Column("forked_from_revision", sa.Integer(), nullable=True),
        sa.Column("forks", sa.Integer(), nullable=False),
        sa.Column("total_params", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    op.create_index(op.f("ix_models_created_at"), "models", ["created_at"])
    op.create_index(op.f("ix_models_forked_from"), "models", ["forked_from"])
    op.create_index(op.f("ix_models_forks"), "models", ["forks"])
    op.create_index(op.f("ix_models_total_params"), "models", ["total_params"])
    op.create_table(
        "revisions",
        sa.Column("model_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("total_params", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_revisions_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "number", name=op.f("pk_revisions")),
    )


def downgrade() -> None:
    op.drop_table("revisions")
    op.drop_index(op.f("ix_models_total_params"), table_name="models")
    op.drop_index(op.f("ix_models_forks"), table_name="models")
    op.drop_index(op.f("ix_models_forked_from"), table_name="models")
    op.drop_index(op.f("ix_models_created_at"), table_name="models")
    op.drop_table("models")

"""compressed revisions: revisions.spec (text) becomes revisions.spec_zlib (zlib, UTF-8)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 00:00:00

Existing rows are converted in batches of `BATCH` (keyset pagination, so a big table is
never read at once); downgrading decompresses them back.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500


def _convert(source: str, target: str, target_type: Any, change: Callable[[Any], Any]) -> None:
    """Fill the new column `target` from `source` for every row, then drop `source`."""
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column(target, target_type, nullable=True))
    table = sa.table(
        "revisions",
        sa.column("model_id", sa.String),
        sa.column("number", sa.Integer),
        sa.column(source, sa.Text if target_type is sa.LargeBinary else sa.LargeBinary),
        sa.column(target, target_type),
    )
    connection = op.get_bind()
    last: tuple[str, int] = ("", -1)
    while True:
        rows = connection.execute(
            sa.select(table.c.model_id, table.c.number, table.c[source])
            .where(sa.tuple_(table.c.model_id, table.c.number) > sa.tuple_(*last))
            .order_by(table.c.model_id, table.c.number)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for model_id, number, value in rows:
            connection.execute(
                table.update()
                .where(table.c.model_id == model_id, table.c.number == number)
                .values({target: change(value)})
            )
        last = (rows[-1][0], rows[-1][1])
    with op.batch_alter_table("revisions") as batch:
        batch.alter_column(target, existing_type=target_type, nullable=False)
        batch.drop_column(source)


# as builder.store.tables.CompressedText stores it (a migration keeps its own copy)
def upgrade() -> None:
    _convert("spec", "spec_zlib", sa.LargeBinary, lambda text: zlib.compress(text.encode(), 6))


def downgrade() -> None:
    _convert("spec_zlib", "spec", sa.Text, lambda data: zlib.decompress(bytes(data)).decode())

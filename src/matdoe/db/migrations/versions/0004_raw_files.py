"""Raw data files kept: the bytes of each impedance file, content-addressed by SHA-256, so a
spectrum can be refitted from what the instrument wrote (``matdoe measure refit``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "raw_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_raw_file_size")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_raw_file")),
        sa.UniqueConstraint("sha256", name=op.f("uq_raw_file_sha256")),
    )


def downgrade() -> None:
    op.drop_table("raw_file")

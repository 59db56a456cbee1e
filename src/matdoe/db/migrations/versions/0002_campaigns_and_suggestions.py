"""Design-of-experiments tables: campaigns, suggestions, and the link from a sample to the
suggestion it was made from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("objective", sa.String(length=120), nullable=False),
        sa.Column("maximize", sa.Boolean(), nullable=False),
        sa.Column("space", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_name")),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=True),
        sa.Column("predicted_mean", sa.Float(), nullable=True),
        sa.Column("predicted_std", sa.Float(), nullable=True),
        sa.Column("acquisition", sa.Float(), nullable=True),
        sa.Column("strategy", sa.String(length=40), nullable=False),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'made', 'abandoned')", name=op.f("ck_suggestion_status")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_suggestion_campaign_id_campaign")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
    )
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggestion_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_sample_suggestion_id_suggestion", "suggestion", ["suggestion_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.drop_constraint("fk_sample_suggestion_id_suggestion", type_="foreignkey")
        batch_op.drop_column("suggestion_id")
    op.drop_table("suggestion")
    op.drop_table("campaign")

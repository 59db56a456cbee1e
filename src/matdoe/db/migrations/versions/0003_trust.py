"""Numbers a scientist can trust: how a density was obtained (with the crystal cell it comes
from), a temperature's uncertainty, a composition the source leaves unstated, and a note on a
revision (a value stored over a plausibility guard, the reason for a correction).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.add_column(sa.Column("density_method", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("cell_volume_a3", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("cell_formula_units", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "density_method",
            "density_method IS NULL OR density_method IN "
            "('measured', 'crystallographic', 'reference')",
        )
        batch_op.create_check_constraint(
            "cell_volume", "cell_volume_a3 IS NULL OR cell_volume_a3 > 0"
        )
        batch_op.create_check_constraint(
            "cell_z", "cell_formula_units IS NULL OR cell_formula_units > 0"
        )
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.alter_column("scaffold_vol_pct", existing_type=sa.Float(), nullable=True)
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("temperature_std_k", sa.Float(), nullable=True))
        batch_op.create_check_constraint(
            "temperature_std", "temperature_std_k IS NULL OR temperature_std_k >= 0"
        )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_constraint("ck_measurement_temperature_std", type_="check")
        batch_op.drop_column("temperature_std_k")
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.alter_column("scaffold_vol_pct", existing_type=sa.Float(), nullable=False)
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_constraint("ck_material_cell_z", type_="check")
        batch_op.drop_constraint("ck_material_cell_volume", type_="check")
        batch_op.drop_constraint("ck_material_density_method", type_="check")
        batch_op.drop_column("cell_formula_units")
        batch_op.drop_column("cell_volume_a3")
        batch_op.drop_column("density_method")

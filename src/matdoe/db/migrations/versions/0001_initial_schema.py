"""Initial schema: materials, samples, pellets, measurements, spectra, fits, revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "material",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("formula", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("lot", sa.String(length=120), nullable=True),
        sa.Column("density_g_cm3", sa.Float(), nullable=True),
        sa.Column("density_source", sa.Text(), nullable=True),
        sa.Column("bet_m2_g", sa.Float(), nullable=True),
        sa.Column("pore_volume", sa.Float(), nullable=True),
        sa.Column("pore_volume_unit", sa.String(length=120), nullable=True),
        sa.Column("morphology", sa.String(length=120), nullable=True),
        sa.Column("citation", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('host', 'scaffold', 'other')", name=op.f("ck_material_kind")),
        sa.CheckConstraint(
            "bet_m2_g IS NULL OR bet_m2_g >= 0", name=op.f("ck_material_bet_nonnegative")
        ),
        sa.CheckConstraint(
            "density_g_cm3 IS NULL OR density_g_cm3 > 0", name=op.f("ck_material_density_positive")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_material_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material")),
        sa.UniqueConstraint("name", name=op.f("uq_material_name")),
    )
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("changed_by", sa.String(length=120), nullable=True),
        sa.CheckConstraint(
            "action IN ('insert', 'update', 'delete')", name=op.f("ck_revision_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
    )
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.create_index("ix_revision_record", ["table_name", "record_id"], unique=False)

    op.create_table(
        "sample",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("scaffold_id", sa.Integer(), nullable=True),
        sa.Column("scaffold_vol_pct", sa.Float(), nullable=False),
        sa.Column("host_mg", sa.Float(), nullable=True),
        sa.Column("scaffold_mg", sa.Float(), nullable=True),
        sa.Column("batch_mg", sa.Float(), nullable=True),
        sa.Column("masses_source", sa.String(length=20), nullable=False),
        sa.Column("milling_h", sa.Float(), nullable=True),
        sa.Column("milling_rpm", sa.Float(), nullable=True),
        sa.Column("ball_to_powder", sa.Float(), nullable=True),
        sa.Column("mill_on_min", sa.Float(), nullable=True),
        sa.Column("mill_off_min", sa.Float(), nullable=True),
        sa.Column("mill", sa.String(length=200), nullable=True),
        sa.Column("jar_material", sa.String(length=60), nullable=True),
        sa.Column("ball_material", sa.String(length=60), nullable=True),
        sa.Column("ball_diameter_mm", sa.Float(), nullable=True),
        sa.Column("atmosphere", sa.String(length=60), nullable=True),
        sa.Column("drying", sa.Text(), nullable=True),
        sa.Column("made_on", sa.Date(), nullable=True),
        sa.Column("operator", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("citation", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "masses_source IN ('derived', 'weighed')", name=op.f("ck_sample_masses_source")
        ),
        sa.CheckConstraint(
            "source IN ('measured', 'paper', 'simulated')", name=op.f("ck_sample_source")
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'made', 'discarded')", name=op.f("ck_sample_status")
        ),
        sa.CheckConstraint(
            "(scaffold_id IS NULL AND scaffold_vol_pct = 0) OR scaffold_id IS NOT NULL",
            name=op.f("ck_sample_scaffold_needed"),
        ),
        sa.CheckConstraint(
            "ball_to_powder IS NULL OR ball_to_powder > 0", name=op.f("ck_sample_bpr_positive")
        ),
        sa.CheckConstraint(
            "batch_mg IS NULL OR batch_mg > 0", name=op.f("ck_sample_batch_mg_positive")
        ),
        sa.CheckConstraint(
            "host_mg IS NULL OR host_mg >= 0", name=op.f("ck_sample_host_mg_nonnegative")
        ),
        sa.CheckConstraint("length(label) > 0", name=op.f("ck_sample_label_not_empty")),
        sa.CheckConstraint(
            "milling_h IS NULL OR milling_h >= 0", name=op.f("ck_sample_milling_nonnegative")
        ),
        sa.CheckConstraint(
            "milling_rpm IS NULL OR milling_rpm > 0", name=op.f("ck_sample_rpm_positive")
        ),
        sa.CheckConstraint(
            "scaffold_mg IS NULL OR scaffold_mg >= 0", name=op.f("ck_sample_scaffold_mg_nonneg")
        ),
        sa.CheckConstraint(
            "scaffold_vol_pct >= 0 AND scaffold_vol_pct <= 100",
            name=op.f("ck_sample_vol_pct_range"),
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["material.id"], name=op.f("fk_sample_host_id_material")
        ),
        sa.ForeignKeyConstraint(
            ["scaffold_id"], ["material.id"], name=op.f("fk_sample_scaffold_id_material")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample")),
        sa.UniqueConstraint("label", name=op.f("uq_sample_label")),
    )
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sample_scaffold_vol", ["scaffold_id", "scaffold_vol_pct"], unique=False
        )

    op.create_table(
        "fit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("ea_ev", sa.Float(), nullable=True),
        sa.Column("ea_std_ev", sa.Float(), nullable=True),
        sa.Column("log10_prefactor", sa.Float(), nullable=True),
        sa.Column("r2", sa.Float(), nullable=True),
        sa.Column("sigma_25c_s_cm", sa.Float(), nullable=True),
        sa.Column("sigma_30c_s_cm", sa.Float(), nullable=True),
        sa.Column("n_points", sa.Integer(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("package_version", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("n_points >= 0", name=op.f("ck_fit_n_points")),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["sample.id"], name=op.f("fk_fit_sample_id_sample"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fit")),
        sa.UniqueConstraint("sample_id", "kind", "method", name="uq_fit_sample_kind_method"),
    )
    op.create_table(
        "pellet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=True),
        sa.Column("thickness_cm", sa.Float(), nullable=True),
        sa.Column("area_cm2", sa.Float(), nullable=True),
        sa.Column("pressure_mpa", sa.Float(), nullable=True),
        sa.Column("mass_mg", sa.Float(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "area_cm2 IS NULL OR area_cm2 > 0", name=op.f("ck_pellet_area_positive")
        ),
        sa.CheckConstraint("mass_mg IS NULL OR mass_mg > 0", name=op.f("ck_pellet_mass_positive")),
        sa.CheckConstraint(
            "pressure_mpa IS NULL OR pressure_mpa > 0", name=op.f("ck_pellet_pressure_positive")
        ),
        sa.CheckConstraint(
            "thickness_cm IS NULL OR thickness_cm > 0", name=op.f("ck_pellet_thickness_positive")
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sample.id"],
            name=op.f("fk_pellet_sample_id_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pellet")),
    )
    with op.batch_alter_table("pellet", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pellet_sample_id"), ["sample_id"], unique=False)

    op.create_table(
        "measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=False),
        sa.Column("pellet_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("temperature_k", sa.Float(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("run", sa.Integer(), nullable=True),
        sa.Column("resistance_ohm", sa.Float(), nullable=True),
        sa.Column("resistance_std_ohm", sa.Float(), nullable=True),
        sa.Column("thickness_cm", sa.Float(), nullable=True),
        sa.Column("area_cm2", sa.Float(), nullable=True),
        sa.Column("sigma_s_cm", sa.Float(), nullable=True),
        sa.Column("sigma_std_s_cm", sa.Float(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("citation", sa.Text(), nullable=True),
        sa.Column("raw_file", sa.String(length=255), nullable=True),
        sa.Column("raw_sha256", sa.String(length=64), nullable=True),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "direction IS NULL OR direction IN ('heating', 'cooling')",
            name=op.f("ck_measurement_direction"),
        ),
        sa.CheckConstraint(
            "kind <> 'eis' OR sigma_s_cm IS NOT NULL", name=op.f("ck_measurement_eis_has_sigma")
        ),
        sa.CheckConstraint(
            "kind <> 'eis' OR temperature_k IS NOT NULL",
            name=op.f("ck_measurement_eis_has_temperature"),
        ),
        sa.CheckConstraint(
            "kind IN ('eis', 'dc_polarisation', 'lsv', 'ccd', 'symmetric_cycling', 'full_cell_cycling', 'other')",
            name=op.f("ck_measurement_kind"),
        ),
        sa.CheckConstraint(
            "source IN ('measured', 'paper', 'simulated')", name=op.f("ck_measurement_source")
        ),
        sa.CheckConstraint(
            "area_cm2 IS NULL OR area_cm2 > 0", name=op.f("ck_measurement_area_positive")
        ),
        sa.CheckConstraint(
            "resistance_ohm IS NULL OR resistance_ohm > 0",
            name=op.f("ck_measurement_resistance_pos"),
        ),
        sa.CheckConstraint(
            "resistance_std_ohm IS NULL OR resistance_std_ohm >= 0",
            name=op.f("ck_measurement_resistance_std"),
        ),
        sa.CheckConstraint(
            "sigma_s_cm IS NULL OR sigma_s_cm > 0", name=op.f("ck_measurement_sigma_positive")
        ),
        sa.CheckConstraint(
            "sigma_std_s_cm IS NULL OR sigma_std_s_cm >= 0", name=op.f("ck_measurement_sigma_std")
        ),
        sa.CheckConstraint(
            "temperature_k IS NULL OR temperature_k > 0",
            name=op.f("ck_measurement_temperature_positive"),
        ),
        sa.CheckConstraint(
            "thickness_cm IS NULL OR thickness_cm > 0",
            name=op.f("ck_measurement_thickness_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["pellet_id"],
            ["pellet.id"],
            name=op.f("fk_measurement_pellet_id_pellet"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["sample.id"],
            name=op.f("fk_measurement_sample_id_sample"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement")),
    )
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.create_index("ix_measurement_sample_kind", ["sample_id", "kind"], unique=False)

    op.create_table(
        "spectrum",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("fit", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["measurement.id"],
            name=op.f("fk_spectrum_measurement_id_measurement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spectrum")),
        sa.UniqueConstraint("measurement_id", name=op.f("uq_spectrum_measurement_id")),
    )


def downgrade() -> None:
    op.drop_table("spectrum")
    with op.batch_alter_table("measurement", schema=None) as batch_op:
        batch_op.drop_index("ix_measurement_sample_kind")

    op.drop_table("measurement")
    with op.batch_alter_table("pellet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pellet_sample_id"))

    op.drop_table("pellet")
    op.drop_table("fit")
    with op.batch_alter_table("sample", schema=None) as batch_op:
        batch_op.drop_index("ix_sample_scaffold_vol")

    op.drop_table("sample")
    with op.batch_alter_table("revision", schema=None) as batch_op:
        batch_op.drop_index("ix_revision_record")

    op.drop_table("revision")
    op.drop_table("material")

"""The lab database: SQLAlchemy 2 typed ORM classes.

ORM classes only persist; values travel between layers as records (``matdoe.records``) or frozen
dataclasses. Invariants live in the database itself (CHECK, NOT NULL, UNIQUE, FOREIGN KEY), so a
row that breaks them cannot be written by any client, not only by matdoe.

Units are in the column names: ``temperature_k``, ``sigma_s_cm``, ``thickness_cm``, ``area_cm2``,
``milling_h``, ``bet_m2_g``, ``density_g_cm3``.

Every change to a material, sample, pellet or measurement also writes a :class:`Revision` row
holding the record as it stood after the change (see ``matdoe.db.history``), so a lab can always
see what a record said before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MATERIAL_KINDS = ("host", "scaffold", "other")
SAMPLE_STATUSES = ("planned", "made", "discarded")
SOURCES = ("measured", "paper", "simulated")
MEASUREMENT_KINDS = (
    "eis",
    "dc_polarisation",
    "lsv",
    "ccd",
    "symmetric_cycling",
    "full_cell_cycling",
    "other",
)
DIRECTIONS = ("heating", "cooling")
DENSITY_METHODS = ("measured", "crystallographic", "reference")
SUGGESTION_STATUSES = ("pending", "made", "abandoned")
CAMPAIGN_STATUSES = ("open", "archived")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def utcnow() -> dt.datetime:
    """Current UTC time without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


#: The largest id a row can have: the integer id columns are 32-bit on PostgreSQL, so a larger
#: id is unknown on every back end (looked up, PostgreSQL would refuse it as out of range).
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON}  # noqa: RUF012 (SQLAlchemy API)


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class Material(Timestamped, Base):
    """A raw material: a host salt, a scaffold oxide, or anything else that goes into a batch."""

    __tablename__ = "material"
    __table_args__ = (
        CheckConstraint(_in("kind", MATERIAL_KINDS), name="kind"),
        CheckConstraint("density_g_cm3 IS NULL OR density_g_cm3 > 0", name="density_positive"),
        CheckConstraint("bet_m2_g IS NULL OR bet_m2_g >= 0", name="bet_nonnegative"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            f"density_method IS NULL OR {_in('density_method', DENSITY_METHODS)}",
            name="density_method",
        ),
        CheckConstraint("cell_volume_a3 IS NULL OR cell_volume_a3 > 0", name="cell_volume"),
        CheckConstraint("cell_formula_units IS NULL OR cell_formula_units > 0", name="cell_z"),
        CheckConstraint("transition_k IS NULL OR transition_k > 0", name="transition_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    formula: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    product: Mapped[str | None] = mapped_column(String(200))
    supplier: Mapped[str | None] = mapped_column(String(200))
    lot: Mapped[str | None] = mapped_column(String(120))
    density_g_cm3: Mapped[float | None] = mapped_column(Float)
    density_source: Mapped[str | None] = mapped_column(Text)
    # How the density was obtained: measured (pycnometry of this lot), crystallographic (from
    # the cell volume and Z below), or a reference value (handbook, datasheet).
    density_method: Mapped[str | None] = mapped_column(String(20))
    cell_volume_a3: Mapped[float | None] = mapped_column(Float)
    cell_formula_units: Mapped[int | None] = mapped_column(Integer)
    bet_m2_g: Mapped[float | None] = mapped_column(Float)
    pore_volume: Mapped[float | None] = mapped_column(Float)
    pore_volume_unit: Mapped[str | None] = mapped_column(String(120))
    morphology: Mapped[str | None] = mapped_column(String(120))
    # A host's order-disorder (superionic) transition, a descriptor of related hosts.
    transition_k: Mapped[float | None] = mapped_column(Float)
    transition_source: Mapped[str | None] = mapped_column(Text)
    citation: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Sample(Timestamped, Base):
    """One batch: a host salt milled with (or without) a scaffold, with its full recipe."""

    __tablename__ = "sample"
    __table_args__ = (
        CheckConstraint("scaffold_vol_pct >= 0 AND scaffold_vol_pct <= 100", name="vol_pct_range"),
        CheckConstraint(
            "(scaffold_id IS NULL AND scaffold_vol_pct = 0) OR scaffold_id IS NOT NULL",
            name="scaffold_needed",
        ),
        CheckConstraint("host_mg IS NULL OR host_mg >= 0", name="host_mg_nonnegative"),
        CheckConstraint("scaffold_mg IS NULL OR scaffold_mg >= 0", name="scaffold_mg_nonneg"),
        CheckConstraint("batch_mg IS NULL OR batch_mg > 0", name="batch_mg_positive"),
        CheckConstraint("milling_h IS NULL OR milling_h >= 0", name="milling_nonnegative"),
        CheckConstraint("milling_rpm IS NULL OR milling_rpm > 0", name="rpm_positive"),
        CheckConstraint("ball_to_powder IS NULL OR ball_to_powder > 0", name="bpr_positive"),
        CheckConstraint(_in("masses_source", ("derived", "weighed")), name="masses_source"),
        CheckConstraint(_in("status", SAMPLE_STATUSES), name="status"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("length(label) > 0", name="label_not_empty"),
        Index("ix_sample_scaffold_vol", "scaffold_id", "scaffold_vol_pct"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    host_id: Mapped[int] = mapped_column(ForeignKey("material.id"), nullable=False)
    scaffold_id: Mapped[int | None] = mapped_column(ForeignKey("material.id"))
    # NULL only where a source does not state the composition (a paper's unnamed composite).
    scaffold_vol_pct: Mapped[float | None] = mapped_column(Float)
    host_mg: Mapped[float | None] = mapped_column(Float)
    scaffold_mg: Mapped[float | None] = mapped_column(Float)
    batch_mg: Mapped[float | None] = mapped_column(Float)
    masses_source: Mapped[str] = mapped_column(String(20), nullable=False, default="derived")
    milling_h: Mapped[float | None] = mapped_column(Float)
    milling_rpm: Mapped[float | None] = mapped_column(Float)
    ball_to_powder: Mapped[float | None] = mapped_column(Float)
    mill_on_min: Mapped[float | None] = mapped_column(Float)
    mill_off_min: Mapped[float | None] = mapped_column(Float)
    mill: Mapped[str | None] = mapped_column(String(200))
    jar_material: Mapped[str | None] = mapped_column(String(60))
    ball_material: Mapped[str | None] = mapped_column(String(60))
    ball_diameter_mm: Mapped[float | None] = mapped_column(Float)
    atmosphere: Mapped[str | None] = mapped_column(String(60))
    drying: Mapped[str | None] = mapped_column(Text)
    made_on: Mapped[dt.date | None] = mapped_column(Date)
    operator: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="made")
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="measured")
    citation: Mapped[str | None] = mapped_column(Text)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestion.id", use_alter=True, name="fk_sample_suggestion_id_suggestion")
    )
    notes: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    host: Mapped[Material] = relationship(foreign_keys=[host_id], lazy="joined")
    scaffold: Mapped[Material | None] = relationship(foreign_keys=[scaffold_id], lazy="joined")
    pellets: Mapped[list[Pellet]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", order_by="Pellet.id"
    )
    measurements: Mapped[list[Measurement]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", order_by="Measurement.id"
    )
    fits: Mapped[list[Fit]] = relationship(
        back_populates="sample", cascade="all, delete-orphan", order_by="Fit.id"
    )


class Pellet(Timestamped, Base):
    """A pressed pellet of a sample, with the geometry that turns R into sigma."""

    __tablename__ = "pellet"
    __table_args__ = (
        CheckConstraint("thickness_cm IS NULL OR thickness_cm > 0", name="thickness_positive"),
        CheckConstraint("area_cm2 IS NULL OR area_cm2 > 0", name="area_positive"),
        CheckConstraint("pressure_mpa IS NULL OR pressure_mpa > 0", name="pressure_positive"),
        CheckConstraint("mass_mg IS NULL OR mass_mg > 0", name="mass_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("sample.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str | None] = mapped_column(String(60))
    thickness_cm: Mapped[float | None] = mapped_column(Float)
    area_cm2: Mapped[float | None] = mapped_column(Float)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    mass_mg: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)

    sample: Mapped[Sample] = relationship(back_populates="pellets")


class Measurement(Timestamped, Base):
    """One measurement of a sample: an impedance run at one temperature, or another property.

    For ``kind='eis'`` the conductivity ``sigma_s_cm`` is computed from ``resistance_ohm``,
    ``thickness_cm`` and ``area_cm2`` when those were measured; a value reported in a paper is
    stored as given with ``source='paper'`` and its citation. Other kinds (transference number,
    oxidative onset, critical current density, cycling) keep their number in ``value`` with
    ``unit`` and the conditions in ``details``.
    """

    __tablename__ = "measurement"
    __table_args__ = (
        CheckConstraint(_in("kind", MEASUREMENT_KINDS), name="kind"),
        CheckConstraint(f"direction IS NULL OR {_in('direction', DIRECTIONS)}", name="direction"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint("temperature_k IS NULL OR temperature_k > 0", name="temperature_positive"),
        CheckConstraint(
            "temperature_std_k IS NULL OR temperature_std_k >= 0", name="temperature_std"
        ),
        CheckConstraint("resistance_ohm IS NULL OR resistance_ohm > 0", name="resistance_pos"),
        CheckConstraint(
            "resistance_std_ohm IS NULL OR resistance_std_ohm >= 0", name="resistance_std"
        ),
        CheckConstraint("thickness_cm IS NULL OR thickness_cm > 0", name="thickness_positive"),
        CheckConstraint("area_cm2 IS NULL OR area_cm2 > 0", name="area_positive"),
        CheckConstraint("sigma_s_cm IS NULL OR sigma_s_cm > 0", name="sigma_positive"),
        CheckConstraint("sigma_std_s_cm IS NULL OR sigma_std_s_cm >= 0", name="sigma_std"),
        CheckConstraint("kind <> 'eis' OR sigma_s_cm IS NOT NULL", name="eis_has_sigma"),
        CheckConstraint("kind <> 'eis' OR temperature_k IS NOT NULL", name="eis_has_temperature"),
        Index("ix_measurement_sample_kind", "sample_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("sample.id", ondelete="CASCADE"), nullable=False
    )
    pellet_id: Mapped[int | None] = mapped_column(ForeignKey("pellet.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="eis")
    temperature_k: Mapped[float | None] = mapped_column(Float)
    temperature_std_k: Mapped[float | None] = mapped_column(Float)
    direction: Mapped[str | None] = mapped_column(String(10))
    run: Mapped[int | None] = mapped_column(Integer)
    resistance_ohm: Mapped[float | None] = mapped_column(Float)
    resistance_std_ohm: Mapped[float | None] = mapped_column(Float)
    thickness_cm: Mapped[float | None] = mapped_column(Float)
    area_cm2: Mapped[float | None] = mapped_column(Float)
    sigma_s_cm: Mapped[float | None] = mapped_column(Float)
    sigma_std_s_cm: Mapped[float | None] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(40))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(20), nullable=False, default="measured")
    citation: Mapped[str | None] = mapped_column(Text)
    raw_file: Mapped[str | None] = mapped_column(String(255))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    measured_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    sample: Mapped[Sample] = relationship(back_populates="measurements")
    pellet: Mapped[Pellet | None] = relationship()
    spectrum: Mapped[Spectrum | None] = relationship(
        back_populates="measurement", cascade="all, delete-orphan", uselist=False
    )


class Spectrum(Base):
    """The raw impedance spectrum behind a measurement, and the equivalent-circuit fit of it."""

    __tablename__ = "spectrum"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measurement_id: Mapped[int] = mapped_column(
        ForeignKey("measurement.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    fit: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    measurement: Mapped[Measurement] = relationship(back_populates="spectrum")


class RawFile(Base):
    """The bytes of a raw data file (an impedance spectrum as the instrument wrote it).

    Content-addressed: one row per distinct content, found by its SHA-256, which measurements
    carry in ``raw_sha256``; so a fit can be redone from the file itself (``matdoe measure
    refit``), and the same file imported for two samples is stored once.
    """

    __tablename__ = "raw_file"
    __table_args__ = (CheckConstraint("size_bytes >= 0", name="size"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    stored_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Fit(Base):
    """A value derived from a sample's measurements (an Arrhenius fit), with how it was made."""

    __tablename__ = "fit"
    __table_args__ = (
        UniqueConstraint("sample_id", "kind", "method", name="uq_fit_sample_kind_method"),
        CheckConstraint("n_points >= 0", name="n_points"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(
        ForeignKey("sample.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    method: Mapped[str] = mapped_column(String(60), nullable=False)
    ea_ev: Mapped[float | None] = mapped_column(Float)
    ea_std_ev: Mapped[float | None] = mapped_column(Float)
    log10_prefactor: Mapped[float | None] = mapped_column(Float)
    r2: Mapped[float | None] = mapped_column(Float)
    sigma_25c_s_cm: Mapped[float | None] = mapped_column(Float)
    sigma_30c_s_cm: Mapped[float | None] = mapped_column(Float)
    n_points: Mapped[int] = mapped_column(Integer, nullable=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    package_version: Mapped[str] = mapped_column(String(40), nullable=False)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)

    sample: Mapped[Sample] = relationship(back_populates="fits")


class Campaign(Timestamped, Base):
    """A design-of-experiments campaign: its space file (parameters mapped to sample fields,
    the recipe every batch shares, conditions, constraints, objectives) and its status.

    ``objective`` and ``maximize`` repeat the first objective of the space for a quick look;
    edits keep history (revision rows, see ``matdoe.db.history``).
    """

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(_in("status", CAMPAIGN_STATUSES), name="status"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="open", server_default="open"
    )
    objective: Mapped[str] = mapped_column(String(120), nullable=False)
    maximize: Mapped[bool] = mapped_column(default=True, nullable=False)
    space: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)

    suggestions: Mapped[list[Suggestion]] = relationship(
        back_populates="campaign", order_by="Suggestion.id"
    )


class Suggestion(Base):
    """A recipe the model proposed, with what it predicted, until it is made or abandoned."""

    __tablename__ = "suggestion"
    __table_args__ = (CheckConstraint(_in("status", SUGGESTION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), nullable=False)
    batch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    conditions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    predicted_mean: Mapped[float | None] = mapped_column(Float)
    predicted_std: Mapped[float | None] = mapped_column(Float)
    acquisition: Mapped[float | None] = mapped_column(Float)
    # Every objective's prediction, {objective: {"mean": ..., "std": ...}}; predicted_mean and
    # predicted_std hold the first modelled objective's.
    predictions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    strategy: Mapped[str] = mapped_column(String(40), nullable=False)
    model: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    notes: Mapped[str | None] = mapped_column(Text)

    campaign: Mapped[Campaign] = relationship(back_populates="suggestions")
    samples: Mapped[list[Sample]] = relationship(foreign_keys="Sample.suggestion_id")


class Revision(Base):
    """One version of a record: what it said after an insert or update, or before a delete."""

    __tablename__ = "revision"
    __table_args__ = (
        CheckConstraint(_in("action", ("insert", "update", "delete")), name="action"),
        Index("ix_revision_record", "table_name", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    record_id: Mapped[int] = mapped_column(Integer, nullable=False)
    record_key: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime, default=utcnow, server_default=func.current_timestamp(), nullable=False
    )
    changed_by: Mapped[str | None] = mapped_column(String(120))
    # Why the change was made when it needed saying: a value stored with --force over a
    # plausibility guard, a correction's reason.
    note: Mapped[str | None] = mapped_column(Text)

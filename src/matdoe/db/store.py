"""Reading and writing lab records: materials, samples, pellets, measurements, history.

Every function takes an open session from the caller and never commits: the caller's
``with factory.begin() as session`` block decides, so a command (or a whole import) is one
transaction that either lands completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from matdoe.db.bulk import check_suggestions, geometry_of
from matdoe.db.models import (
    Fit,
    Material,
    Measurement,
    Pellet,
    Revision,
    Sample,
    Suggestion,
    utcnow,
)
from matdoe.errors import DuplicateError, InvalidRecordError, NotFoundError
from matdoe.records import (
    MaterialRecord,
    MeasurementRecord,
    PelletRecord,
    SampleRecord,
    parse_record,
)

# The default milling programme of the paper (domain.md: Fritsch P7, 400 rpm, BPR 140:1,
# 5 min on / 5 min off, WC jar and balls, argon). Used only where the user leaves a value empty
# and asks for defaults (`sample add` does, imports do not).
PAPER_PROGRAMME: dict[str, Any] = {
    "milling_rpm": 400.0,
    "ball_to_powder": 140.0,
    "mill_on_min": 5.0,
    "mill_off_min": 5.0,
    "jar_material": "WC",
    "ball_material": "WC",
    "ball_diameter_mm": 5.0,
    "atmosphere": "Ar",
    "batch_mg": 500.0,
}


# --------------------------------------------------------------------------- materials


def add_material(session: Session, record: MaterialRecord) -> Material:
    """Insert a material; a duplicate name raises :class:`DuplicateError`."""
    if session.scalar(select(Material.id).where(Material.name == record.name)) is not None:
        raise DuplicateError(
            f"material {record.name!r} already exists; see it with `matdoe material show "
            f"{record.name}` or choose another name"
        )
    material = Material(**record.model_dump())
    session.add(material)
    session.flush()
    return material


def find_material(session: Session, name: str, *, kind: str | None = None) -> Material:
    """A material by exact name, else by a unique case-insensitive suffix ("A200")."""
    material = session.scalar(select(Material).where(Material.name == name))
    if material is not None:
        return material
    query = select(Material)
    if kind is not None:
        query = query.where(Material.kind == kind)
    candidates = list(session.scalars(query.order_by(Material.name)))
    lowered = name.strip().lower()
    matches = [
        m
        for m in candidates
        if m.name.lower() == lowered
        or m.name.lower().endswith("-" + lowered)
        or m.name.lower().replace("-", "") == lowered.replace("-", "")
    ]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(m.name for m in candidates) or "none yet"
    what = f"{kind} material" if kind else "material"
    if len(matches) > 1:
        raise NotFoundError(
            f"{what} {name!r} is ambiguous ({', '.join(m.name for m in matches)}); "
            "give the full name"
        )
    raise NotFoundError(
        f"unknown {what} {name!r} (known: {known}); add it with `matdoe material add`"
    )


def list_materials(session: Session, *, kind: str | None = None) -> list[Material]:
    """All materials, by name (optionally only one kind)."""
    query = select(Material).order_by(Material.kind, Material.name)
    if kind:
        query = query.where(Material.kind == kind)
    return list(session.scalars(query))


def material_row(material: Material) -> dict[str, Any]:
    """A flat dict of a material for tables and exports."""
    return MaterialRecord.model_validate(
        {k: getattr(material, k) for k in MaterialRecord.model_fields}
    ).model_dump()


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Masses:
    host_mg: float | None
    scaffold_mg: float | None
    batch_mg: float | None
    source: str


def _masses(record: SampleRecord, host: Material, scaffold: Material | None) -> Masses:
    """Weighed masses when given; else the recipe's masses from the densities when known."""
    if record.host_mg is not None and (record.scaffold_mg is not None or scaffold is None):
        scaffold_mg = record.scaffold_mg if scaffold is not None else 0.0
        total = record.host_mg + (scaffold_mg or 0.0)
        if total <= 0:
            raise InvalidRecordError(f"sample {record.label!r}: weighed masses add up to 0 mg")
        return Masses(record.host_mg, scaffold_mg, record.batch_mg or total, "weighed")
    batch = record.batch_mg
    if batch is None:
        return Masses(None, None, None, "derived")
    if scaffold is None or record.scaffold_vol_pct == 0:
        return Masses(batch, 0.0 if scaffold is not None else None, batch, "derived")
    if host.density_g_cm3 is None or scaffold.density_g_cm3 is None:
        return Masses(None, None, batch, "derived")
    from matdoe.chem import batch_recipe

    recipe = batch_recipe(
        record.scaffold_vol_pct,
        host_density_g_cm3=host.density_g_cm3,
        scaffold_density_g_cm3=scaffold.density_g_cm3,
        batch_mg=batch,
        ball_to_powder=record.ball_to_powder or PAPER_PROGRAMME["ball_to_powder"],
    )
    return Masses(recipe.host_mg, recipe.scaffold_mg, batch, "derived")


def add_sample(session: Session, record: SampleRecord) -> Sample:
    """Insert a sample with its pellet and measurements; computes masses and conductivities."""
    if session.scalar(select(Sample.id).where(Sample.label == record.label)) is not None:
        raise DuplicateError(
            f"sample {record.label!r} already exists; choose another label or look at it with "
            f"`matdoe sample show {record.label}`"
        )
    host = find_material(session, record.host)
    scaffold = find_material(session, record.scaffold) if record.scaffold else None
    masses = _masses(record, host, scaffold)
    pellet = geometry_of(record.pellet)
    for index, measurement in enumerate(record.measurements, start=1):
        # Checked before the first INSERT: a refused sample advances no id sequence.
        measurement_values(
            measurement,
            label=record.label,
            pellet=pellet,  # type: ignore[arg-type]
            where=f"measurement {index}",
        )
    if record.suggestion_id is not None:
        _claim_suggestion(session, record.suggestion_id)
    fields = record.model_dump(
        exclude={"host", "scaffold", "pellet", "measurements", "host_mg", "scaffold_mg", "batch_mg"}
    )
    sample = Sample(
        **fields,
        host=host,
        scaffold=scaffold,
        host_mg=masses.host_mg,
        scaffold_mg=masses.scaffold_mg,
        batch_mg=masses.batch_mg,
        masses_source=masses.source,
    )
    session.add(sample)
    if record.pellet is not None:
        sample.pellets.append(Pellet(**record.pellet.model_dump()))
    session.flush()
    for index, measurement in enumerate(record.measurements, start=1):
        add_measurement(session, sample, measurement, where=f"measurement {index}")
    session.flush()
    if record.measurements:
        refresh_fits(session, sample)
    return sample


def _claim_suggestion(session: Session, suggestion_id: int) -> None:
    """Mark a pending suggestion made, or refuse: one sample realises one suggestion.

    A conditional UPDATE, so that of several commands linking samples to the same suggestion at
    once exactly one wins: on PostgreSQL the others wait on the row lock and then find it no
    longer pending; SQLite serialises writers anyway.
    """
    from sqlalchemy import update

    check_suggestions(session, [suggestion_id])
    claimed = session.execute(
        update(Suggestion)
        .where(Suggestion.id == suggestion_id, Suggestion.status == "pending")
        .values(status="made")
        .execution_options(synchronize_session="fetch")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        status = session.scalar(select(Suggestion.status).where(Suggestion.id == suggestion_id))
        raise InvalidRecordError(
            f"suggestion {suggestion_id} was just marked {status} by another command; a sample "
            "cannot be linked to it; see `matdoe suggestion list`"
        )


def find_sample(session: Session, label: str) -> Sample:
    """A sample by its label."""
    sample = session.scalar(
        select(Sample)
        .where(Sample.label == label)
        .options(selectinload(Sample.measurements), selectinload(Sample.pellets))
    )
    if sample is None:
        raise NotFoundError(f"unknown sample {label!r}; list the samples with `matdoe sample list`")
    return sample


def update_sample(session: Session, label: str, changes: dict[str, Any]) -> Sample:
    """Change fields of a sample (validated as a whole record); history keeps the old version."""
    sample = find_sample(session, label)
    current = sample_record(sample).model_dump()
    current.update(changes)
    current["measurements"] = []
    current.pop("pellet", None)
    record = parse_record(SampleRecord, current, where=f"sample {label!r}")
    if record.label != sample.label and (
        session.scalar(select(Sample.id).where(Sample.label == record.label)) is not None
    ):
        raise DuplicateError(f"sample {record.label!r} already exists; choose another label")
    host = find_material(session, record.host)
    scaffold = find_material(session, record.scaffold) if record.scaffold else None
    recompute = {"scaffold_vol_pct", "batch_mg", "scaffold", "host"} & changes.keys()
    if recompute and sample.masses_source == "derived":
        masses = _masses(
            record.model_copy(update={"host_mg": None, "scaffold_mg": None}), host, scaffold
        )
    else:
        masses = Masses(record.host_mg, record.scaffold_mg, record.batch_mg, sample.masses_source)
    if {"host_mg", "scaffold_mg"} & changes.keys():
        masses = _masses(record, host, scaffold)
    for key, value in record.model_dump(
        exclude={"host", "scaffold", "pellet", "measurements", "host_mg", "scaffold_mg", "batch_mg"}
    ).items():
        setattr(sample, key, value)
    sample.host, sample.scaffold = host, scaffold
    sample.host_mg, sample.scaffold_mg = masses.host_mg, masses.scaffold_mg
    sample.batch_mg, sample.masses_source = masses.batch_mg, masses.source
    session.flush()
    return sample


def sample_record(sample: Sample, *, with_measurements: bool = False) -> SampleRecord:
    """The record of a stored sample (what an export writes for it)."""
    data: dict[str, Any] = {
        k: getattr(sample, k)
        for k in SampleRecord.model_fields
        if hasattr(Sample, k) and k not in {"host", "scaffold", "pellet", "measurements"}
    }
    data["host"] = sample.host.name
    data["scaffold"] = sample.scaffold.name if sample.scaffold else None
    if sample.pellets:
        pellet = sample.pellets[0]
        data["pellet"] = {k: getattr(pellet, k) for k in PelletRecord.model_fields}
    if with_measurements:
        data["measurements"] = [measurement_record(m) for m in sample.measurements]
    return SampleRecord.model_validate(data)


def measurement_record(measurement: Measurement) -> dict[str, Any]:
    """A stored measurement as a record dict (JSON-able)."""
    data = {k: getattr(measurement, k) for k in MeasurementRecord.model_fields}
    return MeasurementRecord.model_validate(data).model_dump(mode="json")


@dataclass(frozen=True)
class SampleFilter:
    """Filters of `sample list`; ``None`` means no limit."""

    scaffold: str | None = None
    vol_min: float | None = None
    vol_max: float | None = None
    milling_min_h: float | None = None
    milling_max_h: float | None = None
    made_from: dt.date | None = None
    made_to: dt.date | None = None
    source: str | None = None


def _filtered(session: Session, flt: SampleFilter) -> Select[Any]:
    query = select(Sample).order_by(Sample.id)
    if flt.scaffold:
        material = find_material(session, flt.scaffold)
        query = query.where(Sample.scaffold_id == material.id)
    if flt.vol_min is not None:
        query = query.where(Sample.scaffold_vol_pct >= flt.vol_min)
    if flt.vol_max is not None:
        query = query.where(Sample.scaffold_vol_pct <= flt.vol_max)
    if flt.milling_min_h is not None:
        query = query.where(Sample.milling_h >= flt.milling_min_h)
    if flt.milling_max_h is not None:
        query = query.where(Sample.milling_h <= flt.milling_max_h)
    if flt.made_from is not None:
        query = query.where(Sample.made_on >= flt.made_from)
    if flt.made_to is not None:
        query = query.where(Sample.made_on <= flt.made_to)
    if flt.source:
        query = query.where(Sample.source == flt.source)
    return query


def list_samples(session: Session, flt: SampleFilter | None = None) -> list[dict[str, Any]]:
    """Flat rows of the samples matching ``flt``, with the best measured sigma near 30/60 °C.

    Reads plain columns, not ORM objects: listing 100,000 samples takes seconds.
    """
    query = _filtered(session, flt or SampleFilter()).with_only_columns(
        Sample.id,
        Sample.label,
        Sample.host_id,
        Sample.scaffold_id,
        Sample.scaffold_vol_pct,
        Sample.milling_h,
        Sample.host_mg,
        Sample.scaffold_mg,
        Sample.made_on,
        Sample.source,
    )
    samples = session.execute(query).all()
    wanted = {row.id for row in samples}
    sigma: dict[tuple[int, int], float] = {}
    counts: dict[int, int] = {}
    eis = select(Measurement.sample_id, Measurement.temperature_k, Measurement.sigma_s_cm).where(
        Measurement.kind == "eis"
    )
    for sample_id, temperature_k, sigma_s_cm in session.execute(eis):
        if sample_id not in wanted:
            continue
        counts[sample_id] = counts.get(sample_id, 0) + 1
        if temperature_k is None or sigma_s_cm is None:
            continue
        for celsius in (30, 60):
            if abs(temperature_k - (273.15 + celsius)) <= 1.0:
                key = (sample_id, celsius)
                sigma[key] = max(sigma.get(key, 0.0), sigma_s_cm)
    materials = {m.id: m.name for m in session.scalars(select(Material))}
    return [
        {
            "label": row.label,
            "host": materials.get(row.host_id),
            "scaffold": materials.get(row.scaffold_id) if row.scaffold_id else None,
            "scaffold_vol_pct": row.scaffold_vol_pct,
            "milling_h": row.milling_h,
            "host_mg": row.host_mg,
            "scaffold_mg": row.scaffold_mg,
            "made_on": row.made_on.isoformat() if row.made_on else None,
            "source": row.source,
            "n_measurements": counts.get(row.id, 0),
            "sigma_30c_s_cm": sigma.get((row.id, 30)),
            "sigma_60c_s_cm": sigma.get((row.id, 60)),
        }
        for row in samples
    ]


# --------------------------------------------------------------------------- measurements


def measurement_values(
    record: MeasurementRecord,
    *,
    label: str,
    pellet: Pellet | None,
    where: str = "measurement",
) -> dict[str, Any]:
    """Column values of a measurement; for impedance runs sigma = L/(R·A) with its uncertainty.

    L and A come from the record, else from the sample's pellet.
    """
    values = record.model_dump()
    if record.kind == "eis" and record.resistance_ohm is not None:
        thickness = record.thickness_cm or (pellet.thickness_cm if pellet else None)
        area = record.area_cm2 or (pellet.area_cm2 if pellet else None)
        if thickness is None or area is None:
            missing = "thickness" if thickness is None else "area"
            raise InvalidRecordError(
                f"{where} of {label!r}: a resistance needs the pellet {missing} "
                f"(--thickness 320um --area 0.785cm2) to give a conductivity"
            )
        from matdoe.conductivity import conductivity_from_resistance

        computed = conductivity_from_resistance(
            record.resistance_ohm,
            thickness,
            area,
            resistance_std_ohm=record.resistance_std_ohm,
        )
        if record.sigma_s_cm is not None and not math.isclose(
            record.sigma_s_cm, computed.sigma_s_cm, rel_tol=0.01
        ):
            raise InvalidRecordError(
                f"{where} of {label!r}: sigma_s_cm={record.sigma_s_cm:g} disagrees with "
                f"L/(R·A)={computed.sigma_s_cm:g} S/cm; give one or the other"
            )
        values.update(
            thickness_cm=thickness,
            area_cm2=area,
            sigma_s_cm=computed.sigma_s_cm,
            sigma_std_s_cm=record.sigma_std_s_cm or computed.sigma_std_s_cm,
        )
        if pellet is not None:
            values["pellet_id"] = pellet.id
    return values


def add_measurement(
    session: Session, sample: Sample, record: MeasurementRecord, *, where: str = "measurement"
) -> Measurement:
    """Store a measurement; for impedance runs compute sigma = L/(R·A) with its uncertainty."""
    pellet = sample.pellets[0] if sample.pellets else None
    values = measurement_values(record, label=sample.label, pellet=pellet, where=where)
    measurement = Measurement(**values)
    sample.measurements.append(measurement)
    session.flush()
    return measurement


def conductivity_rows(session: Session, sample: Sample) -> list[Measurement]:
    """The impedance measurements of a sample, by temperature."""
    return sorted(
        (m for m in sample.measurements if m.kind == "eis" and m.sigma_s_cm is not None),
        key=lambda m: (m.temperature_k or 0.0, m.id),
    )


# --------------------------------------------------------------------------- history


def history(session: Session, table: str, record_id: int) -> list[Revision]:
    """Every stored version of a record, oldest first."""
    return list(
        session.scalars(
            select(Revision)
            .where(Revision.table_name == table, Revision.record_id == record_id)
            .order_by(Revision.id)
        )
    )


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields that differ between two snapshots (timestamps ignored).

    >>> changes_between({"a": 1, "updated_at": "x"}, {"a": 2, "updated_at": "y"})
    {'a': (1, 2)}
    """
    keys = (old.keys() | new.keys()) - {"updated_at", "created_at"}
    return {k: (old.get(k), new.get(k)) for k in sorted(keys) if old.get(k) != new.get(k)}


def fits_for(session: Session, sample: Sample) -> Sequence[Fit]:
    """The stored derived values (Arrhenius fits) of a sample."""
    return list(session.scalars(select(Fit).where(Fit.sample_id == sample.id).order_by(Fit.id)))


def bulk_labels(session: Session, labels: Iterable[str]) -> set[str]:
    """Which of ``labels`` already exist (one query per 5,000 labels)."""
    wanted = list(dict.fromkeys(labels))
    found: set[str] = set()
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        found.update(session.scalars(select(Sample.label).where(Sample.label.in_(chunk))))
    return found


# --------------------------------------------------------------------------- derived values


def refresh_fits(session: Session, sample: Sample, *, form: str | None = None) -> Fit | None:
    """Recompute and store the sample's Arrhenius fit from its impedance measurements.

    Called whenever a conductivity is added, so the stored Ea always matches the measurements.
    With fewer than 3 distinct temperatures any stored fit is removed and None is returned.
    """
    from matdoe import __version__
    from matdoe.conductivity import fit_arrhenius

    rows = conductivity_rows(session, sample)
    temperatures = {round(m.temperature_k or 0.0, 1) for m in rows}
    stored = [f for f in fits_for(session, sample) if f.kind == "arrhenius"]
    if len(temperatures) < 3:
        for old in stored:
            session.delete(old)
        session.flush()
        return None
    kwargs = {} if form is None else {"form": form}
    stds = [m.sigma_std_s_cm for m in rows]
    fit = fit_arrhenius(
        [float(m.temperature_k or 0.0) for m in rows],
        [float(m.sigma_s_cm or 0.0) for m in rows],
        sigma_std_s_cm=None
        if any(s is None or s <= 0 for s in stds)
        else [float(s or 0.0) for s in stds],
        **kwargs,
    )
    method = f"arrhenius-{fit.form}"
    row = next((f for f in stored if f.method == method), None)
    if row is None:
        row = Fit(
            sample_id=sample.id,
            kind="arrhenius",
            method=method,
            n_points=0,
            package_version=__version__,
        )
        session.add(row)
    row.ea_ev, row.ea_std_ev = fit.ea_ev, fit.ea_std_ev
    row.log10_prefactor, row.r2, row.n_points = fit.log10_prefactor, fit.r2, fit.n_points
    row.sigma_25c_s_cm = float(fit.sigma_at(298.15))
    row.sigma_30c_s_cm = float(fit.sigma_at(303.15))
    row.details = fit.to_dict()
    row.package_version = __version__
    row.computed_at = utcnow()
    session.flush()
    return row


# --------------------------------------------------------------------------- bulk import


def add_samples(session: Session, records: Iterable[SampleRecord]) -> int:
    """Insert many samples with pellets and measurements in a few statements (imports).

    Same result as :func:`add_sample` for each record, history rows and fits included, with
    one multi-row INSERT per table and chunk (see :mod:`matdoe.db.bulk`). Everything is checked
    before the first INSERT; the caller's transaction makes it all-or-nothing.
    """
    from matdoe.db.bulk import items_of, prepare_samples, write_samples

    with prepare_samples(session, items_of(records)) as prepared:
        return write_samples(session, prepared)

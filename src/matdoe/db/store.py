"""Reading and writing lab records: materials, samples, pellets, measurements, history.

Every function takes an open session from the caller and never commits: the caller's
``with factory.begin() as session`` block decides, so a command (or a whole import) is one
transaction that either lands completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from matdoe.db.bulk import check_suggestions, geometry_of
from matdoe.db.history import annotate
from matdoe.db.models import (
    MAX_ID,
    Campaign,
    Fit,
    Material,
    Measurement,
    Pellet,
    RawFile,
    Revision,
    Sample,
    Suggestion,
    utcnow,
)
from matdoe.errors import DuplicateError, InvalidRecordError, NotFoundError
from matdoe.plausibility import enforce, pellet_density_problem, problems
from matdoe.records import (
    STORED,
    MaterialRecord,
    MeasurementRecord,
    PelletRecord,
    SampleRecord,
    canonical_value,
    label_difference,
    label_key,
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


def _name_key(text: str) -> str:
    """A material name as :func:`find_material` matches it: without case and hyphens."""
    return text.strip().lower().replace("-", "")


def _same_name_in_other_case(session: Session, name: str, *, other_than: int | None = None) -> None:
    """Refuse a name that differs from a catalogued one only in case ("A90" would be ambiguous)."""

    key = _name_key
    query = select(Material.id, Material.name)
    clash = next(
        (
            other
            for ident, other in session.execute(query)
            if ident != other_than and other != name and key(other) == key(name)
        ),
        None,
    )
    if clash is not None:
        raise DuplicateError(
            f"material {name!r} differs from the catalogued {clash!r} only in case or hyphens; "
            "names are looked up without either, so use that one or choose another name"
        )


def add_material(session: Session, record: MaterialRecord) -> Material:
    """Insert a material; a duplicate name raises :class:`DuplicateError`."""
    if session.scalar(select(Material.id).where(Material.name == record.name)) is not None:
        raise DuplicateError(
            f"material {record.name!r} already exists; see it with `matdoe material show "
            f"{record.name}` or choose another name"
        )
    _same_name_in_other_case(session, record.name)
    material = Material(**record.model_dump())
    session.add(material)
    session.flush()
    return material


def _utf8(text: str, what: str) -> None:
    """Refuse a name that is not text (bytes of another encoding read from the command line
    arrive as lone surrogates, which no database driver can send)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotFoundError(
            f"unknown {what} {text!r}: it is not UTF-8 text; check the terminal's encoding"
        ) from None


def find_material(session: Session, name: str, *, kind: str | None = None) -> Material:
    """A material by exact name, else by a unique case-insensitive suffix ("A200")."""
    _utf8(name, "material")
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
        or _name_key(m.name) == _name_key(name)
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


def update_material(
    session: Session, name: str, changes: dict[str, Any], *, note: str | None = None
) -> Material:
    """Change fields of a material (validated as a whole record); history keeps the old one.

    Changing the density, its method or the unit cell drops the fields that no longer belong
    (a measured density has no cell), so ``--set density_g_cm3=...`` with
    ``--set density_method=measured`` overrides a crystallographic value.
    """
    material = find_material(session, name)
    current = material_row(material)
    if {"density_g_cm3", "density_method"} & changes.keys() and not (
        {"cell_volume_a3", "cell_formula_units"} & changes.keys()
    ):
        method = changes.get("density_method", current.get("density_method"))
        if method != "crystallographic":
            current["cell_volume_a3"] = current["cell_formula_units"] = None
            if (
                current.get("density_method") == "crystallographic"
                and "density_method" not in changes
            ):
                current["density_method"] = None
    unknown = sorted(set(changes) - set(MaterialRecord.model_fields))
    if unknown:
        raise InvalidRecordError(
            f"material has no field {unknown[0]!r}; fields: {', '.join(MaterialRecord.model_fields)}"
        )
    current.update(changes)
    record = parse_record(MaterialRecord, current, where=f"material {name!r}")
    if record.name != material.name and (
        session.scalar(select(Material.id).where(Material.name == record.name)) is not None
    ):
        raise DuplicateError(f"material {record.name!r} already exists; choose another name")
    if record.name != material.name:
        _same_name_in_other_case(session, record.name, other_than=material.id)
        campaigns = _campaigns_naming(session, material.name)
        if campaigns:
            raise InvalidRecordError(
                f"material {material.name!r} keeps its name: the space of campaign(s) "
                f"{', '.join(map(repr, campaigns))} names it (a renamed material would leave "
                "the campaign a choice that does not exist)"
            )
    if record.kind != material.kind:
        role = {"host": Sample.scaffold_id, "scaffold": Sample.host_id}.get(record.kind)
        clash = role is not None and session.scalar(
            select(func.count()).select_from(Sample).where(role == material.id)
        )
        if clash:
            used_as = "scaffold" if record.kind == "host" else "host salt"
            raise InvalidRecordError(
                f"material {material.name!r} cannot become kind {record.kind!r}: {clash} "
                f"sample(s) use it as their {used_as}; a material of another kind is a new "
                "material (`matdoe material add`)"
            )
    for key, value in record.model_dump().items():
        setattr(material, key, value)
    annotate(material, note)
    session.flush()
    return material


def _campaigns_naming(session: Session, name: str) -> list[str]:
    """Campaigns whose space names a material: in its shared recipe or among a parameter's choices."""
    found = []
    for campaign in session.scalars(select(Campaign).order_by(Campaign.name)):
        space = campaign.space or {}
        recipe = space.get("recipe") or {}
        named = name in (recipe.get("host"), recipe.get("scaffold"))
        for parameter in space.get("parameters") or []:
            # any categorical's choices: a space of the first layout names no fields
            named = named or name in (parameter.get("choices") or [])
        if named:
            found.append(campaign.name)
    return found


def _material_users(session: Session, material: Material) -> str:
    """What uses a material, in words ("" when nothing does): samples, then campaigns."""
    used = session.scalar(
        select(func.count())
        .select_from(Sample)
        .where(or_(Sample.host_id == material.id, Sample.scaffold_id == material.id))
    )
    if used:
        return f"it is used by {used} sample(s)"
    campaigns = _campaigns_naming(session, material.name)
    if campaigns:
        listed = ", ".join(repr(c) for c in campaigns)
        return f"the space of campaign(s) {listed} names it (archived ones included)"
    return ""


def delete_material(session: Session, name: str) -> Material:
    """Delete a material no sample uses and no campaign names (its history keeps it)."""
    material = find_material(session, name)
    users = _material_users(session, material)
    if users:
        raise InvalidRecordError(
            f"material {material.name!r} cannot be deleted: {users} (correct it with "
            "`matdoe material edit`, or take it out of the campaign with `matdoe campaign edit`)"
        )
    session.delete(material)
    session.flush()
    return material


def list_materials(session: Session, *, kind: str | None = None) -> list[Material]:
    """All materials, by name (optionally only one kind)."""
    query = select(Material).order_by(Material.kind, Material.name)
    if kind:
        query = query.where(Material.kind == kind)
    return list(session.scalars(query))


def material_row(material: Material) -> dict[str, Any]:
    """A flat dict of a material for tables and exports."""
    return MaterialRecord.model_validate(
        {k: getattr(material, k) for k in MaterialRecord.model_fields}, context=STORED
    ).model_dump()


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Masses:
    host_mg: float | None
    scaffold_mg: float | None
    batch_mg: float | None
    source: str


def _check_roles(label: str, host: Material, scaffold: Material | None) -> None:
    """A scaffold is no host salt and a host salt no scaffold (kind 'other' may be either)."""
    if host.kind == "scaffold":
        raise InvalidRecordError(
            f"sample {label!r}: {host.name!r} is a scaffold material, not a host salt"
        )
    if scaffold is not None and scaffold.kind == "host":
        raise InvalidRecordError(
            f"sample {label!r}: {scaffold.name!r} is a host salt, not a scaffold material"
        )


def _masses(record: SampleRecord, host: Material, scaffold: Material | None) -> Masses:
    """Weighed masses when given; else the recipe's masses from the densities when known.

    Weighed masses are kept as given: both of them (only the host's without a scaffold), and a
    batch mass beside them must be their sum. Anything else is refused rather than mixed with
    derived values.
    """
    where = f"sample {record.label!r}"
    if record.host_mg is not None or record.scaffold_mg is not None:
        if scaffold is None:
            if record.scaffold_mg:
                raise InvalidRecordError(f"{where}: scaffold_mg is given but there is no scaffold")
            if record.host_mg is None:
                raise InvalidRecordError(f"{where}: scaffold_mg without a scaffold or host_mg")
            scaffold_mg = None
        elif record.host_mg is None or record.scaffold_mg is None:
            given, missing = (
                ("host_mg", "scaffold_mg")
                if record.host_mg is not None
                else ("scaffold_mg", "host_mg")
            )
            raise InvalidRecordError(
                f"{where}: {given} is weighed but {missing} is not given; give both weighed masses "
                "(--host-mass and --scaffold-mass), or neither and let the batch mass and vol% "
                "derive them"
            )
        else:
            scaffold_mg = record.scaffold_mg
        total = record.host_mg + (scaffold_mg or 0.0)
        if total <= 0:
            raise InvalidRecordError(f"{where}: weighed masses add up to 0 mg")
        batch = record.batch_mg
        if batch is not None and abs(batch - total) > max(0.5, 0.01 * total):
            raise InvalidRecordError(
                f"{where}: batch_mg is {batch:g} mg but the weighed masses add up to {total:g} mg; "
                "leave the batch mass out or correct it"
            )
        return Masses(record.host_mg, scaffold_mg, batch if batch is not None else total, "weighed")
    batch = record.batch_mg
    if batch is None:
        return Masses(None, None, None, "derived")
    if record.scaffold_vol_pct is None:
        return Masses(None, None, batch, "derived")
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


def theoretical_density_g_cm3(
    host: Material, scaffold: Material | None, scaffold_vol_pct: float | None
) -> float | None:
    """Density of the dense composite, phi·rho_scaffold + (1 - phi)·rho_host (g/cm³)."""
    if scaffold_vol_pct is None or host.density_g_cm3 is None:
        return None
    phi = scaffold_vol_pct / 100.0
    if phi == 0:
        return host.density_g_cm3
    if scaffold is None or scaffold.density_g_cm3 is None:
        return None
    return phi * scaffold.density_g_cm3 + (1 - phi) * host.density_g_cm3


#: Weighed masses may imply a vol% this far (percentage points) from the stated one before the
#: sample is refused (densities assumed differently by the lab move it by a few points).
MASS_VOL_TOLERANCE_PCT = 5.0


def _mass_vol_problem(
    record: SampleRecord, host: Material, scaffold: Material | None
) -> str | None:
    """Weighed masses that imply a vol% far from the stated one (densities known)."""
    if (
        scaffold is None
        or record.host_mg is None
        or record.scaffold_mg is None
        or record.scaffold_vol_pct is None
        or host.density_g_cm3 is None
        or scaffold.density_g_cm3 is None
        or record.host_mg + record.scaffold_mg <= 0
    ):
        return None
    from matdoe.chem import vol_pct_from_masses

    implied = vol_pct_from_masses(
        record.host_mg,
        record.scaffold_mg,
        host_density_g_cm3=host.density_g_cm3,
        scaffold_density_g_cm3=scaffold.density_g_cm3,
    )
    if abs(implied - record.scaffold_vol_pct) <= MASS_VOL_TOLERANCE_PCT:
        return None
    return (
        f"weighed masses {record.host_mg:g} mg {host.name} + {record.scaffold_mg:g} mg "
        f"{scaffold.name} are {implied:.1f} vol% {scaffold.name} (densities "
        f"{host.density_g_cm3:g} and {scaffold.density_g_cm3:g} g/cm³), not the stated "
        f"{record.scaffold_vol_pct:g} vol%"
    )


def sample_problems(record: SampleRecord, host: Material, scaffold: Material | None) -> list[str]:
    """Implausible values of a sample record and its pellet (see :mod:`matdoe.plausibility`)."""
    found = problems(
        {
            "milling_h": record.milling_h,
            "batch_mg": record.batch_mg,
            "milling_rpm": record.milling_rpm,
            "ball_to_powder": record.ball_to_powder,
            "mill_on_min": record.mill_on_min,
            "mill_off_min": record.mill_off_min,
            "ball_diameter_mm": record.ball_diameter_mm,
        }
    )
    mass_vol = _mass_vol_problem(record, host, scaffold)
    if mass_vol:
        found.append(mass_vol)
    if record.pellet is not None:
        pellet = record.pellet
        found += problems(
            {
                "thickness_cm": pellet.thickness_cm,
                "area_cm2": pellet.area_cm2,
                "pressure_mpa": pellet.pressure_mpa,
            }
        )
        dense = pellet_density_problem(
            pellet.mass_mg,
            pellet.thickness_cm,
            pellet.area_cm2,
            theoretical_density_g_cm3(host, scaffold, record.scaffold_vol_pct),
        )
        if dense:
            found.append(dense)
    return found


def add_sample(session: Session, record: SampleRecord, *, force: bool = False) -> Sample:
    """Insert a sample with its pellet and measurements; computes masses and conductivities.

    Implausible values (:mod:`matdoe.plausibility`) are refused unless ``force``; forced ones
    are noted in the history.
    """
    if session.scalar(select(Sample.id).where(Sample.label == record.label)) is not None:
        raise DuplicateError(
            f"sample {record.label!r} already exists; choose another label or look at it with "
            f"`matdoe sample show {record.label}`"
        )
    refuse_label_like(session, record.label)
    host = find_material(session, record.host)
    scaffold = find_material(session, record.scaffold) if record.scaffold else None
    _check_roles(record.label, host, scaffold)
    masses = _masses(record, host, scaffold)
    geometry = geometry_of(record.pellet)
    found = sample_problems(record, host, scaffold)
    for index, measurement in enumerate(record.measurements, start=1):
        # Checked before the first INSERT: a refused sample advances no id sequence.
        values = measurement_values(
            measurement,
            label=record.label,
            pellet=geometry,  # type: ignore[arg-type]
            where=f"measurement {index}",
        )
        found += [f"measurement {index}: {p}" for p in measurement_problems(values)]
    note = enforce(found, force=force, where=f"sample {record.label!r}")
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
    annotate(sample, note)
    if record.pellet is not None:
        pellet = Pellet(**record.pellet.model_dump())
        annotate(pellet, note)
        sample.pellets.append(pellet)
    session.flush()
    for index, measurement in enumerate(record.measurements, start=1):
        add_measurement(session, sample, measurement, where=f"measurement {index}", force=force)
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


def labels_like(session: Session, label: str, *, other_than: int | None = None) -> list[str]:
    """Labels other than ``label`` itself that differ from it only in case or look-alike
    characters (:func:`matdoe.records.label_key`), by label.

    Compared in Python, not with SQL's ``lower()``: SQLite's folds only ASCII, PostgreSQL's
    follows the database's locale; this way both back ends find the same labels.
    """
    key = label_key(label)
    query = select(Sample.id, Sample.label).execution_options(yield_per=5000)
    return sorted(
        other
        for ident, other in session.execute(query)
        if ident != other_than and other != label and label_key(other) == key
    )


def refuse_label_like(session: Session, label: str, *, other_than: int | None = None) -> None:
    """Refuse a new label that differs from an existing one only in case or look-alikes.

    ``S1`` and ``s1`` side by side are nearly always one batch recorded twice by a typo.

    Raises:
        DuplicateError: naming the existing label.
    """
    clash = labels_like(session, label, other_than=other_than)
    if clash:
        raise DuplicateError(
            f"sample {label!r} differs from the existing sample {clash[0]!r} "
            f"{label_difference(label, clash[0])}; labels are unique regardless of case: use "
            f"{clash[0]!r} (`matdoe sample show {clash[0]}`) or choose a clearly different label"
        )


def find_sample(session: Session, label: str) -> Sample:
    """A sample by its exact label.

    A label that is not there but differs from one that is only in case (or look-alike
    characters) is refused with "did you mean", never silently taken; only the same text in
    another Unicode composition (an accented letter as one character or two) is the same label.
    """
    _utf8(label, "sample")
    options = (selectinload(Sample.measurements), selectinload(Sample.pellets))
    sample = session.scalar(select(Sample).where(Sample.label == label).options(*options))
    if sample is not None:
        return sample
    similar = labels_like(session, label)
    composed = unicodedata.normalize("NFC", label)
    same = [other for other in similar if unicodedata.normalize("NFC", other) == composed]
    if len(same) == 1:
        return session.scalars(
            select(Sample).where(Sample.label == same[0]).options(*options)
        ).one()
    if similar:
        shown = " or ".join(repr(other) for other in similar[:3])
        raise NotFoundError(f"unknown sample {label!r}; did you mean {shown}?")
    raise NotFoundError(f"unknown sample {label!r}; list the samples with `matdoe sample list`")


PELLET_PREFIX = "pellet."


def update_sample(
    session: Session, label: str, changes: dict[str, Any], *, force: bool = False
) -> Sample:
    """Change fields of a sample (validated as a whole record); history keeps the old version.

    Pellet fields are changed as ``pellet.thickness_cm`` etc. (the sample's first pellet, made
    if there is none). A change that changes nothing is refused, so "updated" always means it.
    """
    sample = find_sample(session, label)
    before = sample_record(sample).model_dump()
    current = dict(before)
    pellet_changes = {
        k.removeprefix(PELLET_PREFIX): v for k, v in changes.items() if k.startswith(PELLET_PREFIX)
    }
    sample_changes = {k: v for k, v in changes.items() if not k.startswith(PELLET_PREFIX)}
    if "pellet" in sample_changes:
        raise InvalidRecordError(
            "set pellet fields one by one, e.g. --set pellet.thickness_cm=320um "
            "--set pellet.area_cm2=0.785cm2"
        )
    unknown = sorted(
        set(sample_changes) - (set(SampleRecord.model_fields) - {"pellet", "measurements"})
    ) + sorted(f"pellet.{k}" for k in set(pellet_changes) - set(PelletRecord.model_fields))
    if unknown:
        raise InvalidRecordError(
            f"sample has no field {unknown[0]!r}; see schemas/sample.schema.json "
            "(pellet fields as pellet.thickness_cm)"
        )
    current.update(sample_changes)
    current["measurements"] = []
    if pellet_changes:
        current["pellet"] = {**(current.get("pellet") or {}), **pellet_changes}
    record = parse_record(SampleRecord, current, where=f"sample {label!r}")
    if record.model_dump() == {**before, "measurements": []}:
        raise InvalidRecordError(f"sample {label!r} already has these values; nothing changed")
    if record.label != sample.label:
        if session.scalar(select(Sample.id).where(Sample.label == record.label)) is not None:
            raise DuplicateError(f"sample {record.label!r} already exists; choose another label")
        refuse_label_like(session, record.label, other_than=sample.id)
    host = find_material(session, record.host)
    scaffold = find_material(session, record.scaffold) if record.scaffold else None
    _check_roles(label, host, scaffold)
    checked = record
    if sample.masses_source != "weighed" and not {"host_mg", "scaffold_mg"} & changes.keys():
        # Derived masses follow the new recipe below; they are not weighed values to check.
        checked = record.model_copy(update={"host_mg": None, "scaffold_mg": None})
    note = enforce(sample_problems(checked, host, scaffold), force=force, where=f"sample {label!r}")
    recompute = {"scaffold_vol_pct", "batch_mg", "scaffold", "host"} & changes.keys()
    weighed_anew = {"host_mg", "scaffold_mg"} & changes.keys()
    if (
        scaffold is None
        and record.scaffold_mg
        and sample.masses_source == "weighed"
        and "scaffold_mg" not in changes
    ):
        raise InvalidRecordError(
            f"sample {label!r}: its weighed masses hold {record.scaffold_mg:g} mg of scaffold, "
            "and now there is no scaffold; clear that mass in the same edit (--set scaffold_mg=) "
            "or name the scaffold"
        )
    if recompute and sample.masses_source == "derived":
        masses = _masses(
            record.model_copy(update={"host_mg": None, "scaffold_mg": None}), host, scaffold
        )
    elif (
        sample.masses_source == "weighed"
        and not weighed_anew
        and {"batch_mg", "scaffold", "host", "scaffold_vol_pct"} & changes.keys()
    ):
        masses = _masses(record, host, scaffold)  # the weighed masses must still fit
    else:
        masses = Masses(record.host_mg, record.scaffold_mg, record.batch_mg, sample.masses_source)
    if weighed_anew:
        if sample.masses_source != "weighed" and scaffold is not None:
            missing = {"host_mg", "scaffold_mg"} - changes.keys()
            if missing:
                raise InvalidRecordError(
                    f"sample {label!r}: its masses were derived from the vol% and batch mass; "
                    f"set {' and '.join(sorted(missing | (changes.keys() & {'host_mg', 'scaffold_mg'})))} "
                    "together to record weighed masses"
                )
        # The batch is what was weighed now, unless it is corrected in the same edit.
        weighed = record if "batch_mg" in changes else record.model_copy(update={"batch_mg": None})
        masses = _masses(weighed, host, scaffold)
    for key, value in record.model_dump(
        exclude={"host", "scaffold", "pellet", "measurements", "host_mg", "scaffold_mg", "batch_mg"}
    ).items():
        setattr(sample, key, value)
    sample.host, sample.scaffold = host, scaffold
    sample.host_mg, sample.scaffold_mg = masses.host_mg, masses.scaffold_mg
    sample.batch_mg, sample.masses_source = masses.batch_mg, masses.source
    annotate(sample, note)
    if pellet_changes and record.pellet is not None:
        if sample.pellets:
            pellet = sample.pellets[0]
            old_geometry = (pellet.thickness_cm, pellet.area_cm2)
            for key, value in record.pellet.model_dump().items():
                setattr(pellet, key, value)
        else:
            pellet = Pellet(**record.pellet.model_dump())
            sample.pellets.append(pellet)
            old_geometry = (None, None)
        annotate(pellet, note)
        session.flush()
        _follow_pellet(session, sample, pellet, old_geometry, force=force)
    session.flush()
    return sample


def _follow_pellet(
    session: Session,
    sample: Sample,
    pellet: Pellet,
    old_geometry: tuple[float | None, float | None],
    *,
    force: bool,
) -> None:
    """Recompute the conductivities that took their L and A from a pellet whose geometry changed.

    A measurement with its own thickness or area (not the pellet's old one) keeps it.
    """
    new_geometry = (pellet.thickness_cm, pellet.area_cm2)
    if new_geometry == old_geometry:
        return
    for measurement in list(sample.measurements):
        if measurement.resistance_ohm is None:
            continue
        if measurement.pellet is not None and measurement.pellet is not pellet:
            continue
        if (measurement.thickness_cm, measurement.area_cm2) != old_geometry:
            continue
        update_measurement(
            session,
            measurement.id,
            {"thickness_cm": pellet.thickness_cm, "area_cm2": pellet.area_cm2},
            force=force,
            note="pellet geometry corrected on the sample; sigma recomputed",
        )


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
    return SampleRecord.model_validate(data, context=STORED)


def measurement_record(measurement: Measurement) -> dict[str, Any]:
    """A stored measurement as a record dict (JSON-able)."""
    data = {k: getattr(measurement, k) for k in MeasurementRecord.model_fields}
    return MeasurementRecord.model_validate(data, context=STORED).model_dump(mode="json")


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


def flat_columns() -> list[str]:
    """The columns of a flat sample file, in the order ``sample list -f csv`` writes them.

    The same layout ``sample import`` reads: sample fields, ``pellet_*`` fields, then the
    fields of one measurement per row (its own notes, source and citation as
    ``measurement_*``).
    """
    from matdoe.tables import MEASUREMENT_PREFIXED, PELLET_FIELDS

    sample = [f for f in SampleRecord.model_fields if f not in _NOT_EXPORTED]
    pellet = [f"pellet_{f}" for f in PELLET_FIELDS]
    measurement = [f for f in MeasurementRecord.model_fields if f not in MEASUREMENT_PREFIXED] + [
        f"measurement_{f}" for f in MEASUREMENT_PREFIXED
    ]
    return [*sample, *pellet, *measurement]


# A suggestion id means nothing in another database; the masses are written only when they
# were weighed (derived ones are computed again from vol% and densities on import).
_NOT_EXPORTED = {"pellet", "measurements", "suggestion_id"}


def flat_rows(
    session: Session,
    flt: SampleFilter | None = None,
    *,
    label: str | None = None,
    kind: str | None = None,
    measured_only: bool = False,
) -> Iterator[dict[str, Any]]:
    """Samples as flat rows that ``sample import`` reads back (:func:`flat_columns`).

    One row per measurement (the sample's columns repeated), or one row for a sample without
    measurements (unless ``measured_only``). Read with plain queries in id order, merged as a
    stream: memory does not grow with the number of samples.

    Args:
        flt: Which samples (as ``sample list`` filters them).
        label: Only this sample.
        kind: Only measurements of this kind.
        measured_only: Leave out samples without (matching) measurements.
    """
    from itertools import groupby

    query = _filtered(session, flt or SampleFilter())
    if label is not None:
        query = query.where(Sample.id == find_sample(session, label).id)
    sample_ids = query.with_only_columns(Sample.id).subquery()
    materials = {m.id: m.name for m in session.scalars(select(Material))}
    pellets: dict[int, Any] = {}
    for pellet in session.execute(
        select(Pellet.__table__)
        .where(Pellet.sample_id.in_(select(sample_ids.c.id)))
        .order_by(Pellet.id)
    ).mappings():
        pellets.setdefault(pellet["sample_id"], pellet)
    measurement_query = (
        select(Measurement.__table__)
        .where(Measurement.sample_id.in_(select(sample_ids.c.id)))
        .order_by(Measurement.sample_id, Measurement.id)
        .execution_options(yield_per=5000)
    )
    if kind is not None:
        measurement_query = measurement_query.where(Measurement.kind == kind)
    groups = groupby(session.execute(measurement_query).mappings(), key=lambda m: m["sample_id"])
    pending: Any = next(groups, None)
    sample_fields = [f for f in SampleRecord.model_fields if f not in _NOT_EXPORTED]
    pellet_fields = list(PelletRecord.model_fields)
    measurement_fields = list(MeasurementRecord.model_fields)
    for sample in session.execute(
        query.with_only_columns(Sample.__table__).execution_options(yield_per=5000)
    ).mappings():
        base: dict[str, Any] = {}
        for field in sample_fields:
            if field == "host":
                base[field] = materials.get(sample["host_id"])
            elif field == "scaffold":
                base[field] = materials.get(sample["scaffold_id"])
            elif field in ("host_mg", "scaffold_mg") and sample["masses_source"] != "weighed":
                base[field] = None
            else:
                base[field] = sample[field]
        first_pellet = pellets.get(sample["id"])
        for field in pellet_fields:
            base[f"pellet_{field}"] = first_pellet[field] if first_pellet is not None else None
        while pending is not None and pending[0] < sample["id"]:
            pending = next(groups, None)
        rows = []
        if pending is not None and pending[0] == sample["id"]:
            for measurement in pending[1]:
                row = dict(base)
                for field in measurement_fields:
                    value = measurement[field]
                    key = (
                        f"measurement_{field}"
                        if field in ("notes", "source", "citation")
                        else field
                    )
                    row[key] = value
                rows.append(row)
            pending = next(groups, None)
        if not rows and not measured_only:
            rows.append(dict(base))
        yield from rows


# --------------------------------------------------------------------------- measurements


def measurement_rows(
    session: Session, *, label: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Measurements with their ids, one row each (``matdoe measure list``).

    Args:
        session: Open session.
        label: Only this sample's (a missing label raises :class:`NotFoundError`).
        kind: Only this kind (``eis``, ``lsv``, ...).
    """
    query = select(Measurement, Sample.label).join(Sample).order_by(Sample.label, Measurement.id)
    if label is not None:
        query = query.where(Measurement.sample_id == find_sample(session, label).id)
    if kind is not None:
        query = query.where(Measurement.kind == kind)
    return [
        {
            "id": m.id,
            "sample": sample_label,
            "kind": m.kind,
            "temperature_c": None
            if m.temperature_k is None
            else round(m.temperature_k - 273.15, 2),
            "direction": m.direction,
            "resistance_ohm": m.resistance_ohm,
            "sigma_s_cm": m.sigma_s_cm,
            "sigma_std_s_cm": m.sigma_std_s_cm,
            "value": m.value,
            "unit": m.unit,
            "source": m.source,
            "raw_file": m.raw_file,
        }
        for m, sample_label in session.execute(query)
    ]


def samples_using(session: Session, material: Material) -> int:
    """How many samples are made with ``material`` (as host or scaffold)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Sample)
            .where(or_(Sample.host_id == material.id, Sample.scaffold_id == material.id))
        )
        or 0
    )


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
        if not math.isfinite(computed.sigma_s_cm) or computed.sigma_s_cm <= 0:
            raise InvalidRecordError(
                f"{where} of {label!r}: L/(R·A) = {computed.sigma_s_cm} S/cm is not a usable "
                "conductivity; check the resistance, thickness and area and their units"
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


def measurement_problems(values: dict[str, Any]) -> list[str]:
    """Implausible values of a conductivity measurement (temperature and its uncertainty, L, A,
    sigma), or of the value of another kind (an LSV potential, a critical current density)."""
    if values.get("kind") != "eis":
        value = canonical_value(values.get("kind") or "", values.get("value"), values.get("unit"))
        if value is None:
            return []
        # named as the user gave it: the measurement's value, not the guard's field
        return [p.replace(value[0], "value", 1) for p in problems(dict([value]))]
    return problems(
        {
            "temperature_k": values.get("temperature_k"),
            "thickness_cm": values.get("thickness_cm"),
            "area_cm2": values.get("area_cm2"),
            "sigma_s_cm": values.get("sigma_s_cm"),
            "temperature_std_k": values.get("temperature_std_k"),
        }
    )


def duplicate_of(session: Session, sample: Sample, sha256: str | None) -> Measurement | None:
    """The sample's measurement made from the same raw file (same SHA-256), if any."""
    if not sha256:
        return None
    return session.scalar(
        select(Measurement)
        .where(Measurement.sample_id == sample.id, Measurement.raw_sha256 == sha256)
        .order_by(Measurement.id)
        .limit(1)
    )


def add_measurement(
    session: Session,
    sample: Sample,
    record: MeasurementRecord,
    *,
    where: str = "measurement",
    force: bool = False,
    allow_duplicate: bool = False,
) -> Measurement:
    """Store a measurement; for impedance runs compute sigma = L/(R·A) with its uncertainty.

    Refuses, unless ``force``, implausible values (:mod:`matdoe.plausibility`; a forced value
    is noted in the history), and, unless ``allow_duplicate``, a raw file (same SHA-256) that
    this sample already has a measurement from.
    """
    pellet = sample.pellets[0] if sample.pellets else None
    values = measurement_values(record, label=sample.label, pellet=pellet, where=where)
    note = enforce(measurement_problems(values), force=force, where=f"{where} of {sample.label!r}")
    earlier = None if allow_duplicate else duplicate_of(session, sample, record.raw_sha256)
    if earlier is not None:
        raise DuplicateError(
            f"{where} of {sample.label!r}: the same file ({record.raw_file or 'same SHA-256'}) "
            f"is already measurement {earlier.id} ({earlier.raw_file or 'no file name'}, "
            f"{_celsius(earlier.temperature_k)}); see `matdoe measure list {sample.label}`, or "
            "store it again with --allow-duplicate"
        )
    same = None if allow_duplicate else _same_values(sample, values)
    if same is not None:
        # A command run twice (the shell's history) stores one reading as two: two runs of one
        # pellet at one temperature carry their run numbers, so that they stay two rows in an
        # export that `sample import` reads back (it refuses a row repeated exactly).
        raise DuplicateError(
            f"{where} of {sample.label!r} repeats measurement {same.id} exactly "
            f"({_celsius(same.temperature_k)}); if it is another run at this temperature, give "
            "it its run number (--run 2), or see `matdoe measure list "
            f"{sample.label}`"
        )
    measurement = Measurement(**values)
    annotate(measurement, note)
    sample.measurements.append(measurement)
    session.flush()
    return measurement


#: What makes two measurements of one sample the same reading (not their ids, dates or notes).
_READING = (
    "kind", "temperature_k", "direction", "run", "resistance_ohm", "sigma_s_cm", "value", "unit",
    "thickness_cm", "area_cm2", "details",
)  # fmt: skip


def _same_values(sample: Sample, values: dict[str, Any]) -> Measurement | None:
    """A measurement of ``sample`` with the same reading as ``values``, or None."""
    for other in sample.measurements:
        if all(getattr(other, key) == values.get(key) for key in _READING):
            return other
    return None


def store_raw_file(session: Session, name: str, content: bytes) -> RawFile:
    """Keep a raw file's bytes, content-addressed: the same bytes are stored once."""
    import hashlib

    digest = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(RawFile).where(RawFile.sha256 == digest))
    if existing is not None:
        return existing
    row = RawFile(sha256=digest, name=name, size_bytes=len(content), content=content)
    session.add(row)
    session.flush()
    return row


def find_raw_file(session: Session, measurement: Measurement) -> RawFile:
    """The raw file a measurement was made from.

    Raises:
        NotFoundError: The measurement has no raw file stored (made by ``measure add``, or
            stored before raw files were kept).
    """
    row = None
    if measurement.raw_sha256:
        row = session.scalar(select(RawFile).where(RawFile.sha256 == measurement.raw_sha256))
    if row is None:
        raise NotFoundError(
            f"measurement {measurement.id} has no stored raw file (it was added without one, or "
            "before raw files were kept); import the spectrum again with `matdoe measure eis`"
        )
    return row


def _celsius(temperature_k: float | None) -> str:
    return "no temperature" if temperature_k is None else f"{temperature_k - 273.15:.1f} °C"


def find_measurement(session: Session, measurement_id: int) -> Measurement:
    """A measurement by its id (``matdoe measure list`` shows them)."""
    # Ids are 32-bit: PostgreSQL refuses a larger one as "integer out of range" where SQLite
    # finds nothing; both say what it is.
    in_range = 1 <= measurement_id <= MAX_ID
    measurement = session.get(Measurement, measurement_id) if in_range else None
    if measurement is None:
        raise NotFoundError(
            f"unknown measurement {measurement_id}; `matdoe measure list LABEL` shows the ids"
        )
    return measurement


def update_measurement(
    session: Session,
    measurement_id: int,
    changes: dict[str, Any],
    *,
    force: bool = False,
    note: str | None = None,
) -> Measurement:
    """Correct fields of a measurement; sigma is recomputed from R, L and A when they change.

    A resistance-based conductivity is always L/(R·A): change R, L or A, never sigma itself
    (or set resistance_ohm to nothing and give sigma_s_cm). The sample's Arrhenius fits are
    refreshed; the history keeps the old version.
    """
    measurement = find_measurement(session, measurement_id)
    unknown = sorted(set(changes) - set(MeasurementRecord.model_fields))
    if unknown:
        raise InvalidRecordError(
            f"a measurement has no field {unknown[0]!r}; fields: "
            + ", ".join(MeasurementRecord.model_fields)
        )
    provenance = sorted({"raw_file", "raw_sha256"} & changes.keys())
    if provenance:
        raise InvalidRecordError(
            f"{provenance[0]} records the file this measurement was read from and cannot be "
            "edited; import the right file as a new measurement and delete this one"
        )
    current = measurement_record(measurement)
    derived = {"sigma_s_cm", "sigma_std_s_cm"}
    if current.get("resistance_ohm") is not None and not derived & changes.keys():
        # sigma follows from R, L and A: recompute it rather than keep the old value.
        for key in derived:
            current.pop(key, None)
    current.update(changes)
    record = parse_record(MeasurementRecord, current, where=f"measurement {measurement_id}")
    sample = measurement.sample
    pellet = measurement.pellet or (sample.pellets[0] if sample.pellets else None)
    values = measurement_values(
        record, label=sample.label, pellet=pellet, where=f"measurement {measurement_id}"
    )
    forced = enforce(
        measurement_problems(values), force=force, where=f"measurement {measurement_id}"
    )
    changed = [k for k, v in values.items() if getattr(measurement, k) != v]
    if not changed:
        raise InvalidRecordError(
            f"measurement {measurement_id} already has these values; nothing changed"
        )
    for key in changed:
        setattr(measurement, key, values[key])
    annotate(measurement, forced)
    annotate(measurement, note)
    session.flush()
    refresh_fits(session, sample)
    return measurement


def delete_measurement(
    session: Session, measurement_id: int, *, note: str | None = None
) -> Measurement:
    """Delete a measurement (its history keeps the last version); refreshes the fits."""
    measurement = find_measurement(session, measurement_id)
    sample = measurement.sample
    annotate(measurement, note)
    session.delete(measurement)
    session.flush()
    session.expire(sample, ["measurements"])
    refresh_fits(session, sample)
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


def record_history(session: Session, sample: Sample) -> list[Revision]:
    """Every revision of a sample, its pellets and its measurements (deleted ones too)."""
    from sqlalchemy import and_, or_

    return list(
        session.scalars(
            select(Revision)
            .where(
                or_(
                    and_(Revision.table_name == "sample", Revision.record_id == sample.id),
                    and_(
                        Revision.table_name.in_(("pellet", "measurement")),
                        Revision.record_key == sample.label,
                    ),
                )
            )
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


@dataclass(frozen=True)
class ArrheniusInputs:
    """What an Arrhenius fit of a sample's conductivities needs, with its error model.

    ``sigma_std_s_cm`` holds the part of each point's uncertainty that varies between
    temperatures (the resistance); when every point comes from one pellet geometry, the
    thickness and area errors are ``common_rel_std`` instead (they shift all points alike).
    """

    temperature_k: list[float]
    sigma_s_cm: list[float]
    sigma_std_s_cm: list[float] | None
    common_rel_std: float
    temperature_std_k: list[float] | None

    def fit(self, form: str) -> Any:
        """The Arrhenius fit (:func:`matdoe.conductivity.fit_arrhenius`) of these points."""
        from matdoe.conductivity import fit_arrhenius

        return fit_arrhenius(
            self.temperature_k,
            self.sigma_s_cm,
            sigma_std_s_cm=self.sigma_std_s_cm,
            form=form,
            common_rel_std=self.common_rel_std,
            temperature_std_k=self.temperature_std_k,
        )


def arrhenius_inputs(rows: Sequence[Any]) -> ArrheniusInputs:
    """Temperatures, conductivities and the error model of a sample's impedance measurements.

    ``rows`` are measurements, or any rows with their columns as attributes (temperature_k,
    temperature_std_k, sigma_s_cm, sigma_std_s_cm, resistance_ohm, resistance_std_ohm,
    thickness_cm, area_cm2).
    """
    from matdoe.conductivity import (
        DEFAULT_AREA_REL_STD,
        DEFAULT_RESISTANCE_REL_STD,
        DEFAULT_THICKNESS_STD_CM,
    )

    geometry = {(m.thickness_cm, m.area_cm2) for m in rows}
    one_pellet = (
        len(geometry) == 1
        and None not in next(iter(geometry))
        and all(m.resistance_ohm for m in rows)
    )
    stds: list[float | None] = []
    for m in rows:
        sigma = float(m.sigma_s_cm or 0.0)
        if one_pellet and m.resistance_ohm:
            r_std = m.resistance_std_ohm
            rel = (r_std / m.resistance_ohm) if r_std else DEFAULT_RESISTANCE_REL_STD
            stds.append(rel * sigma)
        else:
            stds.append(m.sigma_std_s_cm if m.sigma_std_s_cm and m.sigma_std_s_cm > 0 else None)
    common = 0.0
    if one_pellet:
        thickness, area = next(iter(geometry))
        assert thickness is not None and area is not None
        common = math.hypot(DEFAULT_THICKNESS_STD_CM / thickness, DEFAULT_AREA_REL_STD)
    t_std = [float(m.temperature_std_k or 0.0) for m in rows]
    return ArrheniusInputs(
        temperature_k=[float(m.temperature_k or 0.0) for m in rows],
        sigma_s_cm=[float(m.sigma_s_cm or 0.0) for m in rows],
        sigma_std_s_cm=None if any(v is None for v in stds) else [float(v or 0) for v in stds],
        common_rel_std=common,
        temperature_std_k=t_std if any(t_std) else None,
    )


def refresh_fits(session: Session, sample: Sample, *, form: str | None = None) -> Fit | None:
    """Recompute and store the sample's Arrhenius fits from its impedance measurements.

    Called whenever a conductivity is added, changed or deleted, so a stored Ea always matches
    the measurements. The default form (:data:`matdoe.conductivity.DEFAULT_FORM`) is always
    fitted, ``form`` too, and every form stored before is refreshed. With fewer than 3 distinct
    temperatures every stored fit is removed.

    Returns:
        The fit row of ``form`` (default form when None), or None with too few temperatures.
    """
    from matdoe import __version__
    from matdoe.conductivity import DEFAULT_FORM

    rows = conductivity_rows(session, sample)
    temperatures = {round(m.temperature_k or 0.0, 1) for m in rows}
    stored = [f for f in fits_for(session, sample) if f.kind == "arrhenius"]
    if len(temperatures) < 3:
        for old in stored:
            session.delete(old)
        session.flush()
        return None
    wanted = form or DEFAULT_FORM
    others = ({wanted} | {f.method.removeprefix("arrhenius-") for f in stored}) - {DEFAULT_FORM}
    forms = [DEFAULT_FORM, *sorted(others)]
    inputs = arrhenius_inputs(rows)
    result = None
    for each in forms:
        columns = fit_columns(inputs, each)
        method = f"arrhenius-{each}"
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
        for key, value in columns.items():
            setattr(row, key, value)
        row.package_version = __version__
        row.computed_at = utcnow()
        if each == wanted:
            result = row
    session.flush()
    return result


def fit_columns(inputs: ArrheniusInputs, form: str) -> dict[str, Any]:
    """The columns of a stored Arrhenius fit (table ``fit``) of ``inputs`` in ``form``."""
    fit = inputs.fit(form)
    return {
        "ea_ev": fit.ea_ev,
        "ea_std_ev": fit.ea_std_ev,
        "log10_prefactor": fit.log10_prefactor,
        "r2": fit.r2,
        "n_points": fit.n_points,
        "sigma_25c_s_cm": float(fit.sigma_at(298.15)),
        "sigma_30c_s_cm": float(fit.sigma_at(303.15)),
        "details": fit.to_dict(),
    }


def fit_form(fit: Fit) -> str:
    """The Arrhenius form of a stored fit, e.g. ``'sigma'``."""
    return (fit.details or {}).get("form") or fit.method.removeprefix("arrhenius-")


def fit_warnings(fit: Fit) -> list[str]:
    """The warnings stored with a fit (low R², two segments)."""
    return list((fit.details or {}).get("warnings") or [])


# --------------------------------------------------------------------------- bulk import


def add_samples(session: Session, records: Iterable[SampleRecord], *, force: bool = False) -> int:
    """Insert many samples with pellets and measurements in a few statements (imports).

    Same result as :func:`add_sample` for each record, history rows and fits included, with
    one multi-row INSERT per table and chunk (see :mod:`matdoe.db.bulk`). Everything is checked
    before the first INSERT; the caller's transaction makes it all-or-nothing. Implausible
    values are refused unless ``force`` (then noted in the history of the records concerned).
    """
    from matdoe.db.bulk import items_of, prepare_samples, write_samples

    with prepare_samples(session, items_of(records), force=force) as prepared:
        return write_samples(session, prepared)

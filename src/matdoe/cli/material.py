"""`matdoe material add|import|list|show|edit|delete`: the catalogue of salts and scaffolds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    FORMAT_OPTION,
    Format,
    confirm,
    info,
    key_values,
    new_app,
    output,
    parse_assignments,
    revision_lines,
    transaction,
)

app = new_app("The material catalogue: host salts and scaffold oxides (silicas).")

LIST_COLUMNS = [
    "name",
    "formula",
    "kind",
    "product",
    "bet_m2_g",
    "density_g_cm3",
    "density_method",
    "morphology",
    "supplier",
    "lot",
]


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="unique name, e.g. SiO2-A200"),
    formula: str = typer.Option(..., help="chemical formula, e.g. SiO2 or Na2B12H12"),
    kind: str = typer.Option(..., help="host, scaffold or other"),
    product: str | None = typer.Option(None, help="product name, e.g. 'Aerosil 200'"),
    supplier: str | None = typer.Option(None),
    lot: str | None = typer.Option(None, help="lot or batch number of the supplier"),
    density: str | None = typer.Option(None, help="density with its unit, e.g. 2.2g/cm3"),
    density_source: str | None = typer.Option(None, help="where the density comes from"),
    density_method: str | None = typer.Option(
        None,
        help="measured (pycnometry of this lot), reference (handbook, datasheet) or "
        "crystallographic (give --cell-volume and --cell-z; the density is computed)",
    ),
    cell_volume: float | None = typer.Option(
        None, "--cell-volume", help="unit-cell volume in Å³ (crystallographic density)"
    ),
    cell_z: int | None = typer.Option(None, "--cell-z", help="formula units per cell, Z"),
    bet: str | None = typer.Option(None, help="BET surface area with its unit, e.g. 191m2/g"),
    morphology: str | None = typer.Option(None, help="e.g. fumed, ordered mesoporous"),
    citation: str | None = typer.Option(None, help="DOI or reference for the values"),
    notes: str | None = typer.Option(None),
) -> None:
    """Add a material to the catalogue."""
    from matdoe import units
    from matdoe.db.store import add_material
    from matdoe.records import MaterialRecord, parse_record

    record = parse_record(
        MaterialRecord,
        {
            "name": name,
            "formula": formula,
            "kind": kind,
            "product": product,
            "supplier": supplier,
            "lot": lot,
            "density_g_cm3": units.parse_optional(density, "density", name="--density"),
            "density_source": density_source,
            "density_method": density_method,
            "cell_volume_a3": cell_volume,
            "cell_formula_units": cell_z,
            "bet_m2_g": units.parse_optional(bet, "specific_area", name="--bet"),
            "morphology": morphology,
            "citation": citation,
            "notes": notes,
        },
    )
    with transaction(ctx) as session:
        add_material(session, record)
    info(f"added material {record.name} ({record.formula}, {record.kind})")


@app.command("import")
def import_materials(
    ctx: typer.Context, path: Path = typer.Argument(..., help="CSV, JSON or YAML file")
) -> None:
    """Add every material of a file (all or nothing)."""
    from matdoe.db.store import add_material
    from matdoe.tables import read_materials

    records = read_materials(path)
    with transaction(ctx) as session:
        for record in records:
            add_material(session, record)
    info(f"added {len(records)} materials from {path.name}")


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: str | None = typer.Option(None, help="only host, scaffold or other"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the catalogue."""
    from matdoe.db.store import list_materials, material_row

    with transaction(ctx, read_only=True) as session:
        rows = [material_row(m) for m in list_materials(session, kind=kind)]
    columns = LIST_COLUMNS if fmt == Format.table else None
    output(rows, fmt, columns, empty="no materials yet; add one with `matdoe material add`")


@app.command("show")
def show(ctx: typer.Context, name: str = typer.Argument(...), fmt: Format = FORMAT_OPTION) -> None:
    """Show one material with every field."""
    from matdoe.chem import density_derivation
    from matdoe.db.store import find_material, history, material_row

    with transaction(ctx, read_only=True) as session:
        material = find_material(session, name)
        row = material_row(material)
        revisions = history(session, "material", material.id)
        lines = revision_lines(revisions, main="material")
    if fmt == Format.table:
        pairs: list[tuple[str, Any]] = list(row.items())
        derivation = density_derivation(
            row["formula"],
            row.get("density_g_cm3"),
            row.get("density_method"),
            row.get("cell_volume_a3"),
            row.get("cell_formula_units"),
        )
        if derivation:
            pairs.append(("density derivation", derivation))
        typer.echo(key_values(pairs))
        if lines:
            typer.echo("\nHistory\n" + "\n".join(lines))
    else:
        output([row], fmt)


@app.command("edit")
def edit(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="field=value, e.g. --set density_g_cm3=2.25g/cm3 --set density_method=measured "
        "--set density_source='He pycnometry, 2026-11-30'",
    ),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Correct a material; the old version stays in its history."""
    from matdoe.db.store import find_material, samples_using, update_material

    changes = parse_assignments(set_)
    with transaction(ctx) as session:
        material = find_material(session, name)
        confirm(f"change material {material.name} ({', '.join(changes)})?", yes=yes)
        old_density = material.density_g_cm3
        update_material(session, material.name, changes, note=reason)
        used = samples_using(session, material)
        new_density, shown = material.density_g_cm3, material.name
    info(f"updated material {shown}: " + ", ".join(changes))
    if used and old_density != new_density:
        info(
            f"  note: {used} sample(s) use {shown}; their vol% are the nominal values they were "
            f"recorded with, and masses derived before this change used {old_density} g/cm³"
        )


@app.command("delete")
def delete(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Delete a material that no sample uses (its last version stays in the history)."""
    from matdoe.db.history import annotate
    from matdoe.db.store import delete_material, find_material

    with transaction(ctx) as session:
        material = find_material(session, name)
        confirm(f"delete material {material.name}?", yes=yes)
        annotate(material, reason)
        delete_material(session, material.name)
        shown = material.name
    info(f"deleted material {shown}")

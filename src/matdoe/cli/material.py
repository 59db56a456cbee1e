"""`matdoe material add|list|show`: the catalogue of salts and scaffolds."""

from __future__ import annotations

from pathlib import Path

import typer

from matdoe.cli.common import FORMAT_OPTION, Format, info, key_values, new_app, output, transaction

app = new_app("The material catalogue: host salts and scaffold oxides (silicas).")

LIST_COLUMNS = [
    "name",
    "formula",
    "kind",
    "product",
    "bet_m2_g",
    "density_g_cm3",
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
    density: str | None = typer.Option(None, help="density, e.g. '2.2 g/cm3'"),
    density_source: str | None = typer.Option(None, help="where the density comes from"),
    bet: float | None = typer.Option(None, help="BET surface area in m²/g"),
    morphology: str | None = typer.Option(None, help="e.g. fumed, ordered mesoporous"),
    citation: str | None = typer.Option(None, help="DOI or reference for the values"),
    notes: str | None = typer.Option(None),
) -> None:
    """Add a material to the catalogue."""
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
            "density_g_cm3": density,
            "density_source": density_source,
            "bet_m2_g": bet,
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
    from matdoe.db.store import find_material, material_row

    with transaction(ctx, read_only=True) as session:
        row = material_row(find_material(session, name))
    if fmt == Format.table:
        typer.echo(key_values(list(row.items())))
    else:
        output([row], fmt)

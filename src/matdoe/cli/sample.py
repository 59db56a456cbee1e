"""`matdoe sample add|import|list|show|edit`: batches and their recipes."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    FORMAT_OPTION,
    Format,
    info,
    is_terminal,
    key_values,
    new_app,
    open_database,
    output,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app("Batches: record, import, list and show samples with their recipes.")

LIST_COLUMNS = [
    "label",
    "scaffold",
    "scaffold_vol_pct",
    "milling_h",
    "host_mg",
    "scaffold_mg",
    "made_on",
    "source",
    "n_measurements",
    "sigma_30c_s_cm",
    "sigma_60c_s_cm",
]


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError(
            f"{name}: {value!r} is not a date; write it as 2026-11-24"
        ) from None


def _ask(value: Any, prompt: str, name: str, default: Any = None) -> Any:
    """The value, else a prompt in a terminal, else a clear error (never a prompt in a pipe)."""
    if value is not None:
        return value
    if is_terminal():
        return typer.prompt(prompt, default=default, show_default=default is not None)
    if default is not None:
        return default
    raise InvalidRecordError(f"missing {name}; give it on the command line (see --help)")


@app.command("add")
def add(
    ctx: typer.Context,
    label: str | None = typer.Option(None, "--label", "-l", help="unique label of the batch"),
    host: str | None = typer.Option(None, help="host salt material, e.g. Na2B12H12"),
    scaffold: str | None = typer.Option(
        None, "--scaffold", "--silica", help="scaffold material, e.g. SiO2-A200 or A200"
    ),
    vol: float | None = typer.Option(None, "--vol", help="nominal vol% scaffold (0-100)"),
    milling: str | None = typer.Option(None, "--milling", help="total milling time, e.g. 4h"),
    batch: str | None = typer.Option(None, help="batch mass (default 500 mg, as in the paper)"),
    host_mass: str | None = typer.Option(None, "--host-mass", help="weighed salt, e.g. 265.4mg"),
    scaffold_mass: str | None = typer.Option(
        None, "--scaffold-mass", help="weighed scaffold, e.g. 234.6mg"
    ),
    rpm: float | None = typer.Option(None, help="mill speed (default 400 rpm)"),
    bpr: float | None = typer.Option(None, help="ball-to-powder mass ratio (default 140)"),
    on_min: float | None = typer.Option(None, help="milling step, minutes (default 5)"),
    off_min: float | None = typer.Option(None, help="pause step, minutes (default 5)"),
    atmosphere: str | None = typer.Option(None, help="default Ar"),
    made_on: str | None = typer.Option(None, help="date made, YYYY-MM-DD (default today)"),
    operator: str | None = typer.Option(None),
    thickness: str | None = typer.Option(None, help="pellet thickness, e.g. 320um"),
    area: str | None = typer.Option(None, help="pellet area, e.g. 0.785cm2"),
    from_suggestion: int | None = typer.Option(
        None, "--from-suggestion", help="id of the suggestion this batch realises"
    ),
    status: str = typer.Option("made", help="planned, made or discarded"),
    notes: str | None = typer.Option(None),
    paper_programme: bool = typer.Option(
        True, help="fill unset milling settings with the paper's programme (and say so)"
    ),
) -> None:
    """Record a batch. Missing required values are asked for in a terminal."""
    from matdoe.db.store import PAPER_PROGRAMME, add_sample
    from matdoe.records import SampleRecord, parse_record

    values: dict[str, Any] = {}
    if from_suggestion is not None:
        values = _suggested_values(ctx, from_suggestion)
    label = _ask(label, "Label of the batch", "--label")
    host = _ask(host, "Host salt", "--host", default="Na2B12H12")
    scaffold = scaffold or values.get("scaffold")
    if scaffold is None and vol is None and is_terminal():
        scaffold = typer.prompt("Scaffold (blank for none)", default="", show_default=False) or None
    vol = vol if vol is not None else values.get("scaffold_vol_pct")
    if scaffold is not None:
        vol = _ask(vol, "vol% scaffold", "--vol")
    milling = milling if milling is not None else values.get("milling_h")
    if milling is None and is_terminal():
        milling = (
            typer.prompt("Milling time, e.g. 4h (blank if unknown)", default="", show_default=False)
            or None
        )
    data: dict[str, Any] = {
        "label": label,
        "host": host,
        "scaffold": scaffold,
        "scaffold_vol_pct": vol if vol is not None else 0.0,
        "milling_h": milling,
        "batch_mg": batch,
        "host_mg": host_mass,
        "scaffold_mg": scaffold_mass,
        "milling_rpm": rpm,
        "ball_to_powder": bpr,
        "mill_on_min": on_min,
        "mill_off_min": off_min,
        "atmosphere": atmosphere,
        "made_on": _date(made_on, "--made-on") or dt.date.today(),
        "operator": operator,
        "status": status,
        "notes": notes,
        "suggestion_id": from_suggestion,
    }
    if thickness or area:
        data["pellet"] = {"thickness_cm": thickness, "area_cm2": area}
    assumed = []
    if paper_programme:
        for key, default in PAPER_PROGRAMME.items():
            if data.get(key) is None and not (key == "batch_mg" and host_mass):
                data[key] = default
                assumed.append(key)
    record = parse_record(SampleRecord, data)
    with transaction(ctx) as session:
        sample = add_sample(session, record)
        masses = (sample.host_mg, sample.scaffold_mg, sample.masses_source)
        names = (sample.host.name, sample.scaffold.name if sample.scaffold else None)
    info(f"added sample {record.label}")
    if masses[0] is not None:
        info(
            f"  masses ({masses[2]}): {masses[0]:.1f} mg {names[0]}"
            + (f" + {masses[1]:.1f} mg {names[1]}" if names[1] else "")
        )
    if assumed:
        info(
            "  assumed the paper's programme for: "
            + ", ".join(assumed)
            + " (--no-paper-programme to leave them empty)"
        )


def _suggested_values(ctx: typer.Context, suggestion_id: int) -> dict[str, Any]:
    from matdoe.campaign import suggestion_recipe

    with transaction(ctx, read_only=True) as session:
        return suggestion_recipe(session, suggestion_id)


@app.command("import")
def import_samples(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="CSV, JSON or YAML; see schemas/sample.schema.json"),
) -> None:
    """Add every sample of a file with its measurements: all of them, or none."""
    from matdoe.db import session_factory
    from matdoe.db.bulk import prepare_samples, write_samples
    from matdoe.tables import iter_samples

    engine, factory = open_database(ctx)
    # Checked and computed first without any lock, then written in one short transaction.
    with session_factory(engine, read_only=True).begin() as session:
        prepared = prepare_samples(session, iter_samples(path))
    with prepared, factory.begin() as session:
        write_samples(session, prepared)
    info(
        f"imported {prepared.n_samples} samples with {prepared.n_measurements} measurements "
        f"from {path.name}"
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    silica: str | None = typer.Option(None, "--silica", "--scaffold", help="only this scaffold"),
    vol_min: float | None = typer.Option(None, help="lowest vol% scaffold"),
    vol_max: float | None = typer.Option(None, help="highest vol% scaffold"),
    milling_min: str | None = typer.Option(None, help="shortest milling time, e.g. 2h"),
    milling_max: str | None = typer.Option(None, help="longest milling time, e.g. 8h"),
    since: str | None = typer.Option(None, help="made on or after YYYY-MM-DD"),
    until: str | None = typer.Option(None, help="made on or before YYYY-MM-DD"),
    source: str | None = typer.Option(None, help="measured, paper or simulated"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List samples with their recipe and best conductivity near 30 and 60 °C."""
    from matdoe import units
    from matdoe.db.store import SampleFilter, list_samples

    flt = SampleFilter(
        scaffold=silica,
        vol_min=vol_min,
        vol_max=vol_max,
        milling_min_h=units.parse_optional(milling_min, "time", name="--milling-min"),
        milling_max_h=units.parse_optional(milling_max, "time", name="--milling-max"),
        made_from=_date(since, "--since"),
        made_to=_date(until, "--until"),
        source=source,
    )
    with transaction(ctx, read_only=True) as session:
        rows = list_samples(session, flt)
    output(
        rows,
        fmt,
        LIST_COLUMNS if fmt == Format.table else None,
        empty="no samples match; add one with `matdoe sample add`",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    label: str = typer.Argument(...),
    fmt: Format = FORMAT_OPTION,
    history: bool = typer.Option(True, help="list earlier versions of the record"),
) -> None:
    """Show a sample: recipe, pellet, measurements, fits and the history of edits."""
    from matdoe.db.store import find_sample, sample_record

    with transaction(ctx, read_only=True) as session:
        sample = find_sample(session, label)
        record = sample_record(sample, with_measurements=True)
        view = _sample_view(session, sample, with_history=history)
    if fmt != Format.table:
        output([record.model_dump(mode="json")], fmt)
        return
    typer.echo(view)


def _sample_view(session: Any, sample: Any, *, with_history: bool) -> str:
    from matdoe.db.store import changes_between, fits_for, history

    parts = [f"Sample {sample.label}"]
    recipe = [
        ("host", f"{sample.host.name} ({sample.host.formula})"),
        (
            "scaffold",
            f"{sample.scaffold.name} ({sample.scaffold.formula})" if sample.scaffold else "none",
        ),
        ("scaffold_vol_pct", sample.scaffold_vol_pct),
        ("host_mg", sample.host_mg),
        ("scaffold_mg", sample.scaffold_mg),
        ("batch_mg", sample.batch_mg),
        ("masses", sample.masses_source),
        ("milling_h", sample.milling_h),
        ("milling_rpm", sample.milling_rpm),
        ("ball_to_powder", sample.ball_to_powder),
        (
            "programme",
            f"{sample.mill_on_min:g} min on / {sample.mill_off_min:g} min off"
            if sample.mill_on_min is not None and sample.mill_off_min is not None
            else None,
        ),
        (
            "jar/balls",
            f"{sample.jar_material or '?'} / {sample.ball_material or '?'}"
            if sample.jar_material or sample.ball_material
            else None,
        ),
        ("atmosphere", sample.atmosphere),
        ("made_on", sample.made_on),
        ("operator", sample.operator),
        ("status", sample.status),
        ("source", sample.source),
        ("citation", sample.citation),
        ("suggestion", sample.suggestion_id),
        ("notes", sample.notes),
    ]
    parts.append(key_values(recipe))
    for pellet in sample.pellets:
        parts.append(
            "\nPellet\n"
            + key_values(
                [
                    ("thickness_cm", pellet.thickness_cm),
                    ("area_cm2", pellet.area_cm2),
                    ("pressure_mpa", pellet.pressure_mpa),
                    ("mass_mg", pellet.mass_mg),
                ]
            )
        )
    eis = [m for m in sample.measurements if m.kind == "eis"]
    if eis:
        from matdoe.cli.common import render

        rows = [
            {
                "T_C": round(m.temperature_k - 273.15, 2),
                "direction": m.direction,
                "R_ohm": m.resistance_ohm,
                "L_cm": m.thickness_cm,
                "A_cm2": m.area_cm2,
                "sigma_S_cm": m.sigma_s_cm,
                "sigma_std": m.sigma_std_s_cm,
                "source": m.source,
                "file": m.raw_file,
            }
            for m in sorted(eis, key=lambda m: (m.temperature_k, m.id))
        ]
        parts.append("\nConductivity (every run)\n" + render(rows, Format.table))
        from matdoe.conductivity import aggregate_runs

        summary = aggregate_runs(
            [m.temperature_k for m in eis],
            [m.sigma_s_cm for m in eis],
            sigma_std_s_cm=[m.sigma_std_s_cm or 0.0 for m in eis],
        )
        if any(r.n_runs > 1 for r in summary):
            per_t = [
                {
                    "T_C": round(r.temperature_k - 273.15, 2),
                    "runs": r.n_runs,
                    "sigma_mean_S_cm": r.sigma_mean_s_cm,
                    "sigma_std": r.sigma_std_s_cm,
                }
                for r in summary
            ]
            parts.append(
                "\nConductivity per temperature (mean ± std over runs)\n"
                + render(per_t, Format.table)
            )
    other = [m for m in sample.measurements if m.kind != "eis"]
    if other:
        from matdoe.cli.common import render

        rows = [
            {
                "kind": m.kind,
                "value": m.value,
                "unit": m.unit,
                "T_C": round(m.temperature_k - 273.15, 2) if m.temperature_k else None,
                "details": m.details,
                "source": m.source,
            }
            for m in other
        ]
        parts.append("\nOther characterisation\n" + render(rows, Format.table))
    cited = sorted({m.citation for m in sample.measurements if m.citation})
    if cited:
        parts.append("\nSources: " + "; ".join(cited))
    for fit in fits_for(session, sample):
        sigma_30 = f"{fit.sigma_30c_s_cm:.3g} S/cm" if fit.sigma_30c_s_cm else "—"
        parts.append(
            f"\nArrhenius ({fit.method}): Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV, "
            f"R² = {fit.r2:.4f}, n = {fit.n_points}, sigma(30 °C) = {sigma_30} "
            f"[matdoe {fit.package_version}]"
        )
    if with_history:
        revisions = history(session, "sample", sample.id)
        if len(revisions) > 1:
            lines = ["\nHistory"]
            for older, newer in itertools.pairwise(revisions):
                changed = changes_between(older.data, newer.data)
                text = "; ".join(f"{k}: {a!r} → {b!r}" for k, (a, b) in changed.items())
                lines.append(f"  {newer.changed_at:%Y-%m-%d %H:%M} {newer.changed_by}: {text}")
            lines.append(
                f"  {revisions[0].changed_at:%Y-%m-%d %H:%M} {revisions[0].changed_by}: created"
            )
            parts.append("\n".join(lines))
    return "\n".join(parts)


@app.command("edit")
def edit(
    ctx: typer.Context,
    label: str = typer.Argument(...),
    set_: list[str] = typer.Option(
        [], "--set", help="field=value, e.g. --set milling_h=4h --set notes='re-milled'"
    ),
) -> None:
    """Change fields of a sample; the earlier version stays in its history."""
    from matdoe.db.store import update_sample

    if not set_:
        raise InvalidRecordError("nothing to change; give --set field=value")
    changes: dict[str, Any] = {}
    for item in set_:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRecordError(f"--set {item!r}: write it as field=value")
        changes[key.strip()] = value.strip() or None
    with transaction(ctx) as session:
        update_sample(session, label, changes)
    info(f"updated {label}: " + ", ".join(changes))

"""`matdoe sample add|import|list|show|edit`: batches and their recipes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    FORCE_OPTION_HELP,
    FORMAT_OPTION,
    Format,
    info,
    is_terminal,
    key_values,
    new_app,
    open_database,
    output,
    parse_assignments,
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


def _ask(
    value: Any,
    prompt: str,
    option: str,
    check: Any = None,
    *,
    default: Any = None,
    optional: bool = False,
) -> Any:
    """The value, else a prompt in a terminal (re-asked until ``check`` accepts it).

    Without a terminal a missing required value is an error naming the option, never a silent
    default; an optional one stays None. ``check`` validates (and may convert) an answer at
    once, so a bad answer is asked again instead of failing after the last prompt.
    """
    if value is not None:
        return value
    if not is_terminal():
        if optional:
            return None
        raise InvalidRecordError(
            f"missing {option}; give it on the command line (there is no terminal to ask in)"
        )
    while True:
        answer = typer.prompt(
            prompt,
            default=default if default is not None else ("" if optional else None),
            show_default=default is not None,
            err=True,
        )
        answer = answer.strip() if isinstance(answer, str) else answer
        if optional and answer in ("", None):
            return None
        try:
            return check(answer) if check is not None else answer
        except InvalidRecordError as exc:
            typer.secho(f"  {exc}; try again", err=True, fg=typer.colors.YELLOW)


def _check_quantity(kind: str, option: str) -> Any:
    from matdoe import units

    def check(text: str) -> str:
        units.parse(text, kind, name=option)
        return text

    return check


def _check_vol(text: str) -> float:
    try:
        value = float(str(text).strip().removesuffix("%").removesuffix("vol").strip())
    except ValueError:
        raise InvalidRecordError(f"{text!r} is not a vol% (a number from 0 to 100)") from None
    if not 0 <= value <= 100:
        raise InvalidRecordError(f"{value:g} vol% is outside 0–100")
    return value


NO_SCAFFOLD = ("none", "-", "no")


def _no_scaffold(changes: dict[str, Any]) -> dict[str, Any]:
    """``--set scaffold=none`` (or empty) of an edit means what ``add --scaffold none`` means.

    No scaffold and 0 vol%; a vol% above 0 in the same edit is refused, as ``add`` refuses
    ``--vol`` with ``--scaffold none``.
    """
    if "scaffold" not in changes:
        return changes
    scaffold = changes["scaffold"]
    if scaffold is not None and scaffold.strip().lower() not in NO_SCAFFOLD:
        return changes
    vol = changes.get("scaffold_vol_pct")
    if vol is not None and _check_vol(vol) != 0:
        raise InvalidRecordError(
            f"--set scaffold_vol_pct={vol} needs a scaffold; a batch without one is 0 vol% "
            "(leave scaffold_vol_pct out, or name the scaffold)"
        )
    return {**changes, "scaffold": None, "scaffold_vol_pct": 0.0}


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
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
) -> None:
    """Record a batch. Missing required values are asked for in a terminal."""
    from matdoe import units
    from matdoe.db.store import PAPER_PROGRAMME, add_sample
    from matdoe.records import SampleRecord, parse_record

    values: dict[str, Any] = {}
    if from_suggestion is not None:
        values = _suggested_values(ctx, from_suggestion)
    label = _ask(label, "Label of the batch", "--label")
    host = _ask(host or values.get("host"), "Host salt (e.g. Na2B12H12)", "--host")
    scaffold = scaffold or values.get("scaffold")
    vol = vol if vol is not None else values.get("scaffold_vol_pct")
    if scaffold is None and vol is None:
        scaffold = _ask(
            None,
            "Scaffold (e.g. SiO2-A200; 'none' for the salt alone)",
            "--scaffold (or --scaffold none)",
        )
    if scaffold is not None and scaffold.strip().lower() in NO_SCAFFOLD:
        scaffold = None
        if vol not in (None, 0, 0.0):
            raise InvalidRecordError(f"--vol {vol:g} needs a scaffold; give --scaffold")
        vol = 0.0
    if scaffold is not None:
        vol = _ask(vol, "vol% scaffold (0-100)", "--vol", _check_vol)
    milling = milling if milling is not None else values.get("milling_h")
    if milling is not None and not isinstance(milling, str):
        milling = f"{milling}h"  # a suggestion's milling_h is in hours
    milling = _ask(
        milling,
        "Milling time, e.g. 4h (blank if not known)",
        "--milling",
        _check_quantity("time", "--milling"),
        optional=True,
    )
    data: dict[str, Any] = {
        "label": label,
        "host": host,
        "scaffold": scaffold,
        "scaffold_vol_pct": vol if vol is not None else 0.0,
        "milling_h": units.parse_optional(milling, "time", name="--milling"),
        "batch_mg": units.parse_optional(batch, "mass", name="--batch"),
        "host_mg": units.parse_optional(host_mass, "mass", name="--host-mass"),
        "scaffold_mg": units.parse_optional(scaffold_mass, "mass", name="--scaffold-mass"),
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
        data["pellet"] = {
            "thickness_cm": units.parse_optional(thickness, "length", name="--thickness"),
            "area_cm2": units.parse_optional(area, "area", name="--area"),
        }
    weighed = bool(host_mass or scaffold_mass)  # the batch is then what was weighed
    skip = {"scaffold", "scaffold_vol_pct", "milling_h", *(("batch_mg",) if weighed else ())}
    for key, value in values.items():  # the rest of the suggestion's campaign recipe
        if data.get(key) is None and key not in skip:
            data[key] = value
    assumed = []
    if paper_programme:
        for key, default in PAPER_PROGRAMME.items():
            if data.get(key) is None and not (key == "batch_mg" and weighed):
                data[key] = default
                assumed.append(key)
    record = parse_record(SampleRecord, data)
    with transaction(ctx) as session:
        sample = add_sample(session, record, force=force)
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
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
) -> None:
    """Add every sample of a file with its measurements: all of them, or none."""
    from matdoe.db import session_factory
    from matdoe.db.bulk import prepare_samples, write_samples
    from matdoe.tables import Problems, iter_samples

    engine, factory = open_database(ctx)
    problems = Problems(path.name)
    notes: list[str] = []
    # Checked and computed first without any lock, then written in one short transaction.
    with session_factory(engine, read_only=True).begin() as session:
        items = iter_samples(path, problems=problems, notes=notes)
        prepared = prepare_samples(session, items, force=force, problems=problems)
    for note in notes:
        info(note)
    with prepared, factory.begin() as session:
        write_samples(session, prepared)
    info(
        f"imported {prepared.n_samples} samples with {prepared.n_measurements} measurements "
        f"from {path.name}"
    )


def _check_filter(flt: Any) -> None:
    """Refuse filters that can only match nothing by mistake: NaN, reversed ranges, a bad source."""
    import math

    if flt.scaffold is not None and not flt.scaffold.strip():
        # empty, it filtered nothing: every sample was listed as if of that scaffold
        raise InvalidRecordError("--silica is empty; give a scaffold, e.g. A200, or leave it out")
    for name, value in (("--vol-min", flt.vol_min), ("--vol-max", flt.vol_max)):
        if value is not None and not math.isfinite(value):
            raise InvalidRecordError(f"{name} {value}: give a number of vol%, e.g. 20")
    pairs = (
        ("--vol-min", flt.vol_min, "--vol-max", flt.vol_max),
        ("--milling-min", flt.milling_min_h, "--milling-max", flt.milling_max_h),
        ("--since", flt.made_from, "--until", flt.made_to),
    )
    for low_name, low, high_name, high in pairs:
        if low is not None and high is not None and low > high:
            raise InvalidRecordError(f"{low_name} lies above {high_name}: nothing can match")
    if flt.source is not None and flt.source not in ("measured", "paper", "simulated"):
        raise InvalidRecordError(f"--source {flt.source!r}: use measured, paper or simulated")


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
    """List samples with their recipe and best conductivity near 30 and 60 °C.

    ``-f csv`` writes every field, one row per measurement: the layout `matdoe sample import`
    reads, so a list exported to a spreadsheet imports back unchanged; ``-f json`` the same as
    sample objects with nested measurements.
    """
    from matdoe import units
    from matdoe.cli.common import nested_samples, stream_csv
    from matdoe.db.store import SampleFilter, flat_columns, flat_rows, list_samples

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
    _check_filter(flt)
    with transaction(ctx, read_only=True) as session:
        if fmt == Format.csv:
            stream_csv(flat_rows(session, flt), flat_columns())
            return
        if fmt == Format.json:
            output(nested_samples(flat_rows(session, flt)), fmt)
            return
        rows = list_samples(session, flt)
    output(rows, fmt, LIST_COLUMNS, empty="no samples match; add one with `matdoe sample add`")


@app.command("show")
def show(
    ctx: typer.Context,
    label: str = typer.Argument(...),
    fmt: Format = FORMAT_OPTION,
    history: bool = typer.Option(True, help="list earlier versions of the record"),
) -> None:
    """Show a sample: recipe, pellet, measurements, fits and the history of edits.

    ``-f csv`` gives the sample's flat rows (as `sample list -f csv`), ``-f json`` the sample
    object with its pellet and measurements (both import back with `sample import`).
    """
    from matdoe.cli.common import stream_csv
    from matdoe.db.store import find_sample, flat_columns, flat_rows, sample_record

    with transaction(ctx, read_only=True) as session:
        sample = find_sample(session, label)
        if fmt == Format.csv:
            stream_csv(flat_rows(session, label=label), flat_columns())
            return
        record = sample_record(sample, with_measurements=True)
        view = _sample_view(session, sample, with_history=history)
    if fmt == Format.json:
        output([record.dump()], fmt)
        return
    typer.echo(view)


def _sample_view(session: Any, sample: Any, *, with_history: bool) -> str:
    from matdoe.db.store import fits_for

    parts = [f"Sample {sample.label}"]
    recipe = [
        ("host", f"{sample.host.name} ({sample.host.formula})"),
        (
            "scaffold",
            f"{sample.scaffold.name} ({sample.scaffold.formula})" if sample.scaffold else "none",
        ),
        (
            "scaffold_vol_pct",
            "not stated" if sample.scaffold_vol_pct is None else sample.scaffold_vol_pct,
        ),
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
        from matdoe.analysis import describe_fit

        sigma_30 = f"{fit.sigma_30c_s_cm:.3g} S/cm" if fit.sigma_30c_s_cm else "—"
        parts.append(
            f"\nArrhenius: {describe_fit(fit)}; sigma(30 °C) = {sigma_30} "
            f"[matdoe {fit.package_version}]"
        )
    if with_history:
        lines = history_lines(session, sample)
        if lines:
            parts.append("\nHistory\n" + "\n".join(lines))
    return "\n".join(parts)


def history_lines(session: Any, sample: Any) -> list[str]:
    """Every change of the sample, its pellets and its measurements, oldest first."""
    from matdoe.cli.common import revision_lines
    from matdoe.db.store import record_history

    return revision_lines(record_history(session, sample), main="sample")


@app.command("edit")
def edit(
    ctx: typer.Context,
    label: str = typer.Argument(...),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="field=value, e.g. --set milling_h=4h --set notes='re-milled' "
        "--set pellet.thickness_cm=320um; --set scaffold=none for the salt alone (0 vol%); "
        """--set 'extra={"jar": "J2"}' (a JSON object)""",
    ),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
) -> None:
    """Change fields of a sample or its pellet; the earlier version stays in its history."""
    from matdoe.db.history import annotate
    from matdoe.db.store import refresh_fits, update_sample

    changes = _no_scaffold(parse_assignments(set_))
    if isinstance(changes.get("extra"), str):
        from matdoe.tables import parse_json

        # As in an import file's extra column: a JSON object (checked by the record).
        changes["extra"] = parse_json(changes["extra"], "--set extra")
    with transaction(ctx) as session:
        sample = update_sample(session, label, changes, force=force)
        annotate(sample, reason)
        if any(k.startswith("pellet.") for k in changes):
            session.flush()
            refresh_fits(session, sample)
    info(f"updated {label}: " + ", ".join(changes))

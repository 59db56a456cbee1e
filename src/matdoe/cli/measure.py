"""`matdoe measure add|eis|list`: conductivities and other characterisation of a sample."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import FORMAT_OPTION, Format, info, new_app, output, transaction
from matdoe.errors import InvalidRecordError

app = new_app("Measurements: conductivity from R, L and A or from impedance spectra, and more.")

KIND_HELP = (
    "eis (conductivity), dc_polarisation (transference number), lsv (oxidative onset, V), "
    "ccd (critical current density, mA/cm2), symmetric_cycling, full_cell_cycling, other"
)


def _details(items: list[str]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InvalidRecordError(f"--detail {item!r}: write it as key=value")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out or None


@app.command("add")
def add(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    temperature: str | None = typer.Option(None, "--temperature", "-t", help="e.g. 60C or 333K"),
    sigma: str | None = typer.Option(None, help="conductivity, e.g. 1.4mS/cm"),
    sigma_std: str | None = typer.Option(None, help="its standard deviation, e.g. 0.1mS/cm"),
    resistance: str | None = typer.Option(None, "--resistance", "-r", help="e.g. 850ohm"),
    resistance_std: str | None = typer.Option(None, help="e.g. 10ohm (default 2 % of R)"),
    thickness: str | None = typer.Option(None, help="pellet thickness L, e.g. 320um"),
    area: str | None = typer.Option(None, help="electrode area A, e.g. 0.785cm2"),
    direction: str | None = typer.Option(None, help="heating or cooling"),
    run: int | None = typer.Option(None, help="run number at this temperature"),
    kind: str = typer.Option("eis", help=KIND_HELP),
    value: float | None = typer.Option(None, help="the value of a non-eis measurement"),
    unit: str | None = typer.Option(None, help="its unit, e.g. V, mA/cm2, %"),
    detail: list[str] = typer.Option([], help="condition key=value, e.g. c_rate=0.1, cycles=50"),
    source: str = typer.Option("measured", help="measured, paper or simulated"),
    citation: str | None = typer.Option(None, help="DOI and where, for values from a paper"),
    measured_on: str | None = typer.Option(None, help="YYYY-MM-DD (default today)"),
    notes: str | None = typer.Option(None),
) -> None:
    """Add a measurement; with R, L and A the conductivity sigma = L/(R·A) is computed."""
    from matdoe.db.store import add_measurement, find_sample, refresh_fits
    from matdoe.records import MeasurementRecord, parse_record

    if kind == "eis" and sigma is None and resistance is None:
        raise InvalidRecordError(
            "give --sigma, or --resistance with --thickness and --area (sigma = L/(R·A))"
        )
    try:
        day = dt.date.fromisoformat(measured_on) if measured_on else dt.date.today()
    except ValueError:
        raise InvalidRecordError(f"--measured-on {measured_on!r}: write it as 2026-11-24") from None
    record = parse_record(
        MeasurementRecord,
        {
            "kind": kind,
            "temperature_k": temperature,
            "sigma_s_cm": sigma,
            "sigma_std_s_cm": sigma_std,
            "resistance_ohm": resistance,
            "resistance_std_ohm": resistance_std,
            "thickness_cm": thickness,
            "area_cm2": area,
            "direction": direction,
            "run": run,
            "value": value,
            "unit": unit,
            "details": _details(detail),
            "source": source,
            "citation": citation,
            "measured_on": day,
            "notes": notes,
        },
    )
    with transaction(ctx) as session:
        sample = find_sample(session, label)
        measurement = add_measurement(session, sample, record)
        fit = refresh_fits(session, sample) if kind == "eis" else None
        shown = (measurement.sigma_s_cm, measurement.sigma_std_s_cm, measurement.temperature_k)
    if kind == "eis":
        info(
            f"{label}: sigma = {shown[0]:.3g} ± {shown[1] or 0:.2g} S/cm at "
            f"{(shown[2] or 0.0) - 273.15:.1f} °C"
        )
        if fit is not None:
            info(f"  Arrhenius updated: Ea = {fit.ea_ev:.3f} ± {fit.ea_std_ev:.3f} eV")
    else:
        info(f"{label}: {kind} = {value} {unit or ''}".rstrip())


@app.command("list")
def list_(
    ctx: typer.Context,
    label: str | None = typer.Argument(None, help="one sample (default: all)"),
    kind: str | None = typer.Option(None, help="only this kind"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List measurements."""
    from sqlalchemy import select

    from matdoe.db.models import Measurement, Sample
    from matdoe.db.store import find_sample

    with transaction(ctx, read_only=True) as session:
        query = (
            select(Measurement, Sample.label).join(Sample).order_by(Sample.label, Measurement.id)
        )
        if label is not None:
            query = query.where(Measurement.sample_id == find_sample(session, label).id)
        if kind is not None:
            query = query.where(Measurement.kind == kind)
        rows = [
            {
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
    output(rows, fmt, empty="no measurements yet; add one with `matdoe measure add`")


@app.command("eis")
def eis(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    files: list[Path] = typer.Argument(..., help="spectrum files (CSV, .mpt, .DTA, ...)"),
    temperature: str | None = typer.Option(
        None, "--temperature", "-t", help="e.g. 60C; default: read from each file name (…_60C.csv)"
    ),
    thickness: str | None = typer.Option(None, help="pellet thickness L, e.g. 320um"),
    area: str | None = typer.Option(None, help="electrode area A, e.g. 0.785cm2"),
    circuit: str | None = typer.Option(
        None, help="equivalent circuit (default R0-p(R1,CPE1)-CPE2)"
    ),
    direction: str | None = typer.Option(None, help="heating or cooling"),
    plot: Path | None = typer.Option(None, help="save a Nyquist plot of data and fits (PNG)"),
    arrhenius_plot: Path | None = typer.Option(None, help="save the Arrhenius plot (PNG)"),
) -> None:
    """Fit impedance spectra, take the electrolyte resistance, store sigma at each temperature."""
    from matdoe.analysis import fit_spectra, store_spectra
    from matdoe.cli.common import plot_target

    # Before anything is fitted or stored: a bad figure path must not leave half a command.
    plot_target(plot, "--plot")
    plot_target(arrhenius_plot, "--arrhenius-plot")
    with typer.progressbar(length=len(files), label="fitting spectra", file=sys.stderr) as bar:
        fitted = fit_spectra(
            files, temperature=temperature, circuit=circuit, progress=lambda _path: bar.update(1)
        )
    with transaction(ctx) as session:
        stored = store_spectra(
            session, label, fitted, thickness=thickness, area=area, direction=direction
        )
    for line in stored.lines:
        typer.echo(line)
    if plot is not None:
        from matdoe.plots import plot_nyquist_many

        plot_nyquist_many([(f.spectrum, f.fit, f.temperature_k) for f in fitted]).savefig(
            plot, dpi=150, bbox_inches="tight"
        )
        info(f"saved {plot}")
    if arrhenius_plot is not None:
        from matdoe.analysis import arrhenius_figure

        with transaction(ctx) as session:
            arrhenius_figure(session, label).savefig(arrhenius_plot, dpi=150, bbox_inches="tight")
        info(f"saved {arrhenius_plot}")

"""`matdoe measure add|eis|list`: conductivities and other characterisation of a sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    FORCE_OPTION_HELP,
    FORMAT_OPTION,
    Format,
    confirm,
    info,
    new_app,
    output,
    parse_assignments,
    progress,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app(
    "Measurements: conductivity from R, L and A or from impedance spectra, and more; "
    "list, correct and delete them."
)

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
        if key.strip() in out:
            raise InvalidRecordError(f"--detail {key.strip()!r} is given twice; give it once")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            out[key.strip()] = value.strip()
    return out or None


@app.command("add")
def add(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    temperature: str | None = typer.Option(
        None, "--temperature", "-t", help="with its unit: 60C, -20°C or 333.15K"
    ),
    temperature_std: str | None = typer.Option(
        None, "--temperature-std", help="its standard uncertainty, e.g. 0.5K"
    ),
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
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
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
            "temperature_k": _quantity(temperature, "temperature", "--temperature"),
            "temperature_std_k": _temperature_std(temperature_std),
            "sigma_s_cm": _quantity(sigma, "conductivity", "--sigma"),
            "sigma_std_s_cm": _quantity(sigma_std, "conductivity", "--sigma-std"),
            "resistance_ohm": _quantity(resistance, "resistance", "--resistance"),
            "resistance_std_ohm": _quantity(resistance_std, "resistance", "--resistance-std"),
            "thickness_cm": _quantity(thickness, "length", "--thickness"),
            "area_cm2": _quantity(area, "area", "--area"),
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
    from matdoe.analysis import describe_fit

    with transaction(ctx) as session:
        sample = find_sample(session, label)
        measurement = add_measurement(session, sample, record, force=force)
        fit = refresh_fits(session, sample) if kind == "eis" else None
        shown = (measurement.sigma_s_cm, measurement.sigma_std_s_cm, measurement.temperature_k)
        fit_line = describe_fit(fit) if fit is not None else None
        number = measurement.id
    if kind == "eis":
        info(
            f"{label}: measurement {number}: sigma = {shown[0]:.3g}"
            + (
                f" ± {shown[1]:.2g} S/cm"
                if shown[1] is not None
                else " S/cm (its uncertainty not given)"
            )
            + f" at {(shown[2] or 0.0) - 273.15:.1f} °C"
        )
        if fit_line is not None:
            info(f"  Arrhenius updated: {fit_line}")
    else:
        info(f"{label}: measurement {number}: {kind} = {value} {unit or ''}".rstrip())


def _temperature_std(text: str | None) -> str | None:
    """``--temperature-std`` with its unit: a bare number is refused, as for every quantity
    whose option does not name the unit (the record's field ``temperature_std_k`` does)."""
    from matdoe.tables import is_bare_number

    if text is not None and is_bare_number(text):
        raise InvalidRecordError(
            f"--temperature-std: {text.strip()!r} has no unit; write it with one, e.g. '0.5K' "
            "or '0.5C' (a difference of 1 °C is 1 K)"
        )
    return text


def _quantity(value: str | None, kind: str, option: str) -> float | None:
    """A flag's quantity: its unit is required (a bare number is refused, with spellings)."""
    from matdoe import units

    return units.parse_optional(value, kind, name=option)


@app.command("list")
def list_(
    ctx: typer.Context,
    label: str | None = typer.Argument(None, help="one sample (default: all)"),
    kind: str | None = typer.Option(None, help="only this kind"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List measurements with their ids (for `measure edit` and `measure delete`).

    ``-f csv`` writes them with their samples' fields, one row per measurement: the layout
    `matdoe sample import` reads, so the list imports back into another database.
    """
    from matdoe.cli.common import stream_csv
    from matdoe.db.store import flat_columns, flat_rows, measurement_rows

    with transaction(ctx, read_only=True) as session:
        if fmt == Format.csv:
            rows_out = flat_rows(session, label=label, kind=kind, measured_only=True)
            stream_csv(rows_out, flat_columns())
            return
        rows = measurement_rows(session, label=label, kind=kind)
    output(rows, fmt, empty="no measurements yet; add one with `matdoe measure add`")


@app.command("edit")
def edit(
    ctx: typer.Context,
    measurement_id: int = typer.Argument(..., help="the measurement's id (see `measure list`)"),
    set_: list[str] = typer.Option(
        [],
        "--set",
        help="field=value with its unit, e.g. --set temperature_k=60C --set resistance_ohm=290ohm",
    ),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Correct a measurement; sigma and the Arrhenius fit follow, the old version is kept."""
    from matdoe.analysis import describe_fit
    from matdoe.db.store import find_measurement, fits_for, update_measurement

    changes = parse_assignments(set_)
    with transaction(ctx) as session:
        before = find_measurement(session, measurement_id)
        label = before.sample.label
        confirm(f"change measurement {measurement_id} of {label} ({', '.join(changes)})?", yes=yes)
        measurement = update_measurement(session, measurement_id, changes, force=force, note=reason)
        sigma = measurement.sigma_s_cm
        fits = [describe_fit(f) for f in fits_for(session, measurement.sample)]
    shown = f"; sigma = {sigma:.3g} S/cm" if sigma else ""
    info(f"updated measurement {measurement_id} of {label}{shown}")
    for line in fits:
        info(f"  Arrhenius: {line}")


@app.command("delete")
def delete(
    ctx: typer.Context,
    measurement_id: int = typer.Argument(..., help="the measurement's id (see `measure list`)"),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    yes: bool = typer.Option(False, "--yes", "-y", help="do not ask for confirmation"),
) -> None:
    """Delete a measurement; its last version stays in the history, the fit is refreshed."""
    from matdoe.db.store import delete_measurement, find_measurement

    with transaction(ctx) as session:
        measurement = find_measurement(session, measurement_id)
        label = measurement.sample.label
        what = f"{measurement.kind}" + (
            f" at {measurement.temperature_k - 273.15:.1f} °C" if measurement.temperature_k else ""
        )
        confirm(f"delete measurement {measurement_id} of {label} ({what})?", yes=yes)
        delete_measurement(session, measurement_id, note=reason)
    info(
        f"deleted measurement {measurement_id} of {label} ({what}); `matdoe sample show "
        f"{label}` keeps it in the history"
    )


FORMAT_HELP = (
    "auto (default: from the content), csv, biologic (.mpt, .mpr), gamry, zplot, autolab, "
    "chinstruments, parstat, versastudio or powersuite"
)
CIRCUIT_HELP = (
    "auto (default: the pellet family, chosen by BIC), a name (arc, arc-spur, arc-spur-origin, "
    "two-arcs, two-arcs-spur, arc-warburg, spur, ...) or impedance.py notation, e.g. "
    "R0-p(R1,CPE1)-CPE2"
)
RESISTANCE_HELP = (
    "total (default): every resistance before the electrode element, the total ionic "
    "resistance sigma = L/(R·A) means; bulk: R0 and arcs with a bulk (pF) capacitance"
)


def _options(
    fmt: str,
    circuit: str,
    guess: list[str],
    resistance: str,
    keep_inductive: bool,
    fmin: str | None,
    fmax: str | None,
) -> Any:
    from matdoe import units
    from matdoe.analysis import SpectrumOptions
    from matdoe.eis import FORMATS, RESISTANCE_KINDS, family_member

    if fmt.lower() != "auto" and fmt.lower() not in FORMATS:
        raise typer.BadParameter(
            f"{fmt!r}; use auto or one of {', '.join(FORMATS)}", param_hint="--format"
        )
    if resistance not in RESISTANCE_KINDS:
        raise typer.BadParameter(f"{resistance!r}; use total or bulk", param_hint="--resistance")
    if circuit != "auto":
        family_member(circuit)  # refuses an unknown name or malformed notation now
    guesses = parse_assignments(guess, "--guess") if guess else {}
    return SpectrumOptions(
        fmt=fmt.lower(),
        circuit=circuit,
        guess={k: v or "" for k, v in guesses.items()},
        resistance=resistance,
        keep_inductive=keep_inductive,
        fmin_hz=units.parse_optional(fmin, "frequency", name="--fmin"),
        fmax_hz=units.parse_optional(fmax, "frequency", name="--fmax"),
    )


@app.command("eis")
def eis(
    ctx: typer.Context,
    label: str = typer.Argument(..., help="the sample's label"),
    files: list[Path] = typer.Argument(
        ..., help="spectrum files, folders of them, or patterns such as 'run1/*.mpt'"
    ),
    temperature: str | None = typer.Option(
        None,
        "--temperature",
        "-t",
        help="with its unit, e.g. 60C; default: a temperature column or the file name (…_60C.csv)",
    ),
    thickness: str | None = typer.Option(None, help="pellet thickness L, e.g. 320um"),
    area: str | None = typer.Option(None, help="electrode area A, e.g. 0.785cm2"),
    fmt: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    circuit: str = typer.Option("auto", help=CIRCUIT_HELP),
    guess: list[str] = typer.Option([], help="start value of a parameter, e.g. R1=2000 (ohm)"),
    resistance: str = typer.Option("total", help=RESISTANCE_HELP),
    keep_inductive: bool = typer.Option(
        False, "--keep-inductive", help="keep points with -Im Z < 0 and fit the leads' inductor"
    ),
    fmin: str | None = typer.Option(None, help="lowest frequency to fit, e.g. 1Hz"),
    fmax: str | None = typer.Option(None, help="highest frequency to fit, e.g. 1MHz"),
    direction: str | None = typer.Option(None, help="heating or cooling"),
    plot: Path | None = typer.Option(
        None,
        help="a folder for one Nyquist plot per file (data, fit, residuals; also when the fit "
        "fails), or a .png (one file; several: an overview plus one per file beside it)",
    ),
    bode: bool = typer.Option(False, "--bode", help="with --plot: a Bode plot per file too"),
    drt: bool = typer.Option(
        False, "--drt", help="with --plot: the distribution of relaxation times per file too"
    ),
    arrhenius_plot: Path | None = typer.Option(None, help="save the Arrhenius plot (PNG)"),
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
    allow_duplicate: bool = typer.Option(
        False, "--allow-duplicate", help="store a file this sample already has a measurement of"
    ),
) -> None:
    """Fit impedance spectra, take the electrolyte resistance, store sigma at each temperature.

    Nothing is stored unless every file is read and fitted and every plot is written.
    """
    from matdoe.analysis import (
        expand_spectrum_files,
        failure_message,
        fit_spectra,
        store_spectra,
        write_spectrum_plots,
    )
    from matdoe.cli.common import plot_target
    from matdoe.errors import FitError

    # Before anything is fitted or stored: a bad figure path must not leave half a command.
    # --plot names a file (its name is the prefix of every plot) or a folder, which is made
    # if its parent exists; a missing parent folder is a typo, not something to create.
    plot_target(arrhenius_plot, "--arrhenius-plot")
    if plot is not None:
        folder = plot if plot.is_dir() else plot.parent
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise InvalidRecordError(f"--plot {plot}: {folder} {what}; give a folder that exists")
    options = _options(fmt, circuit, guess, resistance, keep_inductive, fmin, fmax)
    if temperature is not None:  # a bad flag is one line, before any file is read
        _quantity(temperature, "temperature", "--temperature")
    paths = expand_spectrum_files(files)
    with progress(len(paths), "fitting spectra") as advance:
        fitted = fit_spectra(
            paths, temperature=temperature, options=options, force=force, progress=advance
        )
    if plot is not None:
        written = write_spectrum_plots(plot, fitted, bode=bode, drt=drt)
        info(
            f"saved {len(written)} plot{'s' if len(written) != 1 else ''} ({written[0]}"
            + (", ..." if len(written) > 1 else "")
            + ")"
        )
    message = failure_message(fitted)
    if message is not None:
        raise FitError(message)
    with transaction(ctx) as session:
        stored = store_spectra(
            session,
            label,
            fitted,
            thickness=thickness,
            area=area,
            direction=direction,
            force=force,
            allow_duplicate=allow_duplicate,
        )
    for line in stored.lines:
        typer.echo(line)
    if arrhenius_plot is not None:
        from matdoe.analysis import arrhenius_figure

        with transaction(ctx) as session:
            arrhenius_figure(session, label).savefig(arrhenius_plot, dpi=150, bbox_inches="tight")
        info(f"saved {arrhenius_plot}")


@app.command("refit")
def refit(
    ctx: typer.Context,
    measurement_id: int = typer.Argument(..., help="the measurement's id (see `measure list`)"),
    fmt: str = typer.Option("auto", "--format", help=FORMAT_HELP),
    circuit: str = typer.Option("auto", help=CIRCUIT_HELP),
    guess: list[str] = typer.Option([], help="start value of a parameter, e.g. R1=2000 (ohm)"),
    resistance: str = typer.Option("total", help=RESISTANCE_HELP),
    keep_inductive: bool = typer.Option(
        False, "--keep-inductive", help="keep points with -Im Z < 0 and fit the leads' inductor"
    ),
    fmin: str | None = typer.Option(None, help="lowest frequency to fit, e.g. 1Hz"),
    fmax: str | None = typer.Option(None, help="highest frequency to fit, e.g. 1MHz"),
    plot: Path | None = typer.Option(None, help="save the Nyquist plot of the new fit (PNG)"),
    reason: str | None = typer.Option(None, help="why, kept in the history"),
    force: bool = typer.Option(False, "--force", help=FORCE_OPTION_HELP),
) -> None:
    """Refit a measurement from its stored raw file; R, sigma and the Arrhenius fit follow.

    The old values stay in the history (`matdoe sample show LABEL`).
    """
    from matdoe.analysis import refit_measurement, write_spectrum_plots

    options = _options(fmt, circuit, guess, resistance, keep_inductive, fmin, fmax)
    with transaction(ctx) as session:
        item, lines = refit_measurement(session, measurement_id, options, force=force, note=reason)
        if plot is not None:
            write_spectrum_plots(plot, [item])
    for line in lines:
        typer.echo(line)
    if plot is not None:
        info(f"saved {plot}")

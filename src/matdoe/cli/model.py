"""`matdoe model fit|predict|report`: the Gaussian-process model of log10 conductivity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    FORMAT_OPTION,
    Format,
    info,
    key_values,
    new_app,
    output,
    plot_folder,
    save_figure,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app("The model: a Gaussian process of log10 sigma over recipe and temperature.")


def _temperature_c(text: str) -> float:
    from matdoe import units

    return units.parse(text, "temperature", name="--temperature") - 273.15


@app.command("fit")
def fit(
    ctx: typer.Context,
    temperature: str = typer.Option(
        "30C", "--temperature", "-t", help="condition for the response plot, e.g. 30C"
    ),
    report: bool = typer.Option(False, "--report", help="cross-validate and print the report"),
    plots: Path | None = typer.Option(
        None, help="save response.png (and with --report parity.png, calibration.png) here"
    ),
    folds: int = typer.Option(5, min=2, help="cross-validation folds (whole recipes held out)"),
) -> None:
    """Fit the model on every usable conductivity; print its summary, save its plots."""
    from matdoe.campaign import training_table

    temperature_c = _temperature_c(temperature)
    if plots is not None:
        plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        data = training_table(session)
    model = data.fit()
    summary = model.summary()
    info(
        f"fitted on {summary['n_observations']} conductivities of {data.table['sample'].nunique()} "
        f"samples ({summary['n_distinct']} distinct recipe/temperature points)"
    )
    pairs = [
        ("kernel", summary["kernel"]),
        ("measurement noise (log10)", summary["noise"]),
        ("batch-to-batch scatter (log10)", summary.get("batch_scatter")),
        ("outputscale", summary["outputscale"]),
    ]
    pairs += [(f"lengthscale {k}", v) for k, v in summary["lengthscales"].items()]
    typer.echo(key_values(pairs))
    if plots is not None:
        from matdoe.plots import plot_response

        fig = plot_response(
            model,
            model.space,
            vary="vol_pct",
            conditions={"temperature_c": temperature_c},
            observations=data.table,
        )
        save_figure(fig, plots / "response.png", "--plots")
        info(f"saved {plots / 'response.png'}")
    if report:
        _report(data, folds, plots)


def _report(data: Any, folds: int, plots: Path | None) -> None:
    from matdoe.plots import plot_calibration, plot_parity

    cv = data.validate(n_splits=folds)
    typer.echo(f"\nLeave-recipe-out cross-validation (log10 S/cm; {cv.what})")
    typer.echo(
        key_values(
            [
                ("held-out recipes", cv.n_groups),
                ("folds", cv.n_splits),
                ("RMSE", round(cv.rmse, 4)),
                ("MAE", round(cv.mae, 4)),
                ("95 % interval coverage", f"{cv.coverage95:.1%}"),
                ("mean log predictive density", round(cv.mean_log_predictive_density, 3)),
            ]
        )
    )
    for warning in cv.warnings:
        info(f"warning: {warning}")
    if plots is not None:
        save_figure(plot_parity(cv.predictions), plots / "parity.png", "--plots")
        save_figure(plot_calibration(cv.predictions), plots / "calibration.png", "--plots")
        info(f"saved {plots / 'parity.png'} and {plots / 'calibration.png'}")


@app.command("report")
def report(
    ctx: typer.Context,
    plots: Path | None = typer.Option(None, help="save parity.png and calibration.png here"),
    folds: int = typer.Option(5, min=2, help="cross-validation folds (whole recipes held out)"),
) -> None:
    """Cross-validate on held-out recipes: RMSE, 95 % coverage, log density, calibration plot."""
    from matdoe.campaign import training_table

    if plots is not None:
        plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        data = training_table(session)
    _report(data, folds, plots)


@app.command("predict")
def predict(
    ctx: typer.Context,
    silica: str | None = typer.Option(None, help="scaffold, e.g. A200 or SiO2-A200"),
    vol: float | None = typer.Option(None, help="vol% scaffold"),
    milling: str | None = typer.Option(None, help="milling time, e.g. 4h"),
    recipes: Path | None = typer.Option(
        None, help="CSV/JSON/YAML of recipes (silica, vol_pct, milling_h): predict them all"
    ),
    temperature: str = typer.Option("30C", "--temperature", "-t", help="e.g. 30C"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Predict sigma of recipes at a temperature: the mean, its band, a new batch's interval."""
    import pandas as pd

    from matdoe import units
    from matdoe.campaign import INTERVAL_NOTE, prediction_columns, training_table
    from matdoe.db.store import find_material
    from matdoe.recipes import read_recipes

    temperature_c = _temperature_c(temperature)
    one = (silica, vol, milling)
    if recipes is not None and any(v is not None for v in one):
        raise InvalidRecordError("give either --recipes FILE or --silica/--vol/--milling, not both")
    if recipes is None and any(v is None for v in one):
        raise InvalidRecordError("give --silica, --vol and --milling (or --recipes FILE)")
    with transaction(ctx) as session:
        data = training_table(session)
        if recipes is not None:
            table = read_recipes(recipes, data.space, session=session)
        else:
            assert silica is not None and milling is not None
            milling_h = units.parse(milling, "time", name="--milling")
            name = find_material(session, silica, kind="scaffold").name
            table = pd.DataFrame([{"silica": name, "vol_pct": vol, "milling_h": milling_h}])
    model = data.fit()
    model.space.validate(table)
    conditions = {"temperature_c": temperature_c}
    mean, std = model.predict(table, return_std=True, conditions=conditions)
    _, new = model.predict(table, return_std=True, conditions=conditions, include_noise=True)
    cols = prediction_columns(mean, std, new)
    rows = []
    for i, (_, recipe) in enumerate(table.iterrows()):
        rows.append(
            {
                "silica": recipe["silica"],
                "vol_pct": float(recipe["vol_pct"]),
                "milling_h": float(recipe["milling_h"]),
                "temperature_c": temperature_c,
                **{k: float(v[i]) for k, v in cols.items()},
                "n_observations": len(data.table),
            }
        )
    if fmt == Format.table and len(rows) == 1:
        row = rows[0]
        typer.echo(
            f"{row['silica']}, {row['vol_pct']:g} vol%, {row['milling_h']:g} h at "
            f"{temperature_c:.1f} °C: sigma = {row['sigma_s_cm']:.3g} S/cm (log10 "
            f"{row['log10_sigma']:.2f} ± {row['log10_sigma_std']:.2f}); 95 % band of the mean "
            f"{row['mean_low95_s_cm']:.2g}–{row['mean_high95_s_cm']:.2g}; a new batch's "
            f"measurement: 95 % interval {row['new_low95_s_cm']:.2g}–{row['new_high95_s_cm']:.2g} "
            f"(model of {len(data.table)} conductivities)"
        )
        if row["log10_sigma_std"] > 0.5:
            info("  the interval is wide: the model has little data near this recipe")
    else:
        output(rows, fmt)
        if fmt == Format.table:
            info(INTERVAL_NOTE)

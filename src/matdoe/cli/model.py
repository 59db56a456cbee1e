"""`matdoe model fit|predict|report`: the Gaussian-process model of log10 conductivity."""

from __future__ import annotations

import math
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
from matdoe.errors import InsufficientDataError

app = new_app("The model: a Gaussian process of log10 sigma over recipe and temperature.")


def load_model_data(session: Any) -> tuple[Any, Any, Any]:
    """(space, table of usable observations, campaign) of the default campaign."""
    from matdoe.campaign import campaign_space, get_campaign, model_table, observations

    campaign = get_campaign(session)
    space = campaign_space(session, campaign)
    frame = observations(session)
    table = model_table(frame, space)
    return space, table, campaign


def fit_model(space: Any, table: Any, *, random_state: int = 0) -> Any:
    from matdoe.surrogate import GPSurrogate

    if len(table) < 2:
        raise InsufficientDataError(
            f"the model needs at least 2 conductivities of recipes with silica, vol% and milling "
            f"time; the database has {len(table)}. Record more with `matdoe measure add`"
        )
    columns = [*space.parameter_names, *space.condition_names]
    return GPSurrogate(space, random_state=random_state).fit(
        table[columns], table["log10_sigma"], table["log10_sigma_std"]
    )


@app.command("fit")
def fit(
    ctx: typer.Context,
    temperature: str = typer.Option(
        "30C", "--temperature", "-t", help="condition for the response plot"
    ),
    report: bool = typer.Option(False, "--report", help="cross-validate and print the report"),
    plots: Path = typer.Option(Path("."), help="folder for parity.png and response.png"),
    folds: int = typer.Option(5, min=2, help="cross-validation folds"),
) -> None:
    """Fit the model on every usable conductivity; print its summary, save its plots."""
    from matdoe import units

    temperature_c = units.parse(temperature, "temperature", name="--temperature") - 273.15
    plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        space, table, _campaign = load_model_data(session)
    model = fit_model(space, table)
    summary = model.summary()
    info(
        f"fitted on {summary['n_observations']} conductivities "
        f"({summary['n_distinct']} distinct recipe/temperature points)"
    )
    pairs = [
        ("kernel", summary["kernel"]),
        ("noise (log10)", summary["noise"]),
        ("outputscale", summary["outputscale"]),
    ]
    pairs += [(f"lengthscale {k}", v) for k, v in summary["lengthscales"].items()]
    typer.echo(key_values(pairs))
    from matdoe.plots import plot_response

    fig = plot_response(
        model,
        space,
        vary="vol_pct",
        conditions={"temperature_c": temperature_c},
        observations=table,
    )
    save_figure(fig, plots / "response.png", "--plots")
    info(f"saved {plots / 'response.png'}")
    if report:
        _report(space, table, folds, plots)


def _report(space: Any, table: Any, folds: int, plots: Path) -> None:
    from matdoe.plots import plot_parity
    from matdoe.surrogate import GPSurrogate, cross_validate

    if len(table) < max(folds, 3):
        raise InsufficientDataError(
            f"cross-validation with {folds} folds needs at least {max(folds, 3)} conductivities; "
            f"the database has {len(table)}"
        )
    columns = [*space.parameter_names, *space.condition_names]
    cv = cross_validate(
        GPSurrogate(space, random_state=0),
        table[columns],
        table["log10_sigma"],
        y_std=table["log10_sigma_std"],
        n_splits=folds,
    )
    typer.echo("\nCross-validation (log10 S/cm)")
    typer.echo(
        key_values(
            [
                ("folds", cv.n_splits),
                ("RMSE", round(cv.rmse, 4)),
                ("MAE", round(cv.mae, 4)),
                ("95 % interval coverage", f"{cv.coverage95:.1%}"),
                ("mean log predictive density", round(cv.mean_log_predictive_density, 3)),
            ]
        )
    )
    save_figure(plot_parity(cv.predictions), plots / "parity.png", "--plots")
    info(f"saved {plots / 'parity.png'}")


@app.command("report")
def report(
    ctx: typer.Context,
    plots: Path = typer.Option(Path("."), help="folder for parity.png"),
    folds: int = typer.Option(5, min=2, help="cross-validation folds"),
) -> None:
    """Cross-validate the model: RMSE in log10 units and coverage of the 95 % interval."""
    plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        space, table, _campaign = load_model_data(session)
    _report(space, table, folds, plots)


@app.command("predict")
def predict(
    ctx: typer.Context,
    silica: str = typer.Option(..., help="scaffold, e.g. A200 or SiO2-A200"),
    vol: float = typer.Option(..., help="vol% scaffold"),
    milling: str = typer.Option(..., help="milling time, e.g. 4h"),
    temperature: str = typer.Option("30C", "--temperature", "-t", help="e.g. 30C"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Predict sigma of a recipe at a temperature, with its 95 % interval."""
    import pandas as pd

    from matdoe import units
    from matdoe.db.store import find_material

    milling_h = units.parse(milling, "time", name="--milling")
    temperature_c = units.parse(temperature, "temperature", name="--temperature") - 273.15
    with transaction(ctx) as session:
        name = find_material(session, silica, kind="scaffold").name
        space, table, _campaign = load_model_data(session)
    model = fit_model(space, table)
    recipe = pd.DataFrame([{"silica": name, "vol_pct": vol, "milling_h": milling_h}])
    space.validate(recipe)
    mean, std = model.predict(recipe, return_std=True, conditions={"temperature_c": temperature_c})
    mu, sd = float(mean[0]), float(std[0])
    row = {
        "silica": name,
        "vol_pct": vol,
        "milling_h": milling_h,
        "temperature_c": temperature_c,
        "log10_sigma": round(mu, 4),
        "log10_sigma_std": round(sd, 4),
        "sigma_s_cm": 10**mu,
        "sigma_low95_s_cm": 10 ** (mu - 1.96 * sd),
        "sigma_high95_s_cm": 10 ** (mu + 1.96 * sd),
        "n_observations": len(table),
    }
    if fmt == Format.table:
        typer.echo(
            f"{name}, {vol:g} vol%, {milling_h:g} h at {temperature_c:.1f} °C: sigma = "
            f"{row['sigma_s_cm']:.3g} S/cm (95 % interval {row['sigma_low95_s_cm']:.2g}–"
            f"{row['sigma_high95_s_cm']:.2g}; log10 {mu:.2f} ± {sd:.2f}; "
            f"model of {len(table)} conductivities)"
        )
        if sd > 0.5:
            info("  the interval is wide: the model has little data near this recipe")
    else:
        output([row], fmt)
    assert math.isfinite(mu)

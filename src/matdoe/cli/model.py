"""`matdoe model fit|predict|report`: the Gaussian-process models of a campaign's objectives.

A campaign's measured objectives (log10 sigma over recipe and temperature, and Ea over the
recipe when the campaign optimises it) each get the surrogate every command shares; a recipe
objective (milling time as a cost) needs none. With several objectives ``model report`` also
prints the measured Pareto front and, with ``--plot``, draws it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from matdoe.cli.common import (
    CAMPAIGN_OPTION,
    FORMAT_OPTION,
    Format,
    info,
    key_values,
    new_app,
    output,
    plot_folder,
    render,
    save_figure,
    target_temperature_c,
    transaction,
)
from matdoe.errors import InvalidRecordError

app = new_app("The models: Gaussian processes of a campaign's measured objectives.")

OBJECTIVE_HELP = "only this measured objective (log10_sigma or ea_ev); default: every one"


def _training(session: Any, campaign: str | None, objective: str | None) -> tuple[Any, list[Any]]:
    from matdoe.campaign import definition_of, resolve_campaign, training_table

    chosen = resolve_campaign(session, campaign)
    definition = definition_of(chosen)
    names = [o.name for o in definition.modelled]
    if objective is not None:
        if objective not in names:
            raise InvalidRecordError(
                f"--objective {objective!r}: campaign {chosen.name!r} models {', '.join(names)}"
            )
        names = [objective]
    return definition, [training_table(session, chosen, objective=name) for name in names]


def _left_out(data: Any) -> None:
    if data.left_out:
        info(
            "  left out: "
            + ", ".join(f"{n} measurements ({why})" for why, n in data.left_out.items())
        )


@app.command("fit")
def fit(
    ctx: typer.Context,
    campaign: str | None = CAMPAIGN_OPTION,
    objective: str | None = typer.Option(None, help=OBJECTIVE_HELP, show_default=False),
    temperature: str | None = typer.Option(
        None,
        "--temperature",
        "-t",
        help="condition for the response plot, e.g. 30C (default: the campaign's)",
        show_default=False,
    ),
    report: bool = typer.Option(False, "--report", help="cross-validate and print the report"),
    plots: Path | None = typer.Option(
        None, help="save response.png (and with --report parity.png, calibration.png) here"
    ),
    folds: int = typer.Option(5, min=2, help="cross-validation folds (whole recipes held out)"),
) -> None:
    """Fit the models on every usable measurement; print their summaries, save their plots."""
    temperature_c = target_temperature_c(temperature)
    if plots is not None:
        plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        definition, tables = _training(session, campaign, objective)
    for number, data in enumerate(tables):
        model = data.fit()
        summary = model.summary()
        if number:
            typer.echo("")
        info(
            f"{data.objective}: fitted on {summary['n_observations']} measurements of "
            f"{data.table['sample'].nunique()} samples ({summary['n_distinct']} distinct "
            "recipe/condition points)"
        )
        _left_out(data)
        pairs = [
            ("objective", data.objective),
            ("kernel", summary["kernel"]),
            ("measurement noise", summary["noise"]),
            ("batch-to-batch scatter", summary.get("batch_scatter")),
            ("outputscale", summary["outputscale"]),
            # What the model expects far from every recipe made (a pessimistic level).
            ("prior mean (far from the data)", summary["prior_mean"]),
        ]
        pairs += [(f"lengthscale {k}", v) for k, v in summary["lengthscales"].items()]
        typer.echo(key_values(pairs))
        suffix = "" if data.objective == "log10_sigma" else f"_{data.objective}"
        if plots is not None:
            _response_plot(model, data, definition, temperature_c, plots, suffix)
        if report:
            _report(data, folds, plots, suffix)


def _response_plot(
    model: Any, data: Any, definition: Any, temperature_c: float | None, plots: Path, suffix: str
) -> None:
    from matdoe.plots import plot_response

    numeric = [p.name for p in model.space.parameters if p.numeric]
    if not numeric:
        info("no numeric parameter to draw a response along")
        return
    vary = definition.parameter_for("scaffold_vol_pct") or numeric[0]
    conditions = {}
    if model.space.conditions:
        conditions = {
            "temperature_c": temperature_c
            if temperature_c is not None
            else definition.target_temperature_c()
        }
    figure = plot_response(
        model, model.space, vary=vary, conditions=conditions, observations=data.table
    )
    path = plots / f"response{suffix}.png"
    save_figure(figure, path, "--plots")
    info(f"saved {path}")


def _report(data: Any, folds: int, plots: Path | None, suffix: str = "") -> None:
    from matdoe.plots import plot_calibration, plot_parity

    cv = data.validate(n_splits=folds)
    typer.echo(f"\nLeave-recipe-out cross-validation of {data.objective} ({cv.what})")
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
        parity, calibration = plots / f"parity{suffix}.png", plots / f"calibration{suffix}.png"
        save_figure(plot_parity(cv.predictions), parity, "--plots")
        save_figure(plot_calibration(cv.predictions), calibration, "--plots")
        info(f"saved {parity} and {calibration}")


@app.command("report")
def report(
    ctx: typer.Context,
    campaign: str | None = CAMPAIGN_OPTION,
    objective: str | None = typer.Option(None, help=OBJECTIVE_HELP, show_default=False),
    plots: Path | None = typer.Option(
        None,
        help="save parity.png and calibration.png here (and pareto.png for several objectives)",
    ),
    folds: int = typer.Option(5, min=2, help="cross-validation folds (whole recipes held out)"),
) -> None:
    """Cross-validate on held-out recipes (RMSE, coverage, calibration); print the front."""
    from matdoe.campaign.view import campaign_view

    if plots is not None:
        plot_folder(plots, "--plots")
    with transaction(ctx) as session:
        _definition, tables = _training(session, campaign, objective)
        view = campaign_view(session, tables[0].campaign)
        name = tables[0].campaign.name
    for data in tables:
        _left_out(data)
        _report(data, folds, plots, "" if data.objective == "log10_sigma" else f"_{data.objective}")
    if view.several_objectives:
        typer.echo(f"\nPareto front of {name} (measured; objectives {'; '.join(view.objectives)})")
        typer.echo(render(view.front, Format.table) if view.front else "no batch has them all yet")
        if plots is not None and view.front:
            from matdoe.cli.campaign import save_front

            info(f"saved {save_front(view.table, plots, name)}")


@app.command("predict")
def predict(
    ctx: typer.Context,
    campaign: str | None = CAMPAIGN_OPTION,
    values: list[str] = typer.Option(
        [],
        "--set",
        help="a parameter's value, NAME=VALUE (every parameter of the campaign), e.g. "
        "--set milling_rpm=400",
    ),
    silica: str | None = typer.Option(None, help="scaffold, e.g. A200 or SiO2-A200"),
    vol: float | None = typer.Option(None, help="vol% scaffold"),
    milling: str | None = typer.Option(None, help="milling time, e.g. 4h"),
    recipes: Path | None = typer.Option(
        None,
        help="CSV/JSON/YAML of recipes (the campaign's parameter columns, and optionally each "
        "recipe's temperature: temperature_c, temperature_k, or temperature with a unit in "
        "every cell): predict them all",
    ),
    temperature: str | None = typer.Option(
        None, "--temperature", "-t", help="e.g. 30C (default: the campaign's)", show_default=False
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Predict recipes: sigma at a temperature (mean, its band, a new batch's interval), and
    every other measured objective of the campaign."""
    import pandas as pd

    from matdoe.campaign import INTERVAL_NOTE, prediction_columns
    from matdoe.recipes import read_recipes

    temperature_c = target_temperature_c(temperature)
    given = bool(values) or any(v is not None for v in (silica, vol, milling))
    if recipes is not None and given:
        raise InvalidRecordError("give either --recipes FILE or the recipe's values, not both")
    with transaction(ctx) as session:
        definition, tables = _training(session, campaign, None)
        space = tables[0].space
        if recipes is not None:
            table = read_recipes(
                recipes, space, session=session, fields=definition.fields, temperature=True
            )
        else:
            table = pd.DataFrame([_one_recipe(session, definition, values, silica, vol, milling)])
    column = "temperature_c" in table.columns
    if column and temperature_c is not None:
        raise InvalidRecordError(
            "give the temperature by --temperature or by a column of --recipes, not both"
        )
    if (column or temperature_c is not None) and definition.temperature_condition() is None:
        raise InvalidRecordError(
            "this campaign's models do not depend on temperature (no condition "
            "temperature_c); leave the temperature out"
        )
    if column:
        targets = table.pop("temperature_c")
    else:
        target = temperature_c if temperature_c is not None else _target(definition)
        targets = pd.Series(target, index=table.index, dtype=float)
    rows: list[dict[str, Any]] = [
        {p: _plain(r[p]) for p in space.parameter_names} for _, r in table.iterrows()
    ]
    n_observations = 0
    for data in tables:
        model = data.fit()
        model.space.validate(table)
        mean, std, new = _predict(model, table, targets)
        if data.objective == "log10_sigma":
            n_observations = len(data.table)
            cols = prediction_columns(mean, std, new)
            for i, row in enumerate(rows):
                row["temperature_c"] = float(targets.iloc[i])
                row.update({k: float(v[i]) for k, v in cols.items()})
        else:
            for i, row in enumerate(rows):
                row[data.objective] = float(mean[i])
                row[f"{data.objective}_std"] = float(std[i])
                row[f"{data.objective}_new_low95"] = float(mean[i] - 1.96 * new[i])
                row[f"{data.objective}_new_high95"] = float(mean[i] + 1.96 * new[i])
    for row in rows:
        row["n_observations"] = n_observations
    if fmt == Format.table and len(rows) == 1 and "sigma_s_cm" in rows[0]:
        row = rows[0]
        recipe = ", ".join(f"{p} {_text(row[p])}" for p in space.parameter_names)
        typer.echo(
            f"{recipe} at {row['temperature_c']:.1f} °C: sigma = {row['sigma_s_cm']:.3g} S/cm "
            f"(log10 {row['log10_sigma']:.2f} ± {row['log10_sigma_std']:.2f}); 95 % band of the "
            f"mean {row['mean_low95_s_cm']:.2g}–{row['mean_high95_s_cm']:.2g}; a new batch's "
            f"measurement: 95 % interval {row['new_low95_s_cm']:.2g}–{row['new_high95_s_cm']:.2g} "
            f"(model of {n_observations} conductivities)"
        )
        for data in tables[1:]:
            name = data.objective
            typer.echo(
                f"  {name} = {row[name]:.3g} ± {row[f'{name}_std']:.2g} (a new batch: "
                f"{row[f'{name}_new_low95']:.3g}–{row[f'{name}_new_high95']:.3g})"
            )
        if row["log10_sigma_std"] > 0.5:
            info("  the interval is wide: the model has little data near this recipe")
    else:
        output(rows, fmt)
        if fmt == Format.table and rows and "sigma_s_cm" in rows[0]:
            info(INTERVAL_NOTE)


def _predict(model: Any, table: Any, targets: Any) -> tuple[Any, Any, Any]:
    """Mean, its std and a new batch's std of every recipe, each at its temperature (°C)."""
    import numpy as np

    if not model.space.conditions:
        return (
            *model.predict(table, return_std=True),
            model.predict(table, return_std=True, include_noise=True)[1],
        )
    mean, std, new = (np.empty(len(table)) for _ in range(3))
    for target in targets.unique():
        at = (targets == target).to_numpy()
        conditions = {"temperature_c": float(target)}
        mean[at], std[at] = model.predict(table[at], return_std=True, conditions=conditions)
        _, new[at] = model.predict(
            table[at], return_std=True, conditions=conditions, include_noise=True
        )
    return mean, std, new


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _target(definition: Any) -> float:
    try:
        return float(definition.target_temperature_c())
    except InvalidRecordError:
        return 30.0


def _one_recipe(
    session: Any,
    definition: Any,
    values: list[str],
    silica: str | None,
    vol: float | None,
    milling: str | None,
) -> dict[str, Any]:
    """One recipe from ``--set NAME=VALUE`` and the default campaign's shorthands."""
    from matdoe import units
    from matdoe.recipes import material_name

    recipe: dict[str, Any] = {}
    fields = definition.fields
    short = {"scaffold": silica, "scaffold_vol_pct": vol, "milling_h": milling}
    for field, value in short.items():
        if value is None:
            continue
        name = definition.parameter_for(field)
        if name is None:
            raise InvalidRecordError(
                f"this campaign has no parameter that sets {field}; give --set NAME=VALUE"
            )
        if field == "milling_h":
            value = units.parse(str(value), "time", name="--milling")
        recipe[name] = value
    for item in values:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in definition.space.parameter_names:
            raise InvalidRecordError(
                f"--set {item!r}: write NAME=VALUE with NAME one of "
                f"{', '.join(definition.space.parameter_names)}"
            )
        if name in recipe:
            raise InvalidRecordError(f"--set: parameter {name!r} is given twice")
        if definition.space[name].numeric:
            from matdoe.recipes import parse_number

            number = parse_number(text, fields[name], f"--set {name}")
            if number is None:
                raise InvalidRecordError(f"--set {item!r}: give a number")
            recipe[name] = number
        else:
            recipe[name] = text.strip()
    for name, field in fields.items():
        if name in recipe and field in ("host", "scaffold"):
            recipe[name] = material_name(session, str(recipe[name]), field)
    missing = [p for p in definition.space.parameter_names if p not in recipe]
    if missing:
        hint = (
            "--silica, --vol and --milling"
            if set(definition.space.parameter_names) == {"silica", "vol_pct", "milling_h"}
            else "--set NAME=VALUE"
        )
        raise InvalidRecordError(
            f"give every parameter of the recipe ({hint}), or --recipes FILE; missing: "
            f"{', '.join(missing)}"
        )
    return recipe

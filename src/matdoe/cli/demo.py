"""The `matdoe demo` command: the printed walk through :mod:`matdoe.demo`'s loop.

The library part (the demo folder, its database, a round of the loop on the digital twin) is
:mod:`matdoe.demo`; what is printed, tables included, lives here in the CLI.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from matdoe.cli.common import Format, render
from matdoe.demo import (
    PARETO_CAMPAIGN,
    PARETO_PLOT,
    PARETO_SPACE,
    SOURCES,
    build_demo_database,
    claim_folder,
    print_heading,
    print_line,
    run_round,
    seal_folder,
)


def run_demo(folder: Path, *, rounds: int = 3, batch: int = 4, db: str | None = None) -> None:
    """The `matdoe demo` command."""
    import os

    from matdoe.simulate import DigitalTwin

    if db is not None or os.environ.get("MATDOE_DB"):
        print_line("note: the demo always builds its own SQLite database in the demo folder")
    claim_folder(folder)  # refuses a folder that is not the demo's before saying anything
    print_heading("1. A fresh database with the paper's data")
    url = build_demo_database(folder, rounds=0)
    _print_catalogue(url)

    print_heading(
        f"2. The design loop on the digital twin (SIMULATED measurements), {rounds} rounds "
        f"of {batch}"
    )
    twin = DigitalTwin()
    best_recipe, best_value = twin.optimum(30.0)
    from matdoe.db import make_engine, session_factory

    engine = make_engine(url)
    factory = session_factory(engine)
    print_line(
        "The simulated lab starts with no conductivity of its own; the model sees only its "
        "simulated batches (the paper's values stay in the database for comparison)."
    )
    found = math.nan
    for number in range(1, rounds + 1):
        found = run_round(factory, number, batch=batch, seed=0)
    if math.isfinite(found):
        print_line(
            f"after {rounds * batch} simulated batches: best measured sigma(30 °C) "
            f"{10**found:.3g} S/cm (simulated: a measurement scatters by about ±12 % and a "
            "batch by about ±15 %); "
            "the paper's best composite: about 5e-4 S/cm (35 vol% SiO2-A200, 4 h)"
        )
    else:
        print_line("no simulated batches yet (--rounds 0): the lab has no conductivity of its own")
    print_line(
        f"(the twin's own optimum at 30 °C: {10**best_value:.3g} S/cm at "
        f"{best_recipe['silica']}, {best_recipe['vol_pct']:g} vol%, "
        f"{best_recipe['milling_h']:g} h; the lab never sees this)"
    )

    print_heading("3. The model now")
    plots = _model_report(factory, folder)

    print_heading("4. Next suggestions at 30 °C")
    _next_suggestions(factory, batch)

    print_heading("5. Two objectives: sigma at 30 °C against milling hours (the cost of a batch)")
    if _pareto_front(factory, folder):
        plots.append(PARETO_PLOT)
    engine.dispose()
    seal_folder(folder)
    print_line()
    explore = f"Explore it: matdoe --db {url} sample list"
    if rounds:
        explore += f"   |   matdoe --db {url} sample show sim-R1-1"
    print_line(explore)
    print_line(f"            matdoe --db {url} campaign show {PARETO_CAMPAIGN}")
    if plots:
        print_line("Plots: " + ", ".join(str(folder / name) for name in plots))


def _print_catalogue(url: str) -> None:
    from matdoe.db import make_engine, session_factory
    from matdoe.db.store import list_materials, list_samples

    engine = make_engine(url)
    with session_factory(engine).begin() as session:
        materials = [
            {
                "name": m.name,
                "product": m.product,
                "BET_m2_g": m.bet_m2_g,
                "density_g_cm3": m.density_g_cm3,
                "morphology": m.morphology,
            }
            for m in list_materials(session)
        ]
        samples = [
            {
                k: r[k]
                for k in (
                    "label",
                    "scaffold",
                    "scaffold_vol_pct",
                    "milling_h",
                    "sigma_30c_s_cm",
                    "sigma_60c_s_cm",
                )
            }
            for r in list_samples(session)
            if r["n_measurements"]
        ]
    engine.dispose()
    print_line(render(materials, Format.table))
    print_line()
    print_line("Conductivities the paper states in its text (the rest are in its figures only):")
    print_line(render(samples, Format.table))


def _model_report(factory: Any, folder: Path) -> list[str]:
    """Fit, cross-validate and plot the model; returns the names of the plots saved."""
    from matdoe.analysis import arrhenius_figure
    from matdoe.campaign import training_table
    from matdoe.errors import InsufficientDataError
    from matdoe.plots import plot_calibration, plot_parity, plot_response

    with factory.begin() as session:
        data = training_table(session, sources=SOURCES)
        table = data.table
        at30 = table[(table["temperature_c"] - 30).abs() < 0.5]
        if len(table) < 5 or at30.empty:
            print_line(
                f"{len(table)} simulated conductivities: too few for a model and its "
                "cross-validation (run more rounds, e.g. --rounds 3)"
            )
            return []
        best = at30.sort_values("log10_sigma").iloc[-1]
        arrhenius_figure(session, str(best["sample"])).savefig(
            folder / "arrhenius.png", dpi=150, bbox_inches="tight"
        )
    model = data.fit()
    summary = model.summary()
    print_line(
        f"GP on {summary['n_observations']} conductivities of {table['sample'].nunique()} "
        f"batches; measurement noise {summary['noise']:.3f} and batch-to-batch scatter "
        f"{summary['batch_scatter']:.3f} log10 units; lengthscales "
        + ", ".join(f"{k} {v:.2g}" for k, v in summary["lengthscales"].items())
    )
    plot_response(
        model, model.space, vary="vol_pct", conditions={"temperature_c": 30.0}, observations=table
    ).savefig(folder / "response.png", dpi=150, bbox_inches="tight")
    saved = ["response.png", "arrhenius.png"]
    try:
        cv = data.validate(n_splits=5)
    except InsufficientDataError as exc:
        print_line(
            f"no cross-validation yet: {exc}".replace("Record more with", "run more rounds or")
        )
        return saved
    print_line(
        f"leave-recipe-out cross-validation ({cv.n_groups} recipes, every temperature of a "
        f"held-out recipe held out together): RMSE {cv.rmse:.3f} log10 units; the 95 % "
        f"interval of a new batch's measurement covers {cv.coverage95:.0%} of them"
    )
    for warning in cv.warnings:
        print_line(f"  warning: {warning}")
    plot_parity(cv.predictions).savefig(folder / "parity.png", dpi=150, bbox_inches="tight")
    plot_calibration(cv.predictions).savefig(
        folder / "calibration.png", dpi=150, bbox_inches="tight"
    )
    return [*saved, "parity.png", "calibration.png"]


def _next_suggestions(factory: Any, batch: int) -> None:
    from matdoe.campaign import NEW_INTERVAL_NOTE, propose, suggestion_rows

    with factory.begin() as session:
        proposals, stored, _ = propose(
            session, n=batch, temperature_c=30.0, random_state=99, sources=SOURCES
        )
        rows = suggestion_rows(session, proposals, stored)
    keep = (
        "id",
        "silica",
        "vol_pct",
        "milling_h",
        "reason",
        "sigma_s_cm",
        "new_low95_s_cm",
        "new_high95_s_cm",
        "distance_to_made",
        "host_mg",
        "scaffold_mg",
        "balls_g",
    )
    print_line(render([{k: r[k] for k in keep if k in r} for r in rows], Format.table))
    if rows and "sigma_s_cm" in rows[0]:
        print_line(NEW_INTERVAL_NOTE)  # the table shows only where a new batch will fall
    else:
        print_line(
            "no model yet: the first batches are spread over the space (space-filling start)"
        )


def _pareto_front(factory: Any, folder: Path) -> bool:
    """Create the two-objective campaign on the same batches and print its front.

    Returns whether the front was plotted (``pareto.png``).
    """
    from matdoe.campaign import create_campaign, load_definition
    from matdoe.campaign.view import campaign_view
    from matdoe.paths import data_file
    from matdoe.plots import plot_pareto

    definition = load_definition(data_file(*PARETO_SPACE))
    with factory.begin() as session:
        campaign, _ = create_campaign(
            session, PARETO_CAMPAIGN, definition, notes="made by `matdoe demo`"
        )
        view = campaign_view(session, campaign, sources=SOURCES)
    print_line(
        f"campaign {PARETO_CAMPAIGN} ({'/'.join(PARETO_SPACE)}): "
        + "; ".join(view.objectives)
        + ". The same simulated batches, ranked by both objectives at once:"
    )
    if not view.front:
        print_line("no simulated batch has both objectives yet (run some rounds, e.g. --rounds 3)")
        return False
    print_line("Pareto front (no other batch is both more conductive and milled for less time):")
    print_line(render(view.front, Format.table))
    objectives = [(o.name, o.maximize) for o in definition.objectives]
    figure = plot_pareto(view.table, objectives, title=f"{PARETO_CAMPAIGN} (SIMULATED batches)")
    figure.savefig(folder / PARETO_PLOT, dpi=150, bbox_inches="tight")
    print_line(
        f"ask for batches that extend this front: matdoe suggest --campaign {PARETO_CAMPAIGN} "
        "(expected hypervolume improvement)"
    )
    return True

"""`matdoe demo` / `make demo`: the whole loop on a fresh SQLite database.

1. Create ``demo/matdoe.db`` and load the paper's catalogue and reported values.
2. Run a few rounds of: ask the model for a batch of recipes at 30 °C → "make and measure" them
   with the digital twin (:mod:`matdoe.simulate`; SIMULATED data, labelled as such in the
   database: source ``simulated``, labels ``sim-...``) → record them as samples, pellets and
   impedance resistances, which matdoe turns into conductivities and Arrhenius fits.
3. Print how the best conductivity found improves, fit the model, cross-validate it, save plots,
   and end with the next suggestions and the masses to weigh.

Nothing here is a measurement: the twin is built from the paper's stated facts plus assumed
curve shapes (see :class:`matdoe.simulate.DigitalTwin`).

The demo deletes nothing it did not make. It builds into a folder that does not exist yet or is
empty, and marks it as its own with a marker file (:data:`MARKER`); a later run reuses only a
folder with that marker, and replaces only the files the demo writes (:data:`OWN_FILES`). A
folder holding anything else is refused with one line, whatever it holds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import typer

TEMPERATURES_C = (30.0, 40.0, 50.0, 60.0)
# The demo plays a lab that starts the campaign from its own (simulated) batches only; the paper's
# values stay in the database for reference and comparison but do not feed the model.
SOURCES = ("simulated",)
THICKNESS_CM = 0.032  # 320 µm, within the paper's 200-400 µm
AREA_CM2 = 0.785  # the paper's electrode area

MARKER = ".matdoe-demo"
MARKER_TEXT = (
    "This folder was made by `matdoe demo`. A later `matdoe demo` replaces the files it wrote\n"
    "here (matdoe.db and its journal files, response.png, parity.png, arrhenius.png,\n"
    "calibration.png, pareto.png) and nothing else. Delete this file to keep the demo from\n"
    "ever touching the folder again.\n"
)
# Everything the demo writes; a rerun removes these and only these.
OWN_FILES = (
    "matdoe.db",
    "matdoe.db-wal",
    "matdoe.db-shm",
    "matdoe.db-journal",
    "response.png",
    "parity.png",
    "calibration.png",
    "arrhenius.png",
    "pareto.png",
)
#: The demo's second campaign: the same batches, two objectives (data/spaces/).
PARETO_CAMPAIGN = "na2b12h12-pareto"
PARETO_SPACE = ("spaces", "na2b12h12_sio2_pareto.yaml")
PARETO_PLOT = "pareto.png"


def _say(text: str = "") -> None:
    typer.echo(text)


def _heading(text: str) -> None:
    _say()
    _say(typer.style(text, bold=True))


def claim_folder(folder: Path) -> None:
    """Make ``folder`` the demo's own, or refuse: it must be new, empty, or marked by a demo.

    In a marked folder the files of an earlier demo (:data:`OWN_FILES`) are removed; nothing
    else in it is touched. Raises :class:`~matdoe.errors.InvalidRecordError` for any other folder
    (and for a path that is a file), before anything is written.
    """
    from matdoe.errors import InvalidRecordError

    if folder.exists() and not folder.is_dir():
        raise InvalidRecordError(
            f"--folder {folder}: is a file, not a folder; choose a new folder for the demo"
        )
    if folder.is_dir():
        try:
            entries = [entry.name for entry in folder.iterdir()]
        except OSError as exc:
            raise InvalidRecordError(
                f"--folder {folder}: cannot read it ({exc.strerror or exc})"
            ) from None
        if entries and MARKER not in entries:
            raise InvalidRecordError(
                f"--folder {folder} holds files that the demo did not make (e.g. "
                f"{sorted(entries)[0]!r}); the demo builds only in a new or empty folder, or in "
                "one an earlier demo made: choose another, e.g. --folder matdoe-demo"
            )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in OWN_FILES:
            own = folder / name
            if own.is_file() or own.is_symlink():
                own.unlink()
        (folder / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    except OSError as exc:
        raise InvalidRecordError(
            f"--folder {folder}: cannot write there ({exc.strerror or exc})"
        ) from None


def build_demo_database(
    folder: Path, *, rounds: int = 3, batch: int = 4, seed: int = 0, quiet: bool = False
) -> str:
    """Build the demo database in ``folder`` (see :func:`claim_folder`); returns its URL."""
    from matdoe.db import make_engine, session_factory, upgrade
    from matdoe.paper import load_paper_data

    say = (lambda *_: None) if quiet else _say
    claim_folder(folder)
    path = folder / "matdoe.db"
    url = f"sqlite:///{path.as_posix()}"
    engine = make_engine(url)
    upgrade(engine)
    factory = session_factory(engine)
    with factory.begin() as session:
        counts = load_paper_data(session)
    say(
        f"created {path} and loaded the paper's data (DOI 10.1039/d5ta09128d): "
        f"{counts['materials']} materials, {counts['samples']} samples, "
        f"{counts['measurements']} reported values"
    )
    for number in range(1, rounds + 1):
        run_round(factory, number, batch=batch, seed=seed, say=say)
    engine.dispose()
    return url


def run_round(factory: Any, number: int, *, batch: int, seed: int, say: Any = _say) -> float:
    """One round: suggest a batch at 30 °C, simulate making and measuring it, record it."""
    from matdoe.campaign import observations, propose
    from matdoe.db.store import add_sample
    from matdoe.records import SampleRecord
    from matdoe.simulate import DigitalTwin

    twin = DigitalTwin()
    with factory.begin() as session:
        proposals, stored, _ = propose(
            session, n=batch, temperature_c=30.0, random_state=seed + number, sources=SOURCES
        )
        measured = twin.measure(proposals, TEMPERATURES_C, random_state=seed * 1000 + number)
        for position, (suggestion, (_, row)) in enumerate(
            zip(stored, proposals.iterrows(), strict=True), start=1
        ):
            label = f"sim-R{number}-{position}"
            runs = measured[
                (measured["silica"] == row["silica"])
                & (measured["vol_pct"] == row["vol_pct"])
                & (measured["milling_h"] == row["milling_h"])
            ]
            record = SampleRecord.model_validate(
                {
                    "label": label,
                    "host": "Na2B12H12",
                    "scaffold": row["silica"],
                    "scaffold_vol_pct": float(row["vol_pct"]),
                    "milling_h": float(row["milling_h"]),
                    "batch_mg": 500,
                    "milling_rpm": 400,
                    "ball_to_powder": 140,
                    "mill_on_min": 5,
                    "mill_off_min": 5,
                    "atmosphere": "Ar",
                    "source": "simulated",
                    "suggestion_id": suggestion.id,
                    "notes": "SIMULATED by matdoe.simulate.DigitalTwin for the demo; not a measurement",
                    "pellet": {"thickness_cm": THICKNESS_CM, "area_cm2": AREA_CM2},
                    "measurements": [
                        {
                            "kind": "eis",
                            "temperature_k": float(run.temperature_c) + 273.15,
                            "direction": "heating",
                            "source": "simulated",
                            # The lab measures R; the twin's sigma becomes the R it implies.
                            "resistance_ohm": THICKNESS_CM / (float(run.sigma_s_cm) * AREA_CM2),
                        }
                        for run in runs.itertuples()
                    ],
                }
            )
            add_sample(session, record)
        best = observations(session, sources=SOURCES)
        at30 = best[(best["temperature_c"] - 30.0).abs() < 0.5]
        top = at30.loc[at30["log10_sigma"].idxmax()] if len(at30) else None
    made = ", ".join(
        f"{r['silica'].removeprefix('SiO2-')} {r['vol_pct']:g} vol% {r['milling_h']:g} h"
        for _, r in proposals.iterrows()
    )
    value = float(top["log10_sigma"]) if top is not None else math.nan
    say(f"round {number}: made {made}")
    if top is not None:
        say(
            f"         best measured sigma(30 °C) so far: {10**value:.3g} S/cm ({top['sample']}: "
            f"{top['silica']}, {top['vol_pct']:g} vol%, {top['milling_h']:g} h)"
        )
    return value


def run_demo(folder: Path, *, rounds: int = 3, batch: int = 4, db: str | None = None) -> None:
    """The `matdoe demo` command."""
    import os

    from matdoe.simulate import DigitalTwin

    if db is not None or os.environ.get("MATDOE_DB"):
        _say("note: the demo always builds its own SQLite database in the demo folder")
    claim_folder(folder)  # refuses a folder that is not the demo's before saying anything
    _heading("1. A fresh database with the paper's data")
    url = build_demo_database(folder, rounds=0)
    _print_catalogue(url)

    _heading(
        f"2. The design loop on the digital twin (SIMULATED measurements), {rounds} rounds "
        f"of {batch}"
    )
    twin = DigitalTwin()
    best_recipe, best_value = twin.optimum(30.0)
    from matdoe.db import make_engine, session_factory

    engine = make_engine(url)
    factory = session_factory(engine)
    _say(
        "The simulated lab starts with no conductivity of its own; the model sees only its "
        "simulated batches (the paper's values stay in the database for comparison)."
    )
    found = math.nan
    for number in range(1, rounds + 1):
        found = run_round(factory, number, batch=batch, seed=0)
    if math.isfinite(found):
        _say(
            f"after {rounds * batch} simulated batches: best measured sigma(30 °C) "
            f"{10**found:.3g} S/cm (simulated: a measurement scatters by about ±12 % and a "
            "batch by about ±15 %); "
            "the paper's best composite: about 5e-4 S/cm (35 vol% SiO2-A200, 4 h)"
        )
    else:
        _say("no simulated batches yet (--rounds 0): the lab has no conductivity of its own")
    _say(
        f"(the twin's own optimum at 30 °C: {10**best_value:.3g} S/cm at "
        f"{best_recipe['silica']}, {best_recipe['vol_pct']:g} vol%, "
        f"{best_recipe['milling_h']:g} h; the lab never sees this)"
    )

    _heading("3. The model now")
    plots = _model_report(factory, folder)

    _heading("4. Next suggestions at 30 °C")
    _next_suggestions(factory, batch)

    _heading("5. Two objectives: sigma at 30 °C against milling hours (the cost of a batch)")
    if _pareto_front(factory, folder):
        plots.append(PARETO_PLOT)
    engine.dispose()
    _say()
    explore = f"Explore it: matdoe --db {url} sample list"
    if rounds:
        explore += f"   |   matdoe --db {url} sample show sim-R1-1"
    _say(explore)
    _say(f"            matdoe --db {url} campaign show {PARETO_CAMPAIGN}")
    if plots:
        _say("Plots: " + ", ".join(str(folder / name) for name in plots))


def _print_catalogue(url: str) -> None:
    from matdoe.cli.common import Format, render
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
    _say(render(materials, Format.table))
    _say()
    _say("Conductivities the paper states in its text (the rest are in its figures only):")
    _say(render(samples, Format.table))


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
            _say(
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
    _say(
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
        _say(f"no cross-validation yet: {exc}".replace("Record more with", "run more rounds or"))
        return saved
    _say(
        f"leave-recipe-out cross-validation ({cv.n_groups} recipes, every temperature of a "
        f"held-out recipe held out together): RMSE {cv.rmse:.3f} log10 units; the 95 % "
        f"interval of a new batch's measurement covers {cv.coverage95:.0%} of them"
    )
    for warning in cv.warnings:
        _say(f"  warning: {warning}")
    plot_parity(cv.predictions).savefig(folder / "parity.png", dpi=150, bbox_inches="tight")
    plot_calibration(cv.predictions).savefig(
        folder / "calibration.png", dpi=150, bbox_inches="tight"
    )
    return [*saved, "parity.png", "calibration.png"]


def _next_suggestions(factory: Any, batch: int) -> None:
    from matdoe.campaign import INTERVAL_NOTE, propose, suggestion_rows
    from matdoe.cli.common import Format, render

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
    _say(render([{k: r[k] for k in keep if k in r} for r in rows], Format.table))
    if rows and "sigma_s_cm" in rows[0]:
        _say(INTERVAL_NOTE)
    else:
        _say("no model yet: the first batches are spread over the space (space-filling start)")


def _pareto_front(factory: Any, folder: Path) -> bool:
    """Create the two-objective campaign on the same batches and print its front.

    Returns whether the front was plotted (``pareto.png``).
    """
    from matdoe.campaign import create_campaign, load_definition
    from matdoe.campaign.view import campaign_view
    from matdoe.cli.common import Format, render
    from matdoe.paths import data_file
    from matdoe.plots import plot_pareto

    definition = load_definition(data_file(*PARETO_SPACE))
    with factory.begin() as session:
        campaign, _ = create_campaign(
            session, PARETO_CAMPAIGN, definition, notes="made by `matdoe demo`"
        )
        view = campaign_view(session, campaign, sources=SOURCES)
    _say(
        f"campaign {PARETO_CAMPAIGN} ({'/'.join(PARETO_SPACE)}): "
        + "; ".join(view.objectives)
        + ". The same simulated batches, ranked by both objectives at once:"
    )
    if not view.front:
        _say("no simulated batch has both objectives yet (run some rounds, e.g. --rounds 3)")
        return False
    _say("Pareto front (no other batch is both more conductive and milled for less time):")
    _say(render(view.front, Format.table))
    objectives = [(o.name, o.maximize) for o in definition.objectives]
    figure = plot_pareto(view.table, objectives, title=f"{PARETO_CAMPAIGN} (SIMULATED batches)")
    figure.savefig(folder / PARETO_PLOT, dpi=150, bbox_inches="tight")
    _say(
        f"ask for batches that extend this front: matdoe suggest --campaign {PARETO_CAMPAIGN} "
        "(expected hypervolume improvement)"
    )
    return True

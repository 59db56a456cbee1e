"""`matdoe demo` / `make demo`: the whole loop on a fresh SQLite database.

1. Create ``demo/matdoe.db`` and load the paper's catalogue and reported values.
2. Run a few rounds of: ask the model for a batch of recipes at 30 °C → "make and measure" them
   with the digital twin (:mod:`matdoe.simulate`; SIMULATED data, labelled as such in the
   database: source ``simulated``, labels ``sim-...``) → record them as samples, pellets and
   impedance resistances, which matdoe turns into conductivities and Arrhenius fits.
3. Print how the best conductivity found improves, fit the model, cross-validate it, save plots,
   and end with the next suggestions and the masses to weigh.

This module builds the demo database and runs its rounds (also used by the notebooks); the
command that prints the whole demo is :mod:`matdoe.cli.demo`.

Nothing here is a measurement: the twin is built from the paper's stated facts plus assumed
curve shapes (see :class:`matdoe.simulate.DigitalTwin`).

The demo deletes nothing it did not make. It builds into a folder that does not exist yet or is
empty, and marks it as its own with a marker file (:data:`MARKER`); a later run reuses only a
folder with that marker, and replaces only the files the demo writes (:data:`OWN_FILES`). A
folder holding anything else is refused with one line, whatever it holds, and so is a demo
database that records were written to after the demo finished (the marker fingerprints it).
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


def print_line(text: str = "") -> None:
    """Print one line of the demo."""
    typer.echo(text)


def print_heading(text: str) -> None:
    """Print a section heading of the demo."""
    print_line()
    print_line(typer.style(text, bold=True))


#: The line of the marker file that fingerprints the database a finished demo left.
FINGERPRINT = "database fingerprint: "


def database_fingerprint(path: Path) -> str:
    """Row count and highest row id of every table of a SQLite file, hashed (read-only).

    Reading the database leaves it unchanged; adding, editing (a history row) or deleting
    records changes it.
    """
    import hashlib
    import json
    import sqlite3

    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        shape = [
            [name, *con.execute(f'SELECT count(*), max(rowid) FROM "{name}"').fetchone()]
            for name in tables
        ]
    finally:
        con.close()
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()[:16]


def seal_folder(folder: Path) -> None:
    """Record in the marker file what the demo's database holds now (see :func:`claim_folder`)."""
    path = folder / "matdoe.db"
    if path.is_file():
        text = MARKER_TEXT + f"\n{FINGERPRINT}{database_fingerprint(path)}\n"
        (folder / MARKER).write_text(text, encoding="utf-8")


def _changed_since_demo(folder: Path) -> bool:
    """Whether the demo database of a marked folder was written after the demo finished."""
    path, marker = folder / "matdoe.db", folder / MARKER
    if not path.is_file() or not marker.is_file():
        return False
    lines = [line for line in marker.read_text(encoding="utf-8").splitlines() if line]
    recorded = [line.removeprefix(FINGERPRINT) for line in lines if line.startswith(FINGERPRINT)]
    if not recorded:  # an unfinished demo: its database is its own
        return False
    wal = folder / "matdoe.db-wal"
    if wal.is_file() and wal.stat().st_size > 0:
        return True  # open elsewhere, or not closed: committed records may sit in the WAL
    import sqlite3

    try:
        return database_fingerprint(path) != recorded[-1]
    except sqlite3.DatabaseError:  # no database any more (e.g. a half-written file): no records
        return False


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
        if MARKER in entries and _changed_since_demo(folder):
            raise InvalidRecordError(
                f"--folder {folder}: its matdoe.db was changed after the demo built it (records "
                "were added, edited or deleted there), so the demo will not replace it; move it "
                "away or choose another folder, e.g. --folder matdoe-demo-2"
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

    say = (lambda *_: None) if quiet else print_line
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
    seal_folder(folder)
    return url


def run_round(factory: Any, number: int, *, batch: int, seed: int, say: Any = print_line) -> float:
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

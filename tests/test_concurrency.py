"""Several processes recording at once: every row lands once, nobody sees "database is locked".

Eight processes (multiprocessing, spawn) start together at a barrier. All first race to add the
same label (one wins, the others get a clear refusal); then each records samples and
measurements the way the CLI does (one transaction per command through ``matdoe.db.store``), and
some of them through the CLI itself (typer's CliRunner in the worker).
"""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

from sqlalchemy import func, select

PROCESSES = 8
SAMPLES_PER_PROCESS = 10
MEASUREMENTS_PER_SAMPLE = 2
CLI_SAMPLES_PER_PROCESS = 2  # of the samples above, recorded through the CLI itself


def worker(url: str, index: int, barrier: Any, results: Any) -> None:
    """Record this worker's samples; put (index, list of error texts) on ``results``."""
    errors: list[str] = []
    try:
        from typer.testing import CliRunner

        from matdoe.cli import app
        from matdoe.db import make_engine, session_factory
        from matdoe.db.store import add_measurement, add_sample, find_sample, refresh_fits
        from matdoe.records import MeasurementRecord, SampleRecord

        engine = make_engine(url)
        factory = session_factory(engine)
        runner = CliRunner()
        barrier.wait(timeout=120)
        # Everybody adds the same label at the same moment: one wins, the others are refused.
        race = runner.invoke(
            app,
            [
                "--db",
                url,
                "sample",
                "add",
                "--label",
                "RACE-1",
                "--host",
                "Na2B12H12",
                "--scaffold",
                "none",
            ],
        )
        results.put(("race", index, race.exit_code, race.stderr))
        for n in range(SAMPLES_PER_PROCESS):
            label = f"P{index}-S{n}"
            temperatures = [30 + 15 * k for k in range(MEASUREMENTS_PER_SAMPLE)]
            if n < CLI_SAMPLES_PER_PROCESS:
                add = ["sample", "add", "--label", label, "--host", "Na2B12H12", "--silica"]
                commands = [[*add, "A200", "--vol", str(5 + n), "--milling", "4h"]]
                commands += [
                    ["measure", "add", label, "-t", f"{t}C", "--sigma", f"{1e-4 * (index + 1)}S/cm"]
                    for t in temperatures
                ]
                for args in commands:
                    result = runner.invoke(app, ["--db", url, *args])
                    if result.exit_code != 0:
                        errors.append(f"{args[:2]} {label}: {result.stderr.strip()}")
                continue
            record = SampleRecord.model_validate(
                {
                    "label": label,
                    "host": "Na2B12H12",
                    "scaffold": "SiO2-A200",
                    "scaffold_vol_pct": 5 + n,
                    "batch_mg": 500,
                    "milling_h": 4,
                }
            )
            with factory.begin() as session:
                add_sample(session, record)
            for t in temperatures:
                measurement = MeasurementRecord.model_validate(
                    {"temperature_k": f"{t} C", "sigma_s_cm": 1e-4 * (index + 1)}
                )
                with factory.begin() as session:
                    sample = find_sample(session, label)
                    add_measurement(session, sample, measurement)
                    refresh_fits(session, sample)
        engine.dispose()
    except Exception:
        errors.append(traceback.format_exc())
    results.put(("done", index, errors))


def test_eight_processes_record_at_once_and_every_row_lands_once(
    db_url: str, materials: dict[str, int], session_factory: Any
) -> None:
    from matdoe.db.models import Measurement, Revision, Sample

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=worker, args=(db_url, index, barrier, results))
        for index in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    messages: list[tuple[Any, ...]] = []
    while sum(kind == "done" for kind, *_ in messages) < PROCESSES:
        messages.append(results.get(timeout=300))
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    errors = [e for kind, _, *rest in messages if kind == "done" for e in rest[0]]
    assert errors == [], "\n".join(errors)
    assert not any("locked" in e for e in errors)

    races = [
        (code, stderr) for kind, _, *rest in messages if kind == "race" for code, stderr in [rest]
    ]
    assert sorted(code for code, _ in races) == [0] + [1] * (PROCESSES - 1), races
    for code, stderr in races:
        if code:
            assert "already exists" in stderr and "Traceback" not in stderr, stderr
            assert stderr.strip().count("\n") == 0

    expected = {f"P{i}-S{n}" for i in range(PROCESSES) for n in range(SAMPLES_PER_PROCESS)}
    with session_factory() as session:
        assert session.scalar(select(func.count()).where(Sample.label == "RACE-1")) == 1
        labels = [x for x in session.scalars(select(Sample.label)) if x != "RACE-1"]
        assert len(labels) == len(set(labels)) == len(expected)
        assert set(labels) == expected
        per_sample = dict(
            session.execute(
                select(Sample.label, func.count(Measurement.id))
                .join(Measurement)
                .group_by(Sample.label)
            ).all()
        )
        assert per_sample == dict.fromkeys(expected, MEASUREMENTS_PER_SAMPLE)
        pairs = session.execute(select(Measurement.sample_id, Measurement.temperature_k)).all()
        assert len(pairs) == PROCESSES * SAMPLES_PER_PROCESS * MEASUREMENTS_PER_SAMPLE
        assert len(pairs) == len(set(pairs))  # no measurement written twice
        inserts = session.scalar(
            select(func.count()).where(Revision.table_name == "sample", Revision.action == "insert")
        )
        assert inserts == len(expected) + 1

"""Schema migrations: an old database upgrades with every row intact; the result is the models."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from matdoe.db import current_revision, head_revision, make_engine, upgrade
from matdoe.db.migrate import VERSION_TABLE, is_initialised
from matdoe.db.models import Base

FIRST = "0001"
TABLES_AT_FIRST = ("material", "sample", "pellet", "measurement", "spectrum", "fit", "revision")

# Rows as a lab would have written them with matdoe at revision 0001 (plain SQL, no ORM).
ROWS_AT_FIRST: dict[str, list[dict[str, Any]]] = {
    "material": [
        {
            "id": 1,
            "name": "Na2B12H12",
            "formula": "Na2B12H12",
            "kind": "host",
            "density_g_cm3": 1.34,
            "density_source": "crystal structure",
        },
        {
            "id": 2,
            "name": "SiO2-A200",
            "formula": "SiO2",
            "kind": "scaffold",
            "bet_m2_g": 191.2,
            "density_g_cm3": 2.2,
            "density_source": "handbook",
            "notes": "lot 2024-ß; ünïcode kept",
        },
    ],
    "sample": [
        {
            "id": 1,
            "label": "S-35-A200",
            "host_id": 1,
            "scaffold_id": 2,
            "scaffold_vol_pct": 35.0,
            "host_mg": 265.4,
            "scaffold_mg": 234.6,
            "batch_mg": 500.0,
            "masses_source": "derived",
            "milling_h": 4.0,
            "made_on": "2026-03-02",
            "status": "made",
            "source": "measured",
            "extra": '{"jar": "WC-1"}',
        },
        {
            "id": 2,
            "label": "S-pristine",
            "host_id": 1,
            "scaffold_id": None,
            "scaffold_vol_pct": 0.0,
            "masses_source": "derived",
            "status": "made",
            "source": "paper",
            "citation": "10.1039/d5ta09128d, Fig. 2",
        },
    ],
    "pellet": [{"id": 1, "sample_id": 1, "thickness_cm": 0.032, "area_cm2": 0.785}],
    "measurement": [
        {
            "id": 1,
            "sample_id": 1,
            "pellet_id": 1,
            "kind": "eis",
            "temperature_k": 333.15,
            "resistance_ohm": 850.0,
            "thickness_cm": 0.032,
            "area_cm2": 0.785,
            "sigma_s_cm": 4.795e-05,
            "source": "measured",
        },
        {
            "id": 2,
            "sample_id": 1,
            "kind": "lsv",
            "value": 3.9,
            "unit": "V",
            "details": '{"scan_rate_mV_s": 0.1}',
            "source": "measured",
        },
        {
            "id": 3,
            "sample_id": 2,
            "kind": "eis",
            "temperature_k": 333.15,
            "sigma_s_cm": 1.9e-05,
            "source": "paper",
            "citation": "10.1039/d5ta09128d, text",
        },
    ],
    "spectrum": [{"id": 1, "measurement_id": 1, "data": '{"f_hz": [1, 10], "z_re": [900, 850]}'}],
    "fit": [
        {
            "id": 1,
            "sample_id": 1,
            "kind": "arrhenius",
            "method": "arrhenius-sigma_t",
            "ea_ev": 0.45,
            "n_points": 3,
            "package_version": "0.1.0",
            "computed_at": "2026-03-03 10:00:00",
        }
    ],
    "revision": [
        {
            "id": 1,
            "table_name": "sample",
            "record_id": 1,
            "record_key": "S-35-A200",
            "action": "insert",
            "data": '{"label": "S-35-A200", "milling_h": 2.0}',
            "changed_at": "2026-03-02 09:00:00",
            "changed_by": "lab",
        }
    ],
}
TIMESTAMPED = {"material", "sample", "pellet", "measurement"}


def _fill(connection: Any) -> None:
    """Insert the rows in order; the ids are generated (1, 2, ...) as the documents say."""
    for table, rows in ROWS_AT_FIRST.items():
        for row in rows:
            values = {k: v for k, v in row.items() if k != "id"}
            if table in TIMESTAMPED:
                values.setdefault("created_at", "2026-03-02 09:00:00")
                values.setdefault("updated_at", "2026-03-02 09:00:00")
            columns = ", ".join(values)
            marks = ", ".join(f":{c}" for c in values)
            connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


def _read(connection: Any, columns: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table, names in columns.items():
        result = connection.execute(text(f"SELECT {', '.join(names)} FROM {table} ORDER BY id"))
        out[table] = [
            tuple(json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in row)
            for row in result
        ]
    return out


def test_database_at_the_first_revision_upgrades_with_every_row_intact(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        upgrade(engine, FIRST)
        assert current_revision(engine) == FIRST
        inspector = inspect(engine)
        columns = {t: [c["name"] for c in inspector.get_columns(t)] for t in TABLES_AT_FIRST}
        with engine.begin() as connection:
            _fill(connection)
        with engine.connect() as connection:
            before = _read(connection, columns)
        assert {t: [row[0] for row in rows] for t, rows in before.items()} == {
            t: [row["id"] for row in ROWS_AT_FIRST[t]] for t in TABLES_AT_FIRST
        }
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            after = _read(connection, columns)
            new_column = connection.execute(text("SELECT suggestion_id FROM sample")).all()
        assert after == before
        assert new_column == [(None,), (None,)]
    finally:
        engine.dispose()


def test_upgraded_database_accepts_new_records_and_keeps_foreign_keys(empty_url: str) -> None:
    from matdoe.db import session_factory
    from matdoe.db.store import add_measurement, find_sample
    from matdoe.records import MeasurementRecord

    engine = make_engine(empty_url)
    try:
        upgrade(engine, FIRST)
        with engine.begin() as connection:
            _fill(connection)
        upgrade(engine)
        with session_factory(engine).begin() as session:
            sample = find_sample(session, "S-35-A200")
            assert [m.id for m in sample.measurements] == [1, 2]
            record = MeasurementRecord.model_validate({"temperature_k": 303.15, "sigma_s_cm": 1e-5})
            assert add_measurement(session, sample, record).id == 4
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"), engine.begin() as connection:
            connection.execute(text("UPDATE sample SET suggestion_id = 999 WHERE id = 1"))
    finally:
        engine.dispose()


def test_migrated_schema_equals_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_version_table_has_matdoe_s_own_name(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert is_initialised(engine)
        tables = set(inspect(engine).get_table_names())
        assert VERSION_TABLE in tables
        assert "alembic_version" not in tables
    finally:
        engine.dispose()


def test_init_twice_is_harmless(empty_url: str) -> None:
    from typer.testing import CliRunner

    from matdoe.cli import app
    from matdoe.db import session_factory
    from matdoe.db.bundle import export_tables

    runner = CliRunner()
    first = runner.invoke(app, ["--db", empty_url, "init", "--example"])
    assert first.exit_code == 0, first.stderr
    assert "created (schema revision" in first.stderr
    engine = make_engine(empty_url)
    try:
        with session_factory(engine)() as session:
            before = export_tables(session)
        assert before["sample"]
        second = runner.invoke(app, ["--db", empty_url, "init", "--example"])
        assert second.exit_code == 0, second.stderr
        assert f"schema is current (revision {head_revision()})" in second.stderr
        assert "loaded the paper's data: 0 materials, 0 samples" in second.stderr
        with session_factory(engine)() as session:
            assert export_tables(session) == before
    finally:
        engine.dispose()


def test_interrupted_migration_can_be_run_again(
    empty_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure inside revision 0002 leaves the database at 0001 with its rows; re-run works."""
    from alembic.operations import Operations

    engine = make_engine(empty_url)
    try:
        upgrade(engine, FIRST)
        with engine.begin() as connection:
            _fill(connection)
        original = Operations.batch_alter_table

        def crash(*args: Any, **kwargs: Any) -> Any:
            raise KeyboardInterrupt("power cut during the migration")

        monkeypatch.setattr(Operations, "batch_alter_table", crash)
        with pytest.raises(KeyboardInterrupt):
            upgrade(engine)
        engine.dispose()
        assert current_revision(engine) == FIRST
        tables = set(inspect(engine).get_table_names())
        assert "campaign" not in tables and "suggestion" not in tables
        monkeypatch.setattr(Operations, "batch_alter_table", original)
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM measurement")).scalar()
        assert count == len(ROWS_AT_FIRST["measurement"])
    finally:
        engine.dispose()


def test_head_constant_matches_the_migration_scripts() -> None:
    """Commands compare the database with ``HEAD`` without reading the scripts."""
    from matdoe.db.migrate import HEAD

    assert head_revision() == HEAD


# The default campaign as matdoe at revision 0004 stored it (the first space layout: no field
# names, no recipe, one ``objective``), with a batch of suggestions, one of them made.
SPACE_AT_0004 = {
    "parameters": [
        {
            "type": "categorical",
            "name": "silica",
            "choices": ["SiO2-A200", "SiO2-A380"],
            "descriptors": {
                "SiO2-A200": {"bet_m2_g": 191.2, "mesoporous": 0.0},
                "SiO2-A380": {"bet_m2_g": 349.2, "mesoporous": 0.0},
            },
        },
        {"type": "float", "name": "vol_pct", "low": 5.0, "high": 60.0, "step": 0.5, "log": False},
        {"type": "float", "name": "milling_h", "low": 0.5, "high": 12.0, "step": 0.25},
    ],
    "constraints": [],
    "conditions": [
        {
            "name": "temperature_c",
            "low": 20.0,
            "high": 100.0,
            "default": 30.0,
            "transform": "inverse_temperature",
        }
    ],
    "objective": {"name": "log10_sigma", "maximize": True},
}


def test_a_campaign_and_its_suggestions_survive_revision_0005(empty_url: str) -> None:
    from matdoe.campaign import definition_of, resolve_campaign, suggestion_recipe, suggestion_table
    from matdoe.db import session_factory

    engine = make_engine(empty_url)
    try:
        upgrade(engine, "0004")
        with engine.begin() as connection:
            _fill(connection)
            connection.execute(
                text(
                    "INSERT INTO campaign (name, objective, maximize, space, notes, created_at, "
                    "updated_at) VALUES ('default', 'log10_sigma', :t, :space, 'ours', "
                    "'2026-05-01 10:00:00', '2026-05-01 10:00:00')"
                ),
                {"t": True, "space": json.dumps(SPACE_AT_0004)},
            )
            for number, (silica, status) in enumerate(
                [("SiO2-A200", "made"), ("SiO2-A380", "pending")], start=1
            ):
                connection.execute(
                    text(
                        "INSERT INTO suggestion (campaign_id, batch, parameters, conditions, "
                        "predicted_mean, predicted_std, strategy, status, created_at) VALUES "
                        "(1, 1, :p, :c, -3.5, 0.2, 'gp-ei', :s, '2026-05-02 10:00:00')"
                    ),
                    {
                        "p": json.dumps(
                            {"silica": silica, "vol_pct": 20.0 * number, "milling_h": 2.0}
                        ),
                        "c": json.dumps({"temperature_c": 30.0}),
                        "s": status,
                    },
                )
            connection.execute(text("UPDATE sample SET suggestion_id = 1 WHERE id = 1"))
        upgrade(engine)
        with session_factory(engine).begin() as session:
            campaign = resolve_campaign(session)
            assert (campaign.id, campaign.name, campaign.status, campaign.notes) == (
                1, "default", "open", "ours",
            )  # fmt: skip
            definition = definition_of(campaign)
            assert dict(definition.fields) == {
                "silica": "scaffold", "vol_pct": "scaffold_vol_pct", "milling_h": "milling_h",
            }  # fmt: skip
            assert definition.host == "Na2B12H12"
            assert [(o.name, o.maximize) for o in definition.objectives] == [("log10_sigma", True)]
            rows = suggestion_table(session, campaign=campaign)
            assert [(r["id"], r["status"], r["silica"], r["vol_pct"]) for r in rows] == [
                (1, "made", "SiO2-A200", 20.0),
                (2, "pending", "SiO2-A380", 40.0),
            ]
            assert rows[0]["samples"] == "S-35-A200"
            assert rows[0]["predicted_log10_sigma"] == -3.5
            recipe = suggestion_recipe(session, 2)
            assert (recipe["host"], recipe["scaffold"], recipe["scaffold_vol_pct"]) == (
                "Na2B12H12", "SiO2-A380", 40.0,
            )  # fmt: skip
        with engine.connect() as connection:
            history = connection.execute(
                text("SELECT action, data FROM revision WHERE table_name = 'campaign' ORDER BY id")
            ).all()
        assert [action for action, _ in history] == ["insert", "update"]
        first = history[0][1] if isinstance(history[0][1], dict) else json.loads(history[0][1])
        assert first["space"]["objective"] == {"name": "log10_sigma", "maximize": True}
    finally:
        engine.dispose()

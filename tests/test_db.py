"""The lab database on SQLite and PostgreSQL: invariants, store functions, history, URLs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from matdoe.db import make_engine, mask_url, resolve_url, translate_error
from matdoe.db.models import Material, Measurement, Revision, Sample
from matdoe.db.store import (
    SampleFilter,
    add_measurement,
    add_samples,
    find_material,
    find_sample,
    history,
    list_samples,
    refresh_fits,
    sample_record,
    update_sample,
)
from matdoe.errors import DuplicateError, InvalidRecordError, NotFoundError
from matdoe.records import MeasurementRecord, SampleRecord


def _raw_insert_refused(session_factory: Any, statement: str, params: dict[str, Any]) -> Exception:
    with pytest.raises(IntegrityError) as info, session_factory.begin() as session:
        session.execute(text(statement), params)
    return translate_error(info.value)


def test_engine_settings_per_backend(engine: Any, backend: str) -> None:
    with engine.connect() as connection:
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000
        else:
            assert connection.dialect.driver == "psycopg"


def test_database_refuses_rows_that_break_invariants(
    session_factory: Any, materials: dict[str, int]
) -> None:
    host, silica = materials["Na2B12H12"], materials["SiO2-A200"]
    insert = (
        "INSERT INTO sample (label, host_id, scaffold_id, scaffold_vol_pct, masses_source, "
        "status, source, created_at, updated_at) VALUES (:label, :host, :scaffold, :vol, "
        "'derived', 'made', 'measured', :now, :now)"
    )
    now = dt.datetime(2026, 1, 1)
    for vol in (-1.0, 100.5):
        error = _raw_insert_refused(
            session_factory,
            insert,
            {"label": f"v{vol}", "host": host, "scaffold": silica, "vol": vol, "now": now},
        )
        assert isinstance(error, InvalidRecordError)
    # A foreign key to a material that does not exist (SQLite: PRAGMA foreign_keys=ON).
    error = _raw_insert_refused(
        session_factory,
        insert,
        {"label": "fk", "host": 999_999, "scaffold": silica, "vol": 10.0, "now": now},
    )
    assert "referenced record" in str(error) or "refused" in str(error)
    # A scaffold fraction without a scaffold.
    _raw_insert_refused(
        session_factory,
        insert,
        {"label": "ns", "host": host, "scaffold": None, "vol": 5.0, "now": now},
    )
    with session_factory.begin() as session:
        session.execute(
            text(insert), {"label": "ok", "host": host, "scaffold": silica, "vol": 35.0, "now": now}
        )
    error = _raw_insert_refused(
        session_factory,
        insert,
        {"label": "ok", "host": host, "scaffold": silica, "vol": 35.0, "now": now},
    )
    assert isinstance(error, DuplicateError)
    with session_factory() as session:
        assert session.scalars(select(Sample.label)).all() == ["ok"]


def test_measurement_constraints_hold_in_the_database(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-1")
    with session_factory() as session:
        sample_id = find_sample(session, "S-1").id
    insert = (
        "INSERT INTO measurement (sample_id, kind, temperature_k, resistance_ohm, sigma_s_cm, "
        "source, created_at, updated_at) VALUES (:sid, 'eis', :t, :r, :s, 'measured', :now, :now)"
    )
    now = dt.datetime(2026, 1, 1)
    for t, r, s in (
        (-5.0, None, 1e-3),
        (300.0, 0.0, 1e-3),
        (300.0, None, None),
        (None, None, 1e-3),
    ):
        _raw_insert_refused(
            session_factory, insert, {"sid": sample_id, "t": t, "r": r, "s": s, "now": now}
        )
    with session_factory() as session:
        assert session.scalar(select(Measurement.id)) is None


def test_add_sample_derives_masses_from_the_volume_fraction(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-35", vol=35.0)
    with session_factory() as session:
        sample = find_sample(session, "S-35")
        assert sample.masses_source == "derived"
        assert sample.host_mg + sample.scaffold_mg == pytest.approx(500.0)
        host_volume = sample.host_mg / 1.1608
        scaffold_volume = sample.scaffold_mg / 2.2
        assert scaffold_volume / (host_volume + scaffold_volume) == pytest.approx(0.35, rel=1e-6)


def test_weighed_masses_are_kept(session_factory: Any, make_sample: Any) -> None:
    make_sample("S-w", vol=35.0, host_mg="265.4 mg", scaffold_mg="0.2346 g", batch_mg=None)
    with session_factory() as session:
        sample = find_sample(session, "S-w")
        assert (sample.host_mg, sample.scaffold_mg) == pytest.approx((265.4, 234.6))
        assert sample.masses_source == "weighed"


def test_duplicate_label_and_unknown_material_are_refused(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-1")
    with pytest.raises(DuplicateError, match="'S-1' already exists"):
        make_sample("S-1")
    with pytest.raises(NotFoundError, match="unknown material 'SiO2-A999'"):
        make_sample("S-2", scaffold="SiO2-A999")
    with session_factory() as session:
        assert session.scalars(select(Sample.label)).all() == ["S-1"]


def test_find_material_by_suffix_and_case(session_factory: Any, materials: dict[str, int]) -> None:
    with session_factory() as session:
        assert find_material(session, "A200").name == "SiO2-A200"
        assert find_material(session, "sio2a200").name == "SiO2-A200"
        with pytest.raises(NotFoundError, match="known: Na2B12H12, SiO2-A200"):
            find_material(session, "A300")


def test_sigma_is_computed_from_resistance_and_geometry(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-1")
    record = MeasurementRecord.model_validate(
        {
            "temperature_k": "60 C",
            "resistance_ohm": "850 ohm",
            "thickness_cm": "320 um",
            "area_cm2": "0.785 cm2",
        }
    )
    with session_factory.begin() as session:
        measurement = add_measurement(session, find_sample(session, "S-1"), record)
        assert measurement.sigma_s_cm == pytest.approx(0.032 / (850 * 0.785), rel=1e-12)
        assert measurement.sigma_std_s_cm > 0
    missing = MeasurementRecord.model_validate({"temperature_k": 300, "resistance_ohm": 100})
    with (
        pytest.raises(InvalidRecordError, match="needs the pellet thickness"),
        session_factory.begin() as session,
    ):
        add_measurement(session, find_sample(session, "S-1"), missing)


def test_pellet_geometry_is_used_when_a_measurement_has_none(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-p", pellet={"thickness_cm": "0.05 cm", "area_cm2": 0.5})
    record = MeasurementRecord.model_validate({"temperature_k": "30 C", "resistance_ohm": 1000})
    with session_factory.begin() as session:
        sample = find_sample(session, "S-p")
        measurement = add_measurement(session, sample, record)
        assert measurement.sigma_s_cm == pytest.approx(0.05 / (1000 * 0.5))
        assert measurement.pellet_id == sample.pellets[0].id


def test_arrhenius_fit_is_stored_from_three_temperatures(
    session_factory: Any, make_sample: Any
) -> None:
    ea_ev, k_ev = 0.45, 8.617333262e-5
    temperatures = (30.0, 45.0, 60.0, 75.0)
    import math

    make_sample("S-fit")
    with session_factory.begin() as session:
        sample = find_sample(session, "S-fit")
        for celsius in temperatures:
            t = celsius + 273.15
            sigma = 1e5 * math.exp(-ea_ev / (k_ev * t))
            add_measurement(
                session,
                sample,
                MeasurementRecord.model_validate({"temperature_k": t, "sigma_s_cm": sigma}),
            )
        fit = refresh_fits(session, sample)
        assert fit is not None
        assert fit.method == "arrhenius-sigma"
        assert fit.ea_ev == pytest.approx(ea_ev, abs=1e-6)
        assert fit.n_points == 4


def test_edits_keep_the_earlier_version_in_history(
    session_factory: Any, make_sample: Any, backend: str
) -> None:
    make_sample("S-1", vol=35.0)
    with session_factory.begin() as session:
        update_sample(session, "S-1", {"milling_h": "6 h", "notes": "re-milled"})
    with session_factory() as session:
        sample = find_sample(session, "S-1")
        revisions = history(session, "sample", sample.id)
        assert [r.action for r in revisions] == ["insert", "update"]
        assert revisions[0].data["milling_h"] == 4.0
        assert revisions[1].data["milling_h"] == 6.0
        assert revisions[1].data["notes"] == "re-milled"
        assert sample.milling_h == 6.0


def test_refused_edit_changes_nothing(session_factory: Any, make_sample: Any, dump: Any) -> None:
    make_sample("S-1")
    make_sample("S-2")
    before = dump()
    for changes in (
        {"scaffold_vol_pct": "120"},
        {"label": "S-2"},
        {"scaffold": "SiO2-A999"},
        {"milling_h": "4 parsecs"},
        {"colour": "blue"},
    ):
        with pytest.raises((InvalidRecordError, NotFoundError)), session_factory.begin() as session:
            update_sample(session, "S-1", changes)
    assert dump() == before


def test_bulk_add_samples_matches_one_by_one(
    session_factory: Any, materials: dict[str, int]
) -> None:
    records = [
        SampleRecord.model_validate(
            {
                "label": f"B-{i}",
                "host": "Na2B12H12",
                "scaffold": "A200",
                "scaffold_vol_pct": 10 * i,
                "batch_mg": 500,
                "pellet": {"thickness_cm": 0.05, "area_cm2": 0.785},
                "measurements": [
                    {"temperature_k": f"{c} C", "resistance_ohm": 1000 / (i + 1) / (c / 30)}
                    for c in (30, 45, 60)
                ],
            }
        )
        for i in range(5)
    ]
    with session_factory.begin() as session:
        assert add_samples(session, records) == 5
    with session_factory() as session:
        for record in records:
            sample = find_sample(session, record.label)
            assert len(sample.measurements) == 3
            for m in sample.measurements:
                assert m.sigma_s_cm == pytest.approx(0.05 / (m.resistance_ohm * 0.785))
            stored = sample_record(sample)
            assert stored.scaffold_vol_pct == record.scaffold_vol_pct
        inserts = session.scalars(
            select(Revision.table_name).where(Revision.action == "insert")
        ).all()
        assert inserts.count("sample") == 5 and inserts.count("measurement") == 15
    with (
        pytest.raises(DuplicateError, match="'B-0' already exists"),
        session_factory.begin() as session,
    ):
        add_samples(session, records[:1])


def test_list_samples_filters(session_factory: Any, make_sample: Any) -> None:
    make_sample("S-10", vol=10.0, milling_h=1, made_on=dt.date(2026, 1, 5), temperatures_c=(30,))
    make_sample("S-35", vol=35.0, milling_h=4, made_on=dt.date(2026, 2, 5), temperatures_c=(60,))
    make_sample("S-0", vol=0.0, milling_h=8, made_on=dt.date(2026, 3, 5))

    def labels(**kwargs: Any) -> list[str]:
        with session_factory() as session:
            return [r["label"] for r in list_samples(session, SampleFilter(**kwargs))]

    assert labels() == ["S-10", "S-35", "S-0"]
    assert labels(scaffold="A200") == ["S-10", "S-35"]
    assert labels(vol_min=20) == ["S-35"]
    assert labels(vol_max=20) == ["S-10", "S-0"]
    assert labels(milling_min_h=2, milling_max_h=8) == ["S-35", "S-0"]
    assert labels(made_from=dt.date(2026, 2, 1), made_to=dt.date(2026, 2, 28)) == ["S-35"]
    with session_factory() as session:
        rows = {r["label"]: r for r in list_samples(session)}
    assert rows["S-10"]["sigma_30c_s_cm"] == pytest.approx(4e-4)
    assert rows["S-35"]["sigma_60c_s_cm"] == pytest.approx(7e-4)
    assert rows["S-0"]["n_measurements"] == 0


def test_resolve_url_prefers_argument_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url() == "sqlite:///matdoe.db"
    monkeypatch.setenv("MATDOE_DB", "postgresql+psycopg://lab@db/matdoe")
    assert resolve_url() == "postgresql+psycopg://lab@db/matdoe"
    assert resolve_url("other.db") == "sqlite:///other.db"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("postgresql+psycopg://lab:s3cret@db:5432/x", "postgresql+psycopg://lab:***@db:5432/x"),
        ("error at postgresql://u:p%40ss@h/d now", "error at postgresql://u:***@h/d now"),
        ("sqlite:///lab.db", "sqlite:///lab.db"),
    ],
)
def test_mask_url_hides_passwords(raw: str, masked: str) -> None:
    assert mask_url(raw) == masked


def test_unparseable_url_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(InvalidRecordError) as info:
        make_engine("postgresql+psycopg://lab:s3cret@db:notaport/x")
    assert "s3cret" not in str(info.value)


def test_sample_without_scaffold_has_no_scaffold_mass(
    session_factory: Any, make_sample: Any
) -> None:
    make_sample("S-0", vol=0.0)
    with session_factory() as session:
        sample = find_sample(session, "S-0")
        assert sample.scaffold_id is None
        assert sample.host_mg == 500.0
        assert session.scalar(select(Material.name).where(Material.id == sample.host_id)) == (
            "Na2B12H12"
        )
